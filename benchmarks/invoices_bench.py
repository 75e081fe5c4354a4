"""Billing run and reminder run at scale: invoices issued per second, reminders per second.

`run(db_url)` works on a copy of a SQLite demo database (the billing run
writes), or on the PostgreSQL database given (which it then changes). It
bills next month's active subscriptions with the real `BillingRun` (the code
behind `crm invoice run`), then sends every reminder that is due 70 days
after issue to an .eml outbox with the real `ReminderService` (`crm remind
--outbox`): each invoice is unpaid then (the demo's payments predate the
invoices), so each gets its final notice, PDF attached. The reminder aim is
for 50,000 overdue invoices, so at most the run's first 50,000 invoices are
reminded (about all of them at 100k customers, a tenth at 1M).

The machine is shared, so each figure has a reference measured in the same
run beside it: for the billing run, one `INSERT ... SELECT` writing a row per
active subscription into a scratch table (the least any billing could write);
for the reminders, writing as many .eml files of the same size with no
database and no PDF. The ratio is the figure's time over its reference's.

Example::

    python -m benchmarks invoices --customers 100000
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url

from crm_tui.config import Settings
from crm_tui.services.invoices.periods import Month
from crm_tui.services.invoices.run import BillingRun
from crm_tui.services.registry import open_services

REMINDERS = 50_000  # the reminder run's aim is for this many overdue invoices


def run(db_url: str, *, month: Month | None = None) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="crm-invoices-bench-") as work:
        url = _working_copy(db_url, Path(work))
        services = open_services(Settings(database_url=url, clerk="bench"))
        try:
            # Next month: the demo issues invoices up to today, and numbers follow dates.
            period = month or _next_month(date.today())
            on = period.first_day
            started = time.perf_counter()
            result = BillingRun(services.ctx, tax_rate=services.ctx.invoicing.tax_rate).run(
                period, on=on
            )
            billing = time.perf_counter() - started
            started = time.perf_counter()
            outbox = Path(work) / "out"
            sent = services.reminders.send(
                today=on + timedelta(days=70),
                outbox=outbox,
                invoice_ids=_first_issued(services, on),
            )
            reminding = time.perf_counter() - started
            insert_reference = _insert_reference(services)
            files_reference = _files_reference(outbox, Path(work) / "plain", len(sent.sent))
        finally:
            services.close()
    return [
        {"measure": f"billing run {period.label}", "invoices": result.invoices,
         "lines": result.lines, "seconds": round(billing, 1),
         "invoices_per_s": round(result.invoices / max(billing, 1e-9)),
         "reference_s": round(insert_reference, 2),
         "ratio": round(billing / max(insert_reference, 1e-9), 1)},
        {"measure": "reminders to the .eml outbox", "invoices": len(sent.sent),
         "skipped": len(sent.skipped), "seconds": round(reminding, 1),
         "invoices_per_s": round(len(sent.sent) / max(reminding, 1e-9)),
         "reference_s": round(files_reference, 2),
         "ratio": round(reminding / max(files_reference, 1e-9), 1)},
    ]  # fmt: skip


def _next_month(today: date) -> Month:
    return Month(today.year + today.month // 12, today.month % 12 + 1)


def _first_issued(services: Any, on: date) -> list[int]:
    """The ids of the first REMINDERS invoices issued on `on` (the billing run's)."""
    with services.ctx.read() as session:
        return list(
            session.scalars(
                text(
                    "SELECT id FROM invoice WHERE issue_date = :on AND kind = 'invoice' "
                    "ORDER BY id LIMIT :n"
                ),
                {"on": on, "n": REMINDERS},
            )
        )


def _insert_reference(services: Any) -> float:
    """Seconds for one INSERT ... SELECT of a row per active subscription (then dropped)."""
    with services.ctx.write() as session:
        session.execute(text("DROP TABLE IF EXISTS bench_reference"))
        session.execute(
            text(
                "CREATE TABLE bench_reference (subscription_id INTEGER, customer_id INTEGER, "
                "description TEXT, amount NUMERIC(20, 2), period_start DATE)"
            )
        )
    started = time.perf_counter()
    with services.ctx.write() as session:
        session.execute(
            text(
                "INSERT INTO bench_reference SELECT id, customer_id, product, monthly_amount, "
                "start_date FROM subscription WHERE status = 'active'"
            )
        )
    seconds = time.perf_counter() - started
    with services.ctx.write() as session:
        session.execute(text("DROP TABLE bench_reference"))
    return seconds


def _files_reference(outbox: Path, folder: Path, count: int) -> float:
    """Seconds to write `count` files as large as the outbox's first .eml, nothing else."""
    first = next(outbox.iterdir(), None) if outbox.is_dir() else None
    payload = first.read_bytes() if first is not None else b""
    folder.mkdir()
    started = time.perf_counter()
    for n in range(count):
        with open(folder / f"{n}.eml", "wb") as handle:
            handle.write(payload)
            os.fsync(handle.fileno())
    return time.perf_counter() - started


def _working_copy(db_url: str, folder: Path) -> str:
    """A SQLite file is copied (the run writes); PostgreSQL is used as given."""
    parsed = make_url(db_url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return db_url
    target = folder / "bench.sqlite3"
    shutil.copy(parsed.database, target)
    return f"sqlite:///{target}"
