"""Erase is one idempotent, resumable operation (issue 18, hole 2).

(a) A customer merged into the erased one kept the person's name, e-mail and
birth date. (b) Killed right after its transaction committed, erase left
tokens in the search index and a second `crm erase` said "nothing to do".
(c) With another reader open, erase exited 0 while copies remained in the
file and its WAL.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy.engine import make_url

import crm_tui.services.customers.erase as erase_module
from crm_tui.cli.main import cli
from crm_tui.config import Settings
from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.merge.service import MergeService
from crm_tui.services.registry import Services, open_services

MARK = "Zqxerasemark"


def merged_pair(services: Services) -> tuple[int, int]:
    keep = services.customers.create(CustomerCreate(first_name=MARK + "keep",
                                                    email="keep@erase.example")).id  # fmt: skip
    gone = services.customers.create(CustomerCreate(first_name=MARK + "gone", email="gone@erase.example",
                                                    date_of_birth="1980-02-03")).id  # fmt: skip
    MergeService(services.ctx).merge([keep, gone], keep=keep)
    return keep, gone


def test_erase_reaches_customers_merged_into_it(services: Services) -> None:
    """The merged customer's name, e-mail and birth date go too; it stays merged."""
    keep, gone = merged_pair(services)
    result = services.customers.erase(keep, confirm=f"C-{keep:06d}")
    assert result.erased == (keep, gone) and result.complete
    merged = services.customers.get(gone)
    assert (merged.first_name, merged.email, merged.date_of_birth) == ("Erased", None, None)
    assert (merged.status, merged.merged_into_id) == ("merged", keep)
    again = services.customers.erase(keep, confirm=f"C-{keep:06d}")
    assert (again.erased, again.already) == ((), (keep, gone))


def disk(url: str) -> bytes:
    path = Path(make_url(url).database or "")
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def test_a_rerun_finishes_what_a_killed_erase_left(
    sqlite_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stopped after its commit, erase left bytes on disk; `crm erase` again removes them."""
    services = open_services(sqlite_settings)
    keep, _gone = merged_pair(services)

    def killed(*_args: object) -> str:
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(erase_module, "purge_remnants", killed)
        with pytest.raises(KeyboardInterrupt):
            services.customers.erase(keep, confirm=f"C-{keep:06d}")
    services.close()
    assert MARK.casefold().encode() in disk(sqlite_settings.database_url)
    rerun = CliRunner().invoke(cli, ["--db", sqlite_settings.database_url, "erase",
                                     f"C-{keep:06d}", "--yes"])  # fmt: skip
    assert rerun.exit_code == 0, rerun.output
    assert "cleanup was run again" in rerun.output
    data = disk(sqlite_settings.database_url)
    assert MARK.encode() not in data and MARK.casefold().encode() not in data


def test_an_open_reader_delaying_the_checkpoint_is_reported(sqlite_settings: Settings) -> None:
    """Exit 2 and a sentence saying to run it again; once the reader is gone, it completes."""
    services = open_services(sqlite_settings)
    keep, _gone = merged_pair(services)
    services.close()
    url = sqlite_settings.database_url
    with closing(sqlite3.connect(make_url(url).database or "")) as reader:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM customer").fetchone()
        first = CliRunner().invoke(cli, ["--db", url, "erase", f"C-{keep:06d}", "--yes"])
        reader.rollback()
    assert first.exit_code == 2, first.output
    assert "another program has the database open" in first.output and "again" in first.output
    second = CliRunner().invoke(cli, ["--db", url, "erase", f"C-{keep:06d}", "--yes"])
    assert second.exit_code == 0, second.output
    data = disk(url)
    assert MARK.encode() not in data and MARK.casefold().encode() not in data
