"""The list sorted by days overdue: keyset pages over customer_summary.oldest_due.

Invoices are issued and paid through the services, so the summary's oldest
due date is the one they keep; every test runs on SQLite and PostgreSQL and
ends with `crm db check` clean (it recounts the oldest due date too).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from crm_tui.services.billing.inputs import PaymentCreate
from crm_tui.services.checks import check_database
from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.invoices import LineInput
from crm_tui.services.registry import Services
from crm_tui.services.search import CustomerRow, SearchFilters, SortSpec
from crm_tui.services.search.values import Cursor

TODAY = date.today()


@dataclass(frozen=True)
class Late:
    forty: int
    ten: int
    paid: int
    due_today: int
    never: int
    three: int


@pytest.fixture
def late(services: Services) -> Iterator[Late]:
    """Six customers (surname Late): 40, 10, 3 and 0 days overdue; one paid up; one never
    billed. The one at 3 days had a 20-day-old invoice too, paid since."""

    def person(name: str) -> int:
        made = CustomerCreate(first_name=name, last_name="Late", email=f"{name}@late.example")
        return services.customers.create(made).id

    def bill(cid: int, days_ago: int) -> int:
        draft = services.invoices.create_draft(cid, [LineInput("Work", "10.00")])
        return services.invoices.issue(draft.id, on=TODAY - timedelta(days=days_ago)).id

    forty, three, ten, paid, due_today = (
        person(n) for n in ("Forty", "Three", "Ten", "Paid", "Today")
    )
    never = person("Never")
    bill(forty, 40)  # issued in date order: numbers follow dates
    older = bill(three, 20)
    bill(ten, 10)
    bill(paid, 5)
    bill(three, 3)
    bill(due_today, 0)
    services.billing.record_payment(paid, PaymentCreate(amount="10.00"))
    services.billing.record_payment(three, PaymentCreate(amount="10.00"), invoice_id=older)
    yield Late(forty, ten, paid, due_today, never, three)
    assert check_database(services.ctx.db.engine).problems == []


def page_through(
    services: Services, query: str, sort: SortSpec, filters: SearchFilters | None = None
) -> list[CustomerRow]:
    seen: list[CustomerRow] = []
    after: Cursor | None = None
    while True:
        page = services.search.search(query, filters=filters, sort=sort, after=after, limit=2)
        seen.extend(page.rows)
        if not page.has_more:
            return seen
        after = page.next


def test_most_overdue_first_nothing_open_last(services: Services, late: Late) -> None:
    """Most first: 40, 10, 3, 0 days, then those with nothing open (by id); page
    by page of two, with and without a search query."""
    for query in ("", "late"):
        rows = page_through(services, query, SortSpec("days_overdue", True))
        assert [r.id for r in rows] == [
            late.forty, late.ten, late.three, late.due_today, late.paid, late.never,
        ], query  # fmt: skip
        assert [r.days_overdue(TODAY) for r in rows] == [40, 10, 3, 0, 0, 0]
        assert rows[2].oldest_due == TODAY - timedelta(days=3)  # the paid 20-day one is gone
        assert rows[4].oldest_due is None


def test_fewest_first_nothing_open_still_last(services: Services, late: Late) -> None:
    """Fewest first: due today, 3, 10, 40 days; nothing open still last."""
    rows = page_through(services, "late", SortSpec("days_overdue", False))
    assert [r.id for r in rows] == [
        late.due_today, late.three, late.ten, late.forty, late.never, late.paid,
    ]  # fmt: skip


def test_with_the_overdue_filter_and_after_a_payment(services: Services, late: Late) -> None:
    """Filtered to overdue, then the 40-day invoice paid: it leaves the sort's head."""
    overdue = SearchFilters(overdue=True)
    rows = page_through(services, "", SortSpec("days_overdue", True), overdue)
    assert [r.id for r in rows] == [late.forty, late.ten, late.three]
    services.billing.record_payment(late.forty, PaymentCreate(amount="10.00"))
    rows = page_through(services, "", SortSpec("days_overdue", True), overdue)
    assert [r.id for r in rows] == [late.ten, late.three]
