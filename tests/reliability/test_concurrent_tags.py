"""Two clerks tagging the same customers at once: no duplicate-key error reaches either.

Found by the writer storm on PostgreSQL, where both transactions run at once:
both saw the tag missing and both inserted it, and the second failed on the
primary key; likewise two clerks creating the same new tag.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import func, select
from sqlmodel import col

from crm_tui.config import Settings
from crm_tui.models import CustomerTag, Tag
from crm_tui.services.bulk.service import Selection
from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.registry import open_services

CLERKS = 4
ROUNDS = 25


def _together(work: Callable[[int, int], None]) -> list[str]:
    """Run work(clerk, round) in CLERKS threads, each round started at once; return the errors."""
    barrier = threading.Barrier(CLERKS)
    errors: list[str] = []

    def clerk(n: int) -> None:
        for r in range(ROUNDS):
            barrier.wait()
            try:
                work(n, r)
            except Exception as exc:  # collected and asserted empty below
                errors.append(repr(exc))

    threads = [threading.Thread(target=clerk, args=(n,)) for n in range(CLERKS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def test_clerks_tagging_one_customer_at_once_all_succeed(settings: Settings) -> None:
    """Concurrent tag/untag of one customer, and creating the same new tag, raise nothing."""
    setup = open_services(settings)
    cid = setup.customers.create(CustomerCreate(first_name="Busy", email="busy@example.com")).id
    one = Selection(ids=frozenset({cid}))
    clerks = [open_services(settings.with_(clerk=f"clerk{n}")) for n in range(CLERKS)]

    def work(n: int, r: int) -> None:
        bulk = clerks[n].bulk
        bulk.add_tag(one, f"new-{r}")  # all create the same new tag
        bulk.add_tag(one, "shared")
        if n == r % CLERKS:
            bulk.remove_tag(one, "shared")

    try:
        assert _together(work) == []
        with setup.ctx.read() as session:
            assert session.scalar(select(func.count()).select_from(Tag)) == ROUNDS + 1
            pairs = session.scalar(
                select(func.count())
                .select_from(CustomerTag)
                .where(col(CustomerTag.customer_id) == cid)
            )
            assert pairs in (ROUNDS, ROUNDS + 1)  # every new-N, and "shared" unless untagged last
    finally:
        for svc in clerks:
            svc.close()
        setup.close()
