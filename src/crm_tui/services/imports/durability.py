"""An import's batches committed without waiting for the disk, made durable once at the end.

On PostgreSQL each batch's COMMIT waited for its write-ahead log to reach
the disk: about 10 ms a batch here (0.45-0.55 s of a 50,000-row import's
commits, 0.04-0.09 s without the wait). So the batches of an import commit
with `synchronous_commit = off` (for their own transaction only), and the
import ends, however it ends, with one transaction that commits the
ordinary way: a commit that waits for the log waits for all of it up to its
own record, the earlier batches' included. Nothing the import reports is
lost to a crash: every batch is whole or absent (each is one transaction,
as before), and the summary or the "interrupted" message comes only after
that final wait (a progress line may run a fraction of a second ahead of
the disk, as it ran ahead of the commit before). A server crash
during the import may lose the last few batches committed before it (at
most about three times wal_writer_delay of them) along with the rows being
written; the import stops there anyway, and a re-run with skip or update
finds what was saved, as after any crash. SQLite is left as it was.

That final transaction writes one transactional logical-decoding message
(pg_logical_emit_message, allowed to any login; it changes no table):
committing a transaction that wrote nothing to the log does not wait for it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress

from sqlalchemy.orm import Session

NO_WAIT = "SET LOCAL synchronous_commit = off"
# The message's prefix names who wrote it, for anyone reading the log with logical decoding.
FLUSH = "SELECT pg_logical_emit_message(true, 'crm_tui.import', 'batches durable')"


class Durability:
    """Whether batches committed without waiting; one per import run."""

    def __init__(self, write: Callable[[], AbstractContextManager[Session]]) -> None:
        self._write = write  # a unit of work that commits (ServiceContext.write)
        self.waiting = False  # a batch was committed without waiting, and no flush since

    def batch(self, session: Session) -> None:
        """This batch's transaction commits without waiting for the disk (PostgreSQL)."""
        if session.get_bind().dialect.name == "postgresql":
            session.connection().exec_driver_sql(NO_WAIT)
            self.waiting = True

    def flush(self) -> None:
        """Wait until every batch committed so far is on disk."""
        if not self.waiting:
            return
        with self._write() as session:
            session.connection().exec_driver_sql(FLUSH)
        self.waiting = False

    @contextmanager
    def at_end(self) -> Iterator[None]:
        """Flush when the block ends: after an error too, without hiding that error (a
        flush that fails then, say with the server gone, is left unreported)."""
        try:
            yield
        except BaseException:
            with suppress(Exception):  # the block's own error is the one to raise
                self.flush()
            raise
        self.flush()
