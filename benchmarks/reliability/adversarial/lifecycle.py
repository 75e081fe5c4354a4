"""Adversarial cases 1 and 2: a stopped demo, a demo beside a clerk, erase.

Each function takes a database URL on the engine to try (a fresh database
is made per case) and returns a CaseResult.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager, suppress
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy.engine import make_url

from benchmarks.reliability.adversarial.common import (
    CaseResult,
    Size,
    clerk,
    engine_of,
    fresh,
    raised,
)
from crm_tui.cli.main import cli
from crm_tui.services.billing.inputs import PaymentCreate
from crm_tui.services.customers.inputs import CustomerCreate, NoteCreate
from crm_tui.services.demo import builder as demo_module
from crm_tui.services.demo.builder import DemoBuilder
from crm_tui.services.registry import Services


class _Stop(Exception):
    """Stands for Ctrl-C or kill -9 after some batches (whole batches stay)."""


def _stopper(after: int) -> Callable[[int], None]:
    """A progress callback that stops the demo after `after` batches."""
    seen = [0]

    def progress(_count: int) -> None:
        seen[0] += 1
        if seen[0] >= after:
            raise _Stop

    return progress


def demo_stopped(url: str, folder: Path, size: Size) -> CaseResult:
    """A demo stopped after k batches, then a clerk adds a customer, a note and a payment."""
    result = CaseResult("1. demo stopped midway, then clerks write")
    with fresh(url, folder / "demo-stopped") as services:
        for stop_after in range(1, size.pick(4, 10) + 1):
            progress = _stopper(stop_after)

            demo_module.BATCH = size.pick(25, 2_000)
            try:
                DemoBuilder(services.ctx, seed=stop_after).run(
                    demo_module.BATCH * (stop_after + 1), progress=progress
                )
            except _Stop:
                pass
            finally:
                demo_module.BATCH = 2_000
            error = raised(lambda tag=f"stopped{stop_after}": _clerk_writes(services, tag))  # type: ignore[misc]
            result.attempt(error is None, repr(error))
    return result


def _clerk_writes(services: Services, tag: str) -> None:
    customer = services.customers.create(CustomerCreate(first_name="Walk", last_name=tag,
                                          email=f"{tag}@walk-in.example"))  # fmt: skip
    services.notes.add(customer.id, NoteCreate(title="Came in"))
    services.billing.record_payment(customer.id, PaymentCreate(amount="9.99"))


def demo_beside_clerk(url: str, folder: Path, size: Size) -> CaseResult:
    """A clerk adds customers while a demo fills the same database."""
    result = CaseResult("1. clerk adds customers during a demo")
    demo_module.BATCH = size.pick(50, 2_000)  # small batches: the clerk gets turns
    with fresh(url, folder / "demo-beside") as services:
        other = clerk(services, "counter")
        done = threading.Event()
        demo_error: list[BaseException] = []

        def demo() -> None:
            try:
                DemoBuilder(services.ctx, seed=5).run(size.pick(600, 6_000))
            except Exception as exc:  # counted below
                demo_error.append(exc)
            finally:
                done.set()

        thread = threading.Thread(target=demo)
        thread.start()
        n = 0
        while not done.is_set() or n < 8:
            n += 1
            error = raised(lambda tag=f"during{n}": _clerk_writes(other, tag))  # type: ignore[misc]
            result.attempt(error is None, repr(error))
        thread.join()
        result.attempt(not demo_error, repr(demo_error[:1]))
        other.close()
    demo_module.BATCH = 2_000
    return result


def _file_bytes(url: str) -> bytes:
    path = Path(make_url(url).database or "")
    wal = path.with_name(path.name + "-wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


def _copies(url: str, text: str) -> int:
    """How many times the text (as typed or casefolded) is in the file and its WAL."""
    data = _file_bytes(url)
    return data.count(text.encode()) + data.count(text.casefold().encode())


def _victim(services: Services, marker: str) -> tuple[int, int]:
    keep = services.customers.create(CustomerCreate(first_name=marker + "keep", last_name="Survivor",
                                      email=f"{marker}.keep@erase.example")).id  # fmt: skip
    gone = services.customers.create(CustomerCreate(first_name=marker + "gone", last_name="Merged",
                                      email=f"{marker}.gone@erase.example",
                                      date_of_birth="1980-02-03")).id  # fmt: skip
    from crm_tui.services.merge.service import MergeService

    MergeService(services.ctx).merge([keep, gone], keep=keep)
    return keep, gone


def erase_merged(url: str, folder: Path, size: Size) -> CaseResult:
    """Erasing a survivor erases the customers merged into it too."""
    result = CaseResult("2a. erase reaches customers merged into the erased one")
    with fresh(url, folder / "erase-merged") as services:
        for n in range(size.pick(3, 20)):
            keep, gone = _victim(services, f"Qmx{n}")
            services.customers.erase(keep, confirm=f"C-{keep:06d}")
            merged = services.customers.get(gone)
            left: list[object] = [v for v in (merged.email, merged.date_of_birth) if v is not None]
            left += [merged.first_name] if "Qmx" in (merged.first_name or "") else []
            result.attempt(not left, f"C-{gone:06d} still holds {left}")
    return result


def _cli(url: str, *args: str) -> tuple[int, str]:
    outcome = CliRunner().invoke(cli, ["--db", url, *args])
    return outcome.exit_code, outcome.output


@contextmanager
def _killed_after_commit() -> Iterator[None]:
    """Erase stops where a kill -9 right after its transaction would stop it."""

    def killed(*_args: object) -> str:
        raise _Stop

    try:
        import crm_tui.services.customers.erase as erase_module

        owner: object = erase_module
        name = "purge_remnants"
    except ImportError:  # the code before issue 18 purged in a CustomerService method
        from crm_tui.services.customers.service import CustomerService

        owner, name = CustomerService, "_purge_sqlite_remnants"
    original = getattr(owner, name)
    setattr(owner, name, killed)
    try:
        yield
    finally:
        setattr(owner, name, original)


def erase_resumed(url: str, folder: Path, size: Size) -> CaseResult:
    """Erase stopped right after its commit, run again: no copy left in the file or WAL."""
    result = CaseResult("2b. erase re-run finishes the cleanup")
    if engine_of(url) != "sqlite":
        return result
    with fresh(url, folder / "erase-resumed") as services:
        db_url = services.ctx.db.engine.url.render_as_string(hide_password=False)
        for n in range(size.pick(2, 10)):
            marker = f"Zresumeqx{n}"
            keep, _gone = _victim(services, marker)
            with _killed_after_commit(), suppress(_Stop):
                services.customers.erase(keep, confirm=f"C-{keep:06d}")
            code, output = _cli(db_url, "erase", f"C-{keep:06d}", "--yes")
            services.ctx.db.engine.dispose()
            left = _copies(db_url, marker + "keep")
            result.attempt(code == 0 and left == 0, f"exit {code}, {left} copies: {output!r}")
    return result


def erase_with_reader(url: str, folder: Path, size: Size) -> CaseResult:
    """With another program reading, erase says the cleanup is pending (not success)."""
    result = CaseResult("2c. erase beside an open reader reports the delay")
    if engine_of(url) != "sqlite":
        return result
    with fresh(url, folder / "erase-reader") as services:
        db_url = services.ctx.db.engine.url.render_as_string(hide_password=False)
        path = make_url(db_url).database or ""
        for n in range(size.pick(2, 10)):
            marker = f"Zreaderqx{n}"
            keep, _gone = _victim(services, marker)
            with closing(sqlite3.connect(path)) as reader:
                reader.execute("BEGIN")
                reader.execute("SELECT count(*) FROM customer").fetchone()
                code, output = _cli(db_url, "erase", f"C-{keep:06d}", "--yes")
                reader.rollback()
            honest = code != 0 and "again" in output
            code, output = _cli(db_url, "erase", f"C-{keep:06d}", "--yes")
            services.ctx.db.engine.dispose()
            left = _copies(db_url, marker + "keep")
            result.attempt(honest and code == 0 and left == 0,
                           f"reported {honest}, re-run exit {code}, {left} copies")  # fmt: skip
    return result
