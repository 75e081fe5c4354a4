"""Two clerks issuing invoices at once: every number used exactly once, none skipped.

Each clerk has its own Services (own engine and connections), so on
PostgreSQL their transactions really overlap; the yearly counter row makes
the second wait for the first. One clerk's refused issue (dated before the
year's last invoice) must not burn a number either.
"""

from __future__ import annotations

import threading
from datetime import date

from sqlalchemy import select
from sqlmodel import col

from crm_tui.config import Settings
from crm_tui.models import Invoice
from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.errors import ValidationError
from crm_tui.services.invoices import LineInput
from crm_tui.services.registry import open_services

CLERKS = 2
EACH = 15
ON = date(2026, 5, 4)


def test_two_clerks_issuing_at_once_get_gap_free_numbers(settings: Settings) -> None:
    """Numbers 1..N, each once, when two clerks issue at the same moments."""
    setup = open_services(settings)
    cid = setup.customers.create(CustomerCreate(first_name="Busy", email="busy@example.com")).id
    clerks = [open_services(settings.with_(clerk=f"clerk{n}")) for n in range(CLERKS)]
    drafts = [
        [clerks[n].invoices.create_draft(cid, [LineInput("Hour", "10.00")]).id for _ in range(EACH)]
        for n in range(CLERKS)
    ]
    barrier = threading.Barrier(CLERKS)
    errors: list[str] = []

    def clerk(n: int) -> None:
        for draft_id in drafts[n]:
            barrier.wait()
            try:
                clerks[n].invoices.issue(draft_id, on=ON)
                if n == 0:  # a refused issue in between must not use up a number
                    late = clerks[n].invoices.create_draft(cid, [LineInput("Late", "1.00")])
                    try:
                        clerks[n].invoices.issue(late.id, on=date(2026, 1, 1))
                    except ValidationError:
                        clerks[n].invoices.delete_draft(late.id)
            except Exception as exc:  # collected and asserted empty below
                errors.append(repr(exc))

    threads = [threading.Thread(target=clerk, args=(n,)) for n in range(CLERKS)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert errors == []
        with setup.ctx.read() as session:
            numbers = sorted(n for n in session.scalars(select(col(Invoice.sequence))) if n)
        assert numbers == list(range(1, CLERKS * EACH + 1))
    finally:
        for svc in clerks:
            svc.close()
        setup.close()
