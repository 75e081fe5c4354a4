"""Billing run and reminder run at scale: invoices issued per second, reminders per second.

`run(db_url)` works on a copy of a SQLite demo database (the billing run
writes), or on the PostgreSQL database given (which it then changes). It
bills next month's active subscriptions with the real `BillingRun` (the code
behind `crm invoice run`), then sends every reminder that is due 70 days
after issue to an .eml outbox with the real `ReminderService` (`crm remind
--outbox`): each invoice is unpaid then (the demo's payments predate the
invoices), so each gets its final notice, PDF attached.

Example::

    python -m benchmarks invoices --customers 100000
"""

from __future__ import annotations

import shutil
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from crm_tui.config import Settings
from crm_tui.services.invoices.periods import Month
from crm_tui.services.invoices.run import BillingRun
from crm_tui.services.registry import open_services


def run(db_url: str, *, month: Month | None = None) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory(prefix="crm-invoices-bench-") as work:
        url = _working_copy(db_url, Path(work))
        services = open_services(Settings(database_url=url, clerk="bench"))
        try:
            today = date.today()
            period = month or Month(today.year, today.month)
            on = period.first_day
            started = time.perf_counter()
            result = BillingRun(services.ctx, tax_rate=services.ctx.invoicing.tax_rate).run(
                period, on=on
            )
            billing = time.perf_counter() - started
            started = time.perf_counter()
            sent = services.reminders.send(today=on + timedelta(days=70), outbox=Path(work) / "out")
            reminding = time.perf_counter() - started
        finally:
            services.close()
    return [
        {"measure": f"billing run {period.label}", "invoices": result.invoices,
         "lines": result.lines, "seconds": round(billing, 1),
         "invoices_per_s": round(result.invoices / max(billing, 1e-9))},
        {"measure": "reminders to the .eml outbox", "invoices": len(sent.sent),
         "skipped": len(sent.skipped), "seconds": round(reminding, 1),
         "invoices_per_s": round(len(sent.sent) / max(reminding, 1e-9))},
    ]  # fmt: skip


def _working_copy(db_url: str, folder: Path) -> str:
    """A SQLite file is copied (the run writes); PostgreSQL is used as given."""
    parsed = make_url(db_url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return db_url
    target = folder / "bench.sqlite3"
    shutil.copy(parsed.database, target)
    return f"sqlite:///{target}"
