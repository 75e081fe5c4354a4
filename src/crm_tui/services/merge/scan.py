"""Finding likely duplicate customers across the whole database.

The database does the grouping: customers sharing phone digits come from
GROUP BY ... HAVING count(*) > 1 over the phone index (the normalised
e-mail is unique in the schema, so it cannot be shared), and so do
individuals sharing an exact name and date of birth.
Fuzzy matching only ever runs inside small blocks the database hands over:
business customers whose company names start alike (first five letters).
Inside a block rapidfuzz compares company names (suffixes such as Ltd or
GmbH ignored) and, where both have one, the people's names, so "Acme Ltd /
Jo Smith" and "ACME Limited / Joe Smith" meet, while two people at one big
company with different names do not. Never an all-pairs scan of the table.
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain
from typing import Any

from rapidfuzz import fuzz, process
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.models import Customer, format_number
from crm_tui.services.common import chunks, display_name, live_customer
from crm_tui.services.search.document import normalize

COMPANY_THRESHOLD = 90
PERSON_THRESHOLD = 88
BLOCK_PREFIX = 5
MAX_BLOCK = 400  # a bigger block is a common word (or a chain), not one company
MAX_GROUPS = 500
SAME_PHONE = "same phone"
SAME_NAME_BIRTH = "same name and date of birth"
SIMILAR_AT_COMPANY = "similar name at the same company"
_SUFFIXES = re.compile(
    r"\b(ltd|limited|llc|llp|inc|plc|gmbh|ag|sa|sas|sarl|srl|spa|lda|bv|nv|co|company|corp|"
    r"corporation|group|the)\b\.?"
)


@dataclass(frozen=True)
class GroupMember:
    """One customer in a duplicate group, as the merge screen lists it."""

    id: int
    number: str
    name: str
    email: str | None
    phone: str | None
    company: str | None
    status: str
    version: int


@dataclass(frozen=True)
class DuplicateGroup:
    """Customers that are probably one, with why."""

    members: tuple[GroupMember, ...]
    reasons: tuple[str, ...]

    @property
    def ids(self) -> tuple[int, ...]:
        return tuple(m.id for m in self.members)


@dataclass(frozen=True)
class ScanResult:
    groups: tuple[DuplicateGroup, ...]
    seconds: float
    truncated: bool


class _Groups:
    """Union-find over customer ids, remembering why pairs were joined."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}
        self.reasons: dict[int, set[str]] = defaultdict(set)

    def find(self, item: int) -> int:
        root = self.parent.setdefault(item, item)
        while root != self.parent[root]:
            root = self.parent[root]
        while item != root:
            self.parent[item], item = root, self.parent[item]
        return root

    def join(self, ids: Iterable[int], reason: str) -> None:
        ids = list(ids)
        if len(ids) < 2:
            return
        first = self.find(ids[0])
        for other in ids[1:]:
            root = self.find(other)
            if root != first:
                self.parent[root] = first
                self.reasons[first] |= self.reasons.pop(root, set())
        self.reasons[first].add(reason)

    def groups(self) -> list[tuple[list[int], set[str]]]:
        members: dict[int, list[int]] = defaultdict(list)
        for item in list(self.parent):
            members[self.find(item)].append(item)
        return [(sorted(ids), self.reasons[root]) for root, ids in members.items() if len(ids) > 1]


def company_key(name: str) -> str:
    return re.sub(r"\s+", " ", _SUFFIXES.sub(" ", normalize(name))).strip()


def scan(session: Session, *, max_groups: int = MAX_GROUPS) -> ScanResult:
    """Likely duplicate groups among live customers (not merged, not erased)."""
    started = time.perf_counter()
    live = live_customer()
    found = _Groups()
    # The e-mail key is unique in the schema (merging frees the losers'), so only
    # phone digits can be shared; the grouping reads the index alone, and merged
    # or erased customers are filtered out (a group left with one member drops).
    for column, reason in ((col(Customer.phone_digits), SAME_PHONE),):
        shared = (
            select(column).where(column.is_not(None)).group_by(column)
            .having(func.count() > 1).subquery()
        )  # fmt: skip
        rows = session.execute(
            select(column, col(Customer.id))
            .where(column.in_(select(shared.c[0])), live)
            .order_by(column)
        ).all()
        for ids in _runs(rows):
            found.join(ids, reason)
    name_birth = (
        select(col(Customer.sort_name), col(Customer.date_of_birth))
        .where(col(Customer.date_of_birth).is_not(None), col(Customer.sort_name) != "", live)
        .group_by(col(Customer.sort_name), col(Customer.date_of_birth))
        .having(func.count() > 1).subquery()
    )  # fmt: skip
    named = session.execute(
        select(col(Customer.sort_name), col(Customer.date_of_birth), col(Customer.id))
        .join(name_birth, (name_birth.c.sort_name == col(Customer.sort_name))
              & (name_birth.c.date_of_birth == col(Customer.date_of_birth)))
        .where(live).order_by(col(Customer.sort_name), col(Customer.date_of_birth))
    ).all()  # fmt: skip
    for ids in _runs([((r[0], r[1]), r[2]) for r in named]):
        found.join(ids, SAME_NAME_BIRTH)
    _company_blocks(session, found, live)
    groups = found.groups()
    groups.sort(key=lambda g: (-len(g[0]), g[0][0]))
    truncated = len(groups) > max_groups
    groups = groups[:max_groups]
    members = _members(session, {i for ids, _r in groups for i in ids})
    result = tuple(
        DuplicateGroup(tuple(members[i] for i in ids if i in members), tuple(sorted(reasons)))
        for ids, reasons in groups
    )
    return ScanResult(
        tuple(g for g in result if len(g.members) > 1), time.perf_counter() - started, truncated
    )


def _runs(rows: Iterable[Any]) -> Iterable[list[int]]:
    """Consecutive rows with one key -> lists of ids."""
    key: object = object()
    ids: list[int] = []
    for value, cid in rows:
        if value != key:
            if len(ids) > 1:
                yield ids
            key, ids = value, []
        ids.append(int(cid))
    if len(ids) > 1:
        yield ids


def _company_blocks(session: Session, found: _Groups, live: ColumnElement[bool]) -> None:
    """Business customers in company-prefix order, one block at a time.

    One scan sorted by the block key (no join: a join to the block counts was
    planned as a nested loop on an unanalysed PostgreSQL table, 26 s at 200k);
    blocks too small or too big to be duplicates are skipped as they stream by,
    and only the rows of a block being compared are normalised.
    """
    prefix = func.substr(func.lower(col(Customer.company_name)), 1, BLOCK_PREFIX)
    rows = session.execute(
        select(prefix, col(Customer.id), col(Customer.company_name), col(Customer.first_name), col(Customer.last_name))
        .where(col(Customer.company_name).is_not(None), live)
        .order_by(prefix, col(Customer.id))
        .execution_options(yield_per=5_000)
    )  # fmt: skip
    block: list[Any] = []
    key: object = None
    for row in chain(rows, [(None, 0, "", None, None)]):
        if row[0] != key:
            if 1 < len(block) <= MAX_BLOCK:
                _match_block(
                    [(int(r[1]), company_key(r[2] or ""), normalize(" ".join(p for p in (r[3], r[4]) if p))) for r in block],
                    found,
                )  # fmt: skip
            key, block = row[0], []
        block.append(row)


def _match_block(block: list[tuple[int, str, str]], found: _Groups) -> None:
    """Join customers at similar companies whose people have similar names (or none).

    Identical company names are compared once: customers are bucketed by company
    key, keys are fuzzy-matched among themselves, and people only within and
    across matching buckets, each query a C-speed rapidfuzz scan.
    """
    buckets: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for cid, company, person in block:
        buckets[company].append((cid, person))
    keys = list(buckets)
    for index, key in enumerate(keys):
        _match_people(buckets[key], buckets[key], found, same=True)
        for _match, _score, offset in process.extract(
            key, keys[index + 1 :], scorer=fuzz.token_sort_ratio,
            score_cutoff=COMPANY_THRESHOLD, limit=None,
        ):  # fmt: skip
            _match_people(buckets[key], buckets[keys[index + 1 + offset]], found, same=False)


def _match_people(
    first: list[tuple[int, str]], second: list[tuple[int, str]], found: _Groups, *, same: bool
) -> None:
    blanks = [cid for cid, person in first if not person]
    if not same:
        blanks += [cid for cid, person in second if not person]
    found.join(list(dict.fromkeys(blanks)), SIMILAR_AT_COMPANY)  # no person on either side
    names = [person for _cid, person in second]
    for index, (cid, person) in enumerate(first):
        if not person:
            continue
        start = index + 1 if same else 0
        for _match, _score, offset in process.extract(
            person, names[start:], scorer=fuzz.token_sort_ratio,
            score_cutoff=PERSON_THRESHOLD, limit=None,
        ):  # fmt: skip
            found.join([cid, second[start + offset][0]], SIMILAR_AT_COMPANY)


def _members(session: Session, ids: set[int]) -> dict[int, GroupMember]:
    out: dict[int, GroupMember] = {}
    ordered = sorted(ids)
    for part in chunks(ordered, 500):
        for c in session.scalars(select(Customer).where(col(Customer.id).in_(part))):
            assert c.id is not None
            out[c.id] = GroupMember(
                id=c.id, number=format_number(c.id),
                name=display_name(c.kind, c.first_name, c.last_name, c.company_name),
                email=c.email, phone=c.phone, company=c.company_name, status=c.status, version=c.version,
            )  # fmt: skip
    return out
