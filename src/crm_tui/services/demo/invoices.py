"""Invoices in the demo: issued, paid, partly paid, overdue, void, credited, overpaid, reminded.

A few dozen of the demo's active customers get one story each, written
through the real services (numbers, settlement, summaries and history as a
clerk's would be): the stories' steps run in date order, because invoice
numbers follow issue dates. Reminders due on the as-of day are then sent to
a throwaway .eml outbox, so the overdue invoices show reminders sent and the
customers' timelines the e-mail activity. A database that has invoices
already gets none (numbers follow dates: a story dated before them would be
refused).
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select
from sqlmodel import col

from crm_tui.models import Customer, Invoice
from crm_tui.services.billing.inputs import PaymentCreate
from crm_tui.services.billing.service import BillingService
from crm_tui.services.context import ServiceContext
from crm_tui.services.invoices.lines import LineInput
from crm_tui.services.invoices.reminders import ReminderService
from crm_tui.services.invoices.service import InvoiceService

STORIES = ("paid", "overdue", "partly_paid", "issued", "overdue_late", "void", "credited",
           "overpaid", "paid_late")  # fmt: skip
ITEMS = ("Fibre Broadband 500 Mb", "Mobile Plan Unlimited", "TV Package Sports",
         "Router rental", "Installation visit", "Mesh extender", "Support hours")  # fmt: skip
MAX_CUSTOMERS = 36


@dataclass(frozen=True)
class DemoInvoicesResult:
    """What the demo's invoicing did."""

    invoices: int
    reminders: int


@dataclass(frozen=True)
class Step:
    """One dated action of a story (issue first on a day, then payments and corrections)."""

    day: date
    order: int
    run: Callable[[date], None]


class DemoInvoices:
    """Tells one invoice story for each of a few demo customers."""

    def __init__(self, ctx: ServiceContext, rng: random.Random, as_of: date) -> None:
        self.ctx = ctx
        self.rng = rng
        self.as_of = as_of
        self.invoices = InvoiceService(ctx)
        self.billing = BillingService(ctx)

    def add(self, customer_ids: Sequence[int]) -> DemoInvoicesResult:
        """Stories for some of `customer_ids` (active, with an e-mail); none if invoices exist."""
        with self.ctx.read() as session:
            if session.scalar(select(func.count()).select_from(Invoice)):
                return DemoInvoicesResult(0, 0)
            sample = self.rng.sample(list(customer_ids), k=min(len(customer_ids), 400))
            rows = session.execute(
                select(col(Customer.id), col(Customer.currency))
                .where(
                    col(Customer.id).in_(sample),
                    col(Customer.status) == "active",
                    col(Customer.email).is_not(None),
                )
                .order_by(col(Customer.id))
            ).all()
        chosen = rows[:MAX_CUSTOMERS]
        steps: list[Step] = []
        for n, (cid, currency) in enumerate(chosen):
            steps += self._story(STORIES[n % len(STORIES)], cid or 0, currency or "GBP", n)
        for step in sorted(steps, key=lambda s: (s.day, s.order)):
            step.run(step.day)
        with tempfile.TemporaryDirectory(prefix="crm-demo-outbox-") as outbox:
            run = ReminderService(self.ctx).send(today=self.as_of, outbox=Path(outbox))
        issued = sum(1 for s in steps if s.order == 0)
        return DemoInvoicesResult(invoices=issued, reminders=len(run.sent))

    def _lines(self, currency: str) -> list[LineInput]:
        rng = self.rng
        count = rng.choice([1, 1, 2, 3])
        return [
            LineInput(
                rng.choice(ITEMS),
                f"{rng.randint(900, 12000) / 100:.2f}",
                quantity=str(rng.choice([1, 1, 1, 2])),
                tax_rate="20",
            )  # fmt: skip
            for _ in range(count)
        ]

    def _story(self, story: str, cid: int, currency: str, n: int) -> list[Step]:
        """The dated steps of one story; later steps use the invoice the first one issued."""
        ago = {"paid": 75, "paid_late": 60, "overdue": 44, "void": 40, "partly_paid": 30,
               "credited": 25, "overpaid": 20, "overdue_late": 12}  # fmt: skip
        # "issued" is issued on the as-of day itself: not due yet, whatever the terms.
        issue_on = self.as_of - timedelta(days=ago[story] + n % 5 if story in ago else 0)
        lines = self._lines(currency)
        made: dict[str, int] = {}

        def issue(day: date) -> None:
            draft = self.invoices.create_draft(cid, lines, currency=currency)
            made["id"] = self.invoices.issue(draft.id, on=day).id

        def pay(share: str, extra: str = "0") -> Callable[[date], None]:
            def paid(day: date) -> None:
                total = self.invoices.get(made["id"]).invoice.total
                amount = (total * Decimal(share) + Decimal(extra)).quantize(Decimal("0.01"))
                self.billing.record_payment(
                    cid, PaymentCreate(amount=str(amount), currency=currency, paid_at=day),
                    invoice_id=made["id"],
                )  # fmt: skip

            return paid

        def void(_day: date) -> None:
            self.invoices.void(made["id"])

        def credit(day: date) -> None:
            total = self.invoices.get(made["id"]).invoice.total
            goodwill = (total / Decimal("1.2") / 4).quantize(Decimal("0.01"))
            self.invoices.credit_note(
                made["id"], [LineInput("Goodwill: service outage", str(goodwill), tax_rate="20")],
                on=day, notes="Credit for last month's outage.",
            )  # fmt: skip

        later: dict[str, tuple[int, Callable[[date], None]]] = {
            "paid": (9, pay("1")), "paid_late": (50, pay("1")), "partly_paid": (6, pay("0.5")),
            "overpaid": (4, pay("1", extra="15.00")), "void": (2, void), "credited": (5, credit),
        }  # fmt: skip
        steps = [Step(issue_on, 0, issue)]
        if story in later:
            days, action = later[story]
            steps.append(Step(issue_on + timedelta(days=days), 1, action))
        return steps
