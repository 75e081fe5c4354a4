"""Adversarial case 6: clerks racing each other in bulk work (PostgreSQL runs them at once)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path

from sqlalchemy import func, select
from sqlmodel import col

from benchmarks.reliability.adversarial.common import CaseResult, Size, clerk, fresh, raised
from crm_tui.models import ChangeRecord, Customer, CustomerTag, Tag
from crm_tui.services.bulk.service import Selection
from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.errors import CrmError
from crm_tui.services.merge.service import MergeService
from crm_tui.services.registry import Services


def _together(*works: Callable[[], object]) -> list[BaseException]:
    barrier = threading.Barrier(len(works))
    errors: list[BaseException] = []

    def run(work: Callable[[], object]) -> None:
        barrier.wait()
        error = raised(work)
        if error is not None and not isinstance(error, CrmError):
            errors.append(error)

    threads = [threading.Thread(target=run, args=(w,)) for w in works]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


def _people(services: Services, count: int, tag: str) -> list[int]:
    return [
        services.customers.create(
            CustomerCreate(first_name=f"P{i}", last_name=tag, email=f"{tag}.{i}@race.example")
        ).id  # fmt: skip
        for i in range(count)
    ]


def _merge_pairs(merger: Services, ids: list[int]) -> None:
    service = MergeService(merger.ctx)
    for keep, gone in zip(ids[0::2], ids[1::2], strict=True):
        service.merge([keep, gone], keep=keep)


def tag_versus_merge(url: str, folder: Path, size: Size) -> CaseResult:
    """Bulk tagging racing merges: no merged customer ends up tagged."""
    result = CaseResult("6a. bulk tag racing merges leaves merged customers untagged")
    with fresh(url, folder / "tag-merge") as services:
        for round_ in range(size.pick(2, 5)):
            ids = _people(services, 2 * size.pick(30, 150), f"tm{round_}")
            tagger, merger = clerk(services, "tagger"), clerk(services, "merger")
            name = f"campaign{round_}"
            errors = _together(
                partial(tagger.bulk.add_tag, Selection(ids=frozenset(ids)), name, chunk=10),
                partial(_merge_pairs, merger, ids),
            )
            with services.ctx.read() as session:
                stray = session.scalar(
                    select(func.count()).select_from(CustomerTag)
                    .join(Tag, col(Tag.id) == col(CustomerTag.tag_id))
                    .join(Customer, col(Customer.id) == col(CustomerTag.customer_id))
                    .where(col(Tag.name) == name, col(Customer.status) == "merged")
                )  # fmt: skip
            tagger.close()
            merger.close()
            result.attempt(
                not errors and not stray, f"{stray} merged customers tagged, {errors[:1]!r}"
            )
    return result


def _history_gaps(services: Services, ids: list[int]) -> int:
    """Customers with a version that no history row accounts for (or history for none)."""
    with services.ctx.read() as session:
        versions = dict(session.execute(
            select(col(Customer.id), col(Customer.version)).where(col(Customer.id).in_(ids))
        ).all())  # fmt: skip
        logged: dict[int, set[int]] = {int(cid or 0): set() for cid in versions}
        # By entity_id: a merge moves the merged customer's history to the survivor.
        for cid, version in session.execute(
            select(col(ChangeRecord.entity_id), col(ChangeRecord.version)).where(
                col(ChangeRecord.entity_id).in_(ids),
                col(ChangeRecord.entity) == "customer",
                col(ChangeRecord.version) > 1,
            )
        ):
            logged[int(cid or 0)].add(version)
    return sum(1 for cid, v in versions.items() if logged[int(cid or 0)] != set(range(2, v + 1)))


def status_twice(url: str, folder: Path, size: Size) -> CaseResult:
    """Two clerks' bulk status changes on the same customers: one history row per version."""
    result = CaseResult("6b. two clerks' bulk status: history for every version")
    with fresh(url, folder / "status-twice") as services:
        for round_ in range(size.pick(3, 10)):
            ids = _people(services, 40, f"st{round_}")
            a, b = clerk(services, "clerk-a"), clerk(services, "clerk-b")
            pick = Selection(ids=frozenset(ids))
            errors = _together(partial(a.bulk.set_status, pick, "inactive", chunk=7),
                               partial(b.bulk.set_status, pick, "churned", chunk=5))  # fmt: skip
            a.close()
            b.close()
            gaps = _history_gaps(services, ids)
            result.attempt(
                not errors and gaps == 0, f"{gaps} customers' history gaps, {errors[:1]!r}"
            )
    return result


def status_versus_merge(url: str, folder: Path, size: Size) -> CaseResult:
    """Bulk status racing merges: every version has its history row, none more."""
    result = CaseResult("6c. bulk status racing merges writes no phantom history")
    with fresh(url, folder / "status-merge") as services:
        for round_ in range(size.pick(2, 5)):
            ids = _people(services, 2 * size.pick(30, 150), f"sm{round_}")
            bulk, merger = clerk(services, "bulk"), clerk(services, "merger")
            errors = _together(
                partial(bulk.bulk.set_status, Selection(ids=frozenset(ids)), "inactive", chunk=10),
                partial(_merge_pairs, merger, ids),
            )
            bulk.close()
            merger.close()
            gaps = _history_gaps(services, ids)
            result.attempt(
                not errors and not gaps, f"{gaps} customers' history off, {errors[:1]!r}"
            )
    return result


def same_new_tag(url: str, folder: Path, size: Size) -> CaseResult:
    """Two clerks creating the same new tag at once: one wins, the other is told why."""
    result = CaseResult("6d. two clerks create the same new tag")
    with fresh(url, folder / "same-tag") as services:
        a, b = clerk(services, "clerk-a"), clerk(services, "clerk-b")
        cid = services.customers.create(CustomerCreate(first_name="Tagged")).id
        pick = Selection(ids=frozenset([cid]))
        for round_ in range(size.pick(10, 20)):
            name = f"fresh-{round_}"
            errors = _together(partial(a.tags.create, name), partial(b.tags.create, name))
            errors += _together(partial(a.bulk.add_tag, pick, name + "b"),
                                partial(b.bulk.add_tag, pick, name + "b"))  # fmt: skip
            result.attempt(not errors, repr(errors[:1]))
        a.close()
        b.close()
    return result
