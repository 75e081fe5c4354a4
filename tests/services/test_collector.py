"""The collector eased for a bulk job is given back as it was."""

from __future__ import annotations

import gc

import pytest

from crm_tui.services.collector import YOUNG_COLLECTION, few_collections


def test_few_collections_is_undone() -> None:
    """A bulk job's collector settings hold inside and are undone after, also
    when it fails; objects frozen before it (the app freezes after its start) stay frozen."""
    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    with few_collections():
        assert gc.get_threshold() == (YOUNG_COLLECTION, *before[1:])
        assert gc.get_freeze_count() > frozen
    assert (gc.get_threshold(), gc.get_freeze_count()) == (before, frozen)
    gc.freeze()  # as the app does after its start
    try:
        held = gc.get_freeze_count()
        with pytest.raises(RuntimeError), few_collections():
            raise RuntimeError("the job failed")
        assert (gc.get_threshold(), gc.get_freeze_count()) == (before, held)
    finally:
        gc.unfreeze()
