"""The monthly billing run: one invoice per customer (or billing group) and currency.

Each active subscription is billed once per month: its line claims
(subscription, month) under a unique index, so running the same month again
issues nothing new and two runs at once cannot both bill a period (the loser's
batch rolls back and is recounted). The run commits one batch of invoices at a
time, numbers included, so an interrupted run keeps whole invoices only and
the next run issues the rest. Members of a billing group are billed on one
consolidated invoice addressed to the group's lead member (its earliest live
member, who receives and pays it). Amounts are never added across
currencies: subscriptions in two currencies make two invoices.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crm_tui.services.context import ServiceContext
from crm_tui.services.invoices import run_queries as queries
from crm_tui.services.invoices.lines import LineValues, totals
from crm_tui.services.invoices.periods import Month
from crm_tui.services.invoices.run_issue import issue_batch

BATCH_PAYERS = 500
RETRIES = 3


@dataclass
class RunDraft:
    """An invoice the run is about to issue: its payer, currency and lines."""

    payer_id: int
    group_id: int | None
    currency: str
    lines: list[tuple[LineValues, int]] = field(default_factory=list)  # with subscription id


@dataclass(frozen=True)
class RunResult:
    """What a run issued (or, dry, would issue): counts, and totals per currency."""

    month: str
    dry_run: bool
    invoices: int
    lines: int
    totals: dict[str, Decimal]
    stopped: bool = False  # asked to stop: the batches done are issued, the rest is not


class BillingRun:
    """Bills one month's active subscriptions; safe to repeat and to interrupt."""

    def __init__(
        self, ctx: ServiceContext, *, tax_rate: Decimal, batch_payers: int = BATCH_PAYERS
    ) -> None:
        self.ctx = ctx
        self.tax_rate = tax_rate
        self.batch_payers = batch_payers

    def run(
        self,
        month: Month,
        *,
        on: date | None = None,
        dry_run: bool = False,
        progress: Callable[[int, int], None] | None = None,
        stop: Callable[[], bool] | None = None,
    ) -> RunResult:
        """Issue (dated `on`, default today) the month's invoices, a batch at a time;
        `stop` is asked between batches (the next run issues what is left)."""
        issue_on = on or date.today()
        with self.ctx.read() as session:
            batches = queries.payer_batches(session, month, self.batch_payers)
        total_payers = sum(len(b.payers) for b in batches)
        done = invoices = lines = 0
        sums: dict[str, Decimal] = defaultdict(lambda: Decimal("0.00"))
        for batch in batches:
            if stop is not None and stop():
                return RunResult(month.label, dry_run, invoices, lines, dict(sums), stopped=True)
            drafts = self._issue(batch, month, issue_on, dry_run)
            for draft in drafts:
                sums[draft.currency] += totals(v for v, _ in draft.lines).total
                lines += len(draft.lines)
            invoices += len(drafts)
            done += len(batch.payers)
            if progress is not None:
                progress(done, total_payers)
        return RunResult(month.label, dry_run, invoices, lines, dict(sums))

    def _issue(
        self, batch: queries.PayerBatch, month: Month, on: date, dry_run: bool
    ) -> list[RunDraft]:
        for attempt in range(RETRIES):
            if dry_run:
                with self.ctx.read() as session:
                    return self._drafts(session, batch, month)
            try:
                with self.ctx.write() as session:
                    drafts = self._drafts(session, batch, month)
                    if drafts:
                        issue_batch(session, drafts, month, on, self.ctx.actor)
                    return drafts
            except IntegrityError:
                # Another run billed some of these periods meanwhile: the whole
                # batch rolled back (numbers too); look again at what is left.
                if attempt == RETRIES - 1:
                    raise
        return []

    def _drafts(self, session: Session, batch: queries.PayerBatch, month: Month) -> list[RunDraft]:
        drafts: dict[tuple[int, str], RunDraft] = {}
        for row in queries.candidates(session, batch, month):
            payer = batch.payer_of(row)
            key = (payer, row.currency)
            if key not in drafts:
                drafts[key] = RunDraft(payer, row.billing_group_id, row.currency)
            description = queries.line_text(row, month, grouped=row.billing_group_id is not None)
            values = queries.subscription_line(description, row.monthly_amount, self.tax_rate)
            drafts[key].lines.append((values, row.id))
        return list(drafts.values())
