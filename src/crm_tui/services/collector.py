"""The garbage collector eased for a bulk job (a large import or export).

Every row of an import, and every batch of an export, makes many short-lived
containers, and by default each 700 new ones set off a collection that, every
so often, walked the whole heap of SQLAlchemy, the models and phonenumbers'
metadata: a fifth of an import's CPU on both sides, 3% of an export batch's
instructions. `few_collections` freezes what exists at the start (never
walked) and makes collections rarer; both are undone at the end (objects
someone else froze before stay frozen). Only for jobs run from a process's
main thread: the app works in worker threads, where the whole app's collector
would be changed under it.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext

# The collector's youngest generation is walked after this many new containers (700 by
# default).
YOUNG_COLLECTION = 10_000


@contextmanager
def few_collections() -> Iterator[None]:
    """The collector left to the job inside: what exists now frozen, collections rarer."""
    before, frozen = gc.get_threshold(), gc.get_freeze_count()
    if not frozen:
        gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION, before[1], before[2])
    try:
        yield
    finally:
        gc.set_threshold(*before)
        if not frozen:
            gc.unfreeze()


def few_collections_in_main_thread() -> AbstractContextManager[None]:
    """few_collections from a process's main thread (the command line, a helper process);
    from a worker thread (the app) the collector is left as it is."""
    main = threading.current_thread() is threading.main_thread()
    return few_collections() if main else nullcontext()
