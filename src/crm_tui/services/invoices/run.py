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
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.exc import IntegrityError

from crm_tui.services.context import ServiceContext
from crm_tui.services.invoices import run_queries as queries
from crm_tui.services.invoices import run_stage as stage
from crm_tui.services.invoices.periods import Month
from crm_tui.services.invoices.run_issue import issue_staged
from crm_tui.services.roles.policy import Capability

BATCH_PAYERS = 5000
RETRIES = 3


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
        if not dry_run:  # the role, before any work (read-only mode refuses the first write)
            self.ctx.permissions.require(Capability.BILL)
        with self.ctx.read() as session:
            batches = queries.payer_batches(session, month, self.batch_payers)
        total_payers = sum(len(b.payers) for b in batches)
        done = invoices = lines = 0
        sums: dict[str, Decimal] = defaultdict(lambda: Decimal("0.00"))
        for batch in batches:
            if stop is not None and stop():
                return RunResult(month.label, dry_run, invoices, lines, dict(sums), stopped=True)
            found = self._issue(batch, month, issue_on, dry_run)
            for currency, total in found.totals.items():
                sums[currency] += total
            invoices += found.invoices
            lines += found.lines
            done += len(batch.payers)
            if progress is not None:
                progress(done, total_payers)
        return RunResult(month.label, dry_run, invoices, lines, dict(sums))

    def _issue(
        self, batch: queries.PayerBatch, month: Month, on: date, dry_run: bool
    ) -> stage.StageSums:
        lines = stage.batch_lines(batch, month, self.tax_rate)
        if dry_run:
            with self.ctx.read() as session:
                return stage.sums(session, lines.subquery())
        for attempt in range(RETRIES):
            try:
                with self.ctx.write(Capability.BILL) as session:
                    staged = stage.stage_tables()
                    stage.fill(session, staged, lines)
                    found = stage.sums(session, staged.lines)
                    issue_staged(session, staged, month, on, self.ctx.actor, self.tax_rate)
                    stage.drop(session, staged)
                    return found
            except IntegrityError:
                # Another run billed some of these periods meanwhile: the whole
                # batch rolled back (numbers too); look again at what is left.
                if attempt == RETRIES - 1:
                    raise
        return stage.StageSums(0, 0, {})
