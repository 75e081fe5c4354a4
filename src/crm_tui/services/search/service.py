"""Customer search and listing: one window of rows at a time, found by index.

Matching. The query is normalised like the stored documents (accents
stripped, casefolded) and split into words; every word must match (several
words narrow). A word of 3+ characters matches any substring of the
document (SQLite FTS5 trigram / PostgreSQL pg_trgm); a word of 1-2
characters matches the start of a word (FTS5 prefix index / tsvector
prefix), since trigram indexes cannot answer it. A phone-like query matches
its raw digits or its E.164 form, so `+44 20 7946 0958`, `020 7946 0958` and
`7946` all find the same customer; `C-000123`, `c123` and `123` find
customer 123.

Order. Relevance ranks a bounded candidate set: the exact e-mail / phone /
number hits plus the first `RANK_WINDOW` matches in index order (customer
id), ranked in Python (exact, then names starting with the query, then name
words starting with it, then the rest); later matches follow in index order.
Ranking or sorting every match of a short query costs hundreds of
milliseconds at a million rows, so it is never done. The other sorts pick a
plan by how many documents match: few are collected and sorted; a middling
number is built into a set once and the sort index is walked against it;
many are found by walking the sort index and checking each row's doc.
Paging is by keyset (`Cursor`), never OFFSET.

PostgreSQL's estimates for LIKE/regex patterns are rough, so the plan shape
is chosen here too: index order starts with a bounded walk of the primary key
(dense matches end there) and asks the GIN indexes only for what is left.

Near misses. When nothing matches, each word's one-edit variants are looked
up as whole words in the word index, the bounded candidate set is scored
with rapidfuzz, and close ones come back marked `near_miss`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from rapidfuzz import fuzz
from sqlalchemy import (
    Boolean,
    Column,
    ColumnElement,
    Integer,
    Row,
    Select,
    and_,
    case,
    exists,
    false,
    func,
    literal_column,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql import column, table
from sqlmodel import SQLModel

from crm_tui.models import format_number, parse_number
from crm_tui.models.types import Money
from crm_tui.services.common import display_name, not_merged
from crm_tui.services.context import ServiceContext
from crm_tui.services.errors import ValidationError
from crm_tui.services.search.document import normalize
from crm_tui.services.validation import parse_phone, text_key

SortKey = Literal[
    "relevance", "name", "lifetime_value", "active_subscriptions", "joined", "last_purchase"
]
SORT_KEYS: tuple[SortKey, ...] = (
    "relevance",
    "name",
    "lifetime_value",
    "active_subscriptions",
    "joined",
    "last_purchase",
)
RANK_WINDOW = 200  # matches ranked by relevance; later ones follow in index order
# Sorting with a query: up to SMALL_MATCH_SET matches are collected and sorted;
# beyond DENSE_MATCH_SET the sort index is walked checking each row's doc.
SMALL_MATCH_SET = 4_000
DENSE_MATCH_SET = 80_000
# PostgreSQL fetches each match from the heap to build the set (~5-10 us),
# so walking with a per-row check wins from a lower density on.
PG_DENSE_MATCH_SET = 12_000
# PostgreSQL: ids walked along the primary key before asking the GIN indexes
# (LIKE costs ~0.3 us a row, the word-start regex ~1 us).
PG_WALK_IDS = 50_000
PG_WALK_IDS_PREFIX = 10_000
NEAR_MISS_CANDIDATES = 200
NEAR_MISS_MIN_SCORE = 70.0
MAX_QUERY_CHARS = 200
MAX_TERMS = 8
MAX_TYPO_WORD = 20
MAX_LIMIT = 1_000

# Must match the expression of ix_customer_search_words (migration 0002).
PG_WORDS_EXPR = (
    "to_tsvector('simple'::regconfig, "
    "regexp_replace(customer_search.doc, '[^[:alnum:]]+', ' ', 'g'))"
)

# A word starts here: start of the doc or after a non-alphanumeric character.
PG_WORD_START = "(^|[^[:alnum:]])"

_FTS = table("customer_search_fts", column("rowid", Integer), column("customer_search_fts"))
_WORDS = table("customer_search_words", column("rowid", Integer), column("customer_search_words"))
_PHONE_LIKE = re.compile(r"^\+?[\d\s().\-/]+$")
_ALPHABET = "abcdefghijklmnopqrstuvwxyz"

AnyRow = Row[*tuple[Any, ...]]
SegmentCondition = Callable[[Session, int], "ColumnElement[bool] | None"]


# Core tables: their columns type-check as SQL expressions, unlike SQLModel
# attributes, which mypy sees as plain values.
CUSTOMER = SQLModel.metadata.tables["customer"]
SUMMARY = SQLModel.metadata.tables["customer_summary"]
DOCS = SQLModel.metadata.tables["customer_search"]
CUSTOMER_TAG = SQLModel.metadata.tables["customer_tag"]
SEGMENT_MEMBER = SQLModel.metadata.tables["segment_member"]
TAG = SQLModel.metadata.tables["tag"]


# --- public values ---------------------------------------------------------------


@dataclass(frozen=True)
class SearchFilters:
    """What the list is narrowed to besides the query; None means any."""

    kind: str | None = None
    status: str | None = None
    segment: str | None = None
    tag: str | None = None
    billing_group_id: int | None = None
    has_active_subscription: bool | None = None
    ltv_min: Decimal | None = None
    ltv_max: Decimal | None = None
    owner: str | None = None
    segment_id: int | None = None
    # Merged customers are shells pointing at their survivor; hidden unless asked for.
    include_merged: bool = False


@dataclass(frozen=True)
class SortSpec:
    """List order. `relevance` ranks best first (`descending` does not apply);
    with an empty query it lists by name."""

    key: SortKey = "relevance"
    descending: bool = False


@dataclass(frozen=True)
class CustomerRow:
    """One line of the customer list: plain values, safe after the session closes."""

    id: int
    number: str
    display_name: str
    kind: str
    status: str
    email: str | None
    phone: str | None
    company_name: str | None
    lifetime_value: Decimal
    active_subscriptions: int
    created_at: datetime
    last_purchase_at: datetime | None
    near_miss: bool = False


@dataclass(frozen=True)
class Cursor:
    """Where the next page starts; hand back `Page.next` unchanged."""

    sort: SortKey
    descending: bool
    phase: int
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Page:
    """A window of rows and the cursor for the next one."""

    rows: tuple[CustomerRow, ...]
    next: Cursor | None
    has_more: bool

    @property
    def near_misses(self) -> bool:
        """True when the rows are typo-tolerant suggestions, not matches."""
        return bool(self.rows) and all(row.near_miss for row in self.rows)


@dataclass(frozen=True)
class Kpis:
    """Figures over everything the query and filters match."""

    customers: int
    returning_pct: Decimal  # customers with 2+ paid payments, % of customers
    average_spent: Decimal  # mean lifetime value of customers who paid anything
    average_lifetime_value: Decimal


# --- query parsing ---------------------------------------------------------------


@dataclass(frozen=True)
class _Term:
    """One word of the query: matched when any alternative matches."""

    alternatives: tuple[str, ...]
    prefix: bool  # 1-2 alphanumerics: start of a word; else a substring


@dataclass(frozen=True)
class _Query:
    text: str
    terms: tuple[_Term, ...]
    customer_id: int | None = None
    email_key: str | None = None
    phone_digits: str | None = None
    words: tuple[str, ...] = ()

    @property
    def substring_terms(self) -> tuple[_Term, ...]:
        return tuple(t for t in self.terms if not t.prefix)

    @property
    def prefix_terms(self) -> tuple[_Term, ...]:
        return tuple(t for t in self.terms if t.prefix)


def _clean(raw: str) -> str:
    """Control characters (NUL included) become spaces; length is capped."""
    chars = (" " if unicodedata.category(ch) in ("Cc", "Cf", "Cs") else ch for ch in raw)
    return "".join(chars)[:MAX_QUERY_CHARS]


def _parse(raw: str, region: str) -> _Query:
    cleaned = _clean(raw).strip()
    text = normalize(cleaned)
    if not text:
        return _Query(text="", terms=())
    compact = text.replace(" ", "")
    customer_id = parse_number(compact)
    email = text_key(cleaned) if "@" in cleaned and " " not in cleaned else None
    # Words for typo variants: long enough to be worth it, short enough to
    # keep the variant lists (26 x length) small.
    found = re.findall(r"[^\W_]+", text)
    words = tuple(dict.fromkeys(w for w in found if 3 <= len(w) <= MAX_TYPO_WORD))[:4]

    digits = re.sub(r"\D", "", cleaned)
    if _PHONE_LIKE.match(cleaned) and len(digits) >= 3:
        alternatives = [digits]
        phone_digits = None
        if len(digits) >= 6:
            try:
                e164 = parse_phone(cleaned, region)
            except ValidationError:
                e164 = None
            if e164:
                phone_digits = e164.lstrip("+")
                alternatives.append(phone_digits)
        # The digits alone also match the number in "c-000123".
        term = _Term(tuple(dict.fromkeys(alternatives)), prefix=False)
        return _Query(text, (term,), customer_id, email, phone_digits, ())

    if customer_id is not None:
        # "C-123", "c123", "12": the stored form is c-000123.
        alternatives = [format_number(customer_id).lower()]
        if len(text) >= 3:
            alternatives.insert(0, text)
        return _Query(text, (_Term(tuple(alternatives), prefix=False),), customer_id, email)

    terms: list[_Term] = []
    for word in text.split():
        if len(word) >= 3:
            term = _Term((word,), prefix=False)
        else:
            alnum = "".join(ch for ch in word if ch.isalnum())
            if not alnum:
                continue  # lone punctuation, e.g. a stray quote or '-'
            term = _Term((alnum,), prefix=True)
        if term not in terms:
            terms.append(term)
    return _Query(text, tuple(terms[:MAX_TERMS]), None, email, None, words)


def _fts_phrase(value: str) -> str:
    """An FTS5 string literal: operators and quotes inside are plain text."""
    return '"' + value.replace('"', '""') + '"'


def _like_pattern(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _glob_word_prefix(value: str) -> ColumnElement[bool]:
    """SQLite: `value` starts a word of customer_search.doc (value is alphanumeric).

    ASCII punctuation and spaces break words, as in the unicode61 tokenizer;
    non-ASCII characters count as letters (the docs are already folded)."""
    doc = DOCS.c.doc
    return or_(
        doc.op("GLOB")(value + "*"),
        doc.op("GLOB")("*[^a-z0-9\u0080-\U0010ffff]" + value + "*"),
    )


def _fold(value: str | None) -> str:
    """`normalize` with a fast path for plain ASCII (most names)."""
    if not value:
        return ""
    if value.isascii():
        return " ".join(value.casefold().split())
    return normalize(value)


def _edits(word: str) -> set[str]:
    """Words one edit (delete, swap, replace, insert) away from `word`."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    swaps = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    replaces = {a + c + b[1:] for a, b in splits if b for c in _ALPHABET}
    inserts = {a + c + b for a, b in splits for c in _ALPHABET}
    return {w for w in deletes | swaps | replaces | inserts if len(w) >= 3} | {word}


# --- the service -----------------------------------------------------------------


_ROW_COLUMNS = (
    CUSTOMER.c.id,
    CUSTOMER.c.kind,
    CUSTOMER.c.status,
    CUSTOMER.c.first_name,
    CUSTOMER.c.last_name,
    CUSTOMER.c.company_name,
    CUSTOMER.c.email,
    CUSTOMER.c.phone,
    CUSTOMER.c.created_at,
    CUSTOMER.c.sort_name,
    CUSTOMER.c.email_key,
    CUSTOMER.c.phone_digits,
    SUMMARY.c.lifetime_value,
    SUMMARY.c.active_subscriptions,
    SUMMARY.c.last_purchase_at,
)


def _to_row(row: AnyRow, near_miss: bool = False) -> CustomerRow:
    return CustomerRow(
        id=row.id,
        number=format_number(row.id),
        display_name=display_name(row.kind, row.first_name, row.last_name, row.company_name),
        kind=row.kind,
        status=row.status,
        email=row.email,
        phone=row.phone,
        company_name=row.company_name,
        lifetime_value=row.lifetime_value,
        active_subscriptions=row.active_subscriptions,
        created_at=row.created_at,
        last_purchase_at=row.last_purchase_at,
        near_miss=near_miss,
    )


@dataclass
class SearchService:
    """Search, list, count and sum customers for the list screen, quick add and
    `crm lookup`. Every method is one short read."""

    ctx: ServiceContext
    # Set by the segment service: SQL for a dynamic segment's rules, or None to
    # use static membership (segment_member).
    segment_condition: SegmentCondition | None = field(default=None)

    # --- public API --------------------------------------------------------------

    def search(
        self,
        query: str,
        filters: SearchFilters | None = None,
        sort: SortSpec | None = None,
        after: Cursor | None = None,
        limit: int = 50,
    ) -> Page:
        """One window of matching customers, `limit` rows after `after`."""
        filters = filters or SearchFilters()
        sort = sort or SortSpec()
        limit = max(1, min(limit, MAX_LIMIT))
        parsed = _parse(query, self.ctx.default_region)
        if sort.key not in SORT_KEYS:
            raise ValueError(f"unknown sort key {sort.key!r}")
        if after is not None and (after.sort, after.descending) != (sort.key, sort.descending):
            raise ValueError("the cursor belongs to a different sort order")
        with self._session() as session:
            conditions = self._filter_conditions(session, filters)
            if not parsed.text:
                key = "name" if sort.key == "relevance" else sort.key
                return self._sorted(
                    session, parsed, conditions, SortSpec(key, sort.descending), after, limit, sort
                )
            if not parsed.terms:
                return Page((), None, False)
            if sort.key == "relevance":
                page = self._relevance(session, parsed, conditions, after, limit, sort.descending)
            else:
                page = self._sorted(session, parsed, conditions, sort, after, limit, sort)
            if not page.rows and after is None:
                return self._near_misses(session, parsed, conditions, limit)
            return page

    def count(
        self, query: str, filters: SearchFilters | None = None, cap: int = 10_000
    ) -> tuple[int, bool]:
        """How many customers match, counting at most `cap`: (count, exact)."""
        filters = filters or SearchFilters()
        parsed = _parse(query, self.ctx.default_region)
        if parsed.text and not parsed.terms:
            return 0, True
        with self._session() as session:
            conditions = self._filter_conditions(session, filters)
            inner = self._driven(parsed, select(literal_column("1")), conditions).limit(cap + 1)
            total = session.scalar(select(func.count()).select_from(inner.subquery())) or 0
        return min(total, cap), total <= cap

    def kpis(self, query: str, filters: SearchFilters | None = None) -> Kpis:
        """Customers, returning %, average spent and average lifetime value, in SQL."""
        filters = filters or SearchFilters()
        parsed = _parse(query, self.ctx.default_region)
        if parsed.text and not parsed.terms:
            return Kpis(0, Decimal("0.0"), Decimal("0.00"), Decimal("0.00"))
        ltv = SUMMARY.c.lifetime_value
        payers = SUMMARY.c.paid_payments
        aggregates = select(
            func.count(),
            func.coalesce(func.sum(case((payers >= 2, 1), else_=0)), 0),
            type_coerce(func.avg(case((payers > 0, ltv), else_=None)), Money),
            type_coerce(func.avg(ltv), Money),
        )
        with self._session() as session:
            conditions = self._filter_conditions(session, filters)
            row = session.execute(self._driven(parsed, aggregates, conditions)).one()
        customers, returning = int(row[0]), int(row[1])
        pct = Decimal(returning * 100) / customers if customers else Decimal(0)
        return Kpis(
            customers=customers,
            returning_pct=pct.quantize(Decimal("0.1")),
            average_spent=row[2] if row[2] is not None else Decimal("0.00"),
            average_lifetime_value=row[3] if row[3] is not None else Decimal("0.00"),
        )

    def matching_ids_query(self, query: str, filters: SearchFilters | None = None) -> Select[int]:
        """SELECT of every matching customer id, for bulk actions run in the database.

        Near misses are not matches and are not included."""
        filters = filters or SearchFilters()
        parsed = _parse(query, self.ctx.default_region)
        with self._session() as session:
            conditions = self._filter_conditions(session, filters)
        ids = select(CUSTOMER.c.id).join(SUMMARY, SUMMARY.c.customer_id == CUSTOMER.c.id)
        if parsed.text and not parsed.terms:
            return ids.where(false())
        if parsed.text:
            conditions = [*conditions, CUSTOMER.c.id.in_(self._match_ids(parsed))]
        return ids.where(*conditions)

    # --- sessions and filters ------------------------------------------------------

    @contextmanager
    def _session(self) -> Iterator[Session]:
        """A read session tuned for search: custom plans and no JIT on PostgreSQL.

        psycopg's prepare_threshold is None, so nothing is prepared implicitly;
        force_custom_plan guards against a connection told otherwise. JIT
        compiling costs ~200 ms whenever the estimator thinks a plan is big."""
        with self.ctx.read() as session:
            if self.ctx.db.dialect == "postgresql":
                session.execute(
                    select(
                        func.set_config("plan_cache_mode", "force_custom_plan", True),
                        func.set_config("jit", "off", True),
                    )
                )
            yield session

    def _filter_conditions(
        self, session: Session, filters: SearchFilters
    ) -> list[ColumnElement[bool]]:
        conditions: list[ColumnElement[bool]] = []
        if filters.status is not None:
            conditions.append(CUSTOMER.c.status == filters.status)
        elif not filters.include_merged:
            conditions.append(not_merged())
        if filters.kind is not None:
            conditions.append(CUSTOMER.c.kind == filters.kind)
        if filters.segment is not None:
            conditions.append(CUSTOMER.c.segment == filters.segment)
        if filters.owner is not None:
            conditions.append(CUSTOMER.c.owner == filters.owner)
        if filters.billing_group_id is not None:
            conditions.append(CUSTOMER.c.billing_group_id == filters.billing_group_id)
        if filters.tag is not None:
            tag_id = (
                select(TAG.c.id).where(TAG.c.name_key == text_key(filters.tag)).scalar_subquery()
            )
            conditions.append(
                exists().where(
                    CUSTOMER_TAG.c.customer_id == CUSTOMER.c.id, CUSTOMER_TAG.c.tag_id == tag_id
                )
            )
        if filters.has_active_subscription is not None:
            subs = SUMMARY.c.active_subscriptions
            conditions.append(subs > 0 if filters.has_active_subscription else subs == 0)
        if filters.ltv_min is not None:
            conditions.append(SUMMARY.c.lifetime_value >= filters.ltv_min)
        if filters.ltv_max is not None:
            conditions.append(SUMMARY.c.lifetime_value <= filters.ltv_max)
        if filters.segment_id is not None:
            dynamic = None
            if self.segment_condition is not None:
                dynamic = self.segment_condition(session, filters.segment_id)
            if dynamic is None:
                dynamic = exists().where(
                    SEGMENT_MEMBER.c.segment_id == filters.segment_id,
                    SEGMENT_MEMBER.c.customer_id == CUSTOMER.c.id,
                )
            conditions.append(dynamic)
        return conditions

    # --- match conditions per engine ---------------------------------------------
    #
    # SQLite: an FTS5 MATCH drives (trigram table for 3+ character words, word
    # table for 1-2 character prefixes). Probing FTS5 by rowid per customer
    # costs ~80 us a row, so per-row checks read customer_search.doc instead.
    #
    # PostgreSQL: two forms of the same test. "Indexed" conditions are the ones
    # a GIN index answers (LIKE via pg_trgm, prefixes via the tsvector index);
    # "cheap" ones cost about a microsecond a row when a walk along an ordered
    # index checks each row (LIKE, and a regex for word prefixes; evaluating
    # to_tsvector per row costs ~10 us). The planner's estimates for these
    # patterns are rough, so the service picks the plan shape itself.

    @property
    def _sqlite(self) -> bool:
        return self.ctx.db.dialect == "sqlite"

    def _pg_like(self, term: _Term) -> ColumnElement[bool]:
        return or_(*(DOCS.c.doc.like(_like_pattern(a)) for a in term.alternatives))

    def _pg_cheap(self, parsed: _Query) -> list[ColumnElement[bool]]:
        conditions = [self._pg_like(t) for t in parsed.substring_terms]
        conditions.extend(
            DOCS.c.doc.op("~")(PG_WORD_START + re.escape(t.alternatives[0]))
            for t in parsed.prefix_terms
        )
        return conditions

    def _pg_indexed(self, parsed: _Query) -> list[ColumnElement[bool]]:
        conditions = self._pg_cheap(parsed)
        if parsed.prefix_terms:
            tsquery = " & ".join(f"{t.alternatives[0]}:*" for t in parsed.prefix_terms)
            conditions.append(_pg_words_match(tsquery))
        return conditions

    def _sqlite_driver(self, parsed: _Query) -> tuple[Any, ColumnElement[bool], bool]:
        """(FTS table, MATCH condition, needs a GLOB check on the doc) for SQLite."""
        subs, prefixes = parsed.substring_terms, parsed.prefix_terms
        if subs:
            expr = " AND ".join(
                "(" + " OR ".join(_fts_phrase(a) for a in t.alternatives) + ")" for t in subs
            )
            return _FTS, _FTS.c.customer_search_fts.op("MATCH")(expr), bool(prefixes)
        expr = " AND ".join(_fts_phrase(t.alternatives[0]) + "*" for t in prefixes)
        return _WORDS, _WORDS.c.customer_search_words.op("MATCH")(expr), False

    def _driven(
        self,
        parsed: _Query,
        stmt: Select[Any],
        conditions: Sequence[ColumnElement[bool]],
        *,
        extra: Sequence[ColumnElement[bool]] = (),
        cheap: bool = False,
    ) -> Select[Any]:
        """`stmt` over the matching customers, filtered; `_index_order` orders it."""
        if not parsed.text:
            return (
                stmt.select_from(CUSTOMER)
                .join(SUMMARY, SUMMARY.c.customer_id == CUSTOMER.c.id)
                .where(*conditions, *extra)
            )
        if self._sqlite:
            fts, match, glob = self._sqlite_driver(parsed)
            # Unary + keeps SQLite from probing the FTS table by rowid per customer.
            driven_id: ColumnElement[Any] = literal_column(f"+{fts.name}.rowid")
            source = fts.join(CUSTOMER, CUSTOMER.c.id == driven_id).join(
                SUMMARY, SUMMARY.c.customer_id == CUSTOMER.c.id
            )
            checks: list[ColumnElement[bool]] = []
            if glob:
                source = source.join(DOCS, DOCS.c.customer_id == CUSTOMER.c.id)
                checks = [_glob_word_prefix(t.alternatives[0]) for t in parsed.prefix_terms]
            return stmt.select_from(source).where(match, *checks, *conditions, *extra)
        match_conditions = self._pg_cheap(parsed) if cheap else self._pg_indexed(parsed)
        return (
            stmt.select_from(DOCS)
            .join(CUSTOMER, CUSTOMER.c.id == DOCS.c.customer_id)
            .join(SUMMARY, SUMMARY.c.customer_id == CUSTOMER.c.id)
            .where(*match_conditions, *conditions, *extra)
        )

    def _index_order(self, parsed: _Query) -> Any:
        if self._sqlite:
            fts, _match, _glob = self._sqlite_driver(parsed)
            return fts.c.rowid
        return DOCS.c.customer_id

    def _match_ids(self, parsed: _Query) -> Select[Any]:
        """SELECT of the matching customer ids (no filters), for IN (...)."""
        if self._sqlite:
            fts, match, glob = self._sqlite_driver(parsed)
            if not glob:
                return select(fts.c.rowid).where(match)
            driven_id: ColumnElement[Any] = literal_column(f"+{fts.name}.rowid")
            return (
                select(fts.c.rowid)
                .select_from(fts.join(DOCS, DOCS.c.customer_id == driven_id))
                .where(match, *(_glob_word_prefix(t.alternatives[0]) for t in parsed.prefix_terms))
            )
        return select(DOCS.c.customer_id).where(*self._pg_indexed(parsed))

    def _row_check(self, parsed: _Query) -> list[ColumnElement[bool]]:
        """Per-row match conditions on customer_search.doc (joined), cheap to
        evaluate while walking a sort index."""
        if not self._sqlite:
            return self._pg_cheap(parsed)
        checks: list[ColumnElement[bool]] = [
            or_(*(func.instr(DOCS.c.doc, a) > 0 for a in t.alternatives))
            for t in parsed.substring_terms
        ]
        checks.extend(_glob_word_prefix(t.alternatives[0]) for t in parsed.prefix_terms)
        return checks

    def _in_index_order(
        self,
        session: Session,
        parsed: _Query,
        conditions: Sequence[ColumnElement[bool]],
        *,
        after_id: int,
        count: int,
        upto: int | None = None,
        extra: Sequence[ColumnElement[bool]] = (),
    ) -> list[AnyRow]:
        """Up to `count` matches with after_id < id (<= upto), in id order.

        SQLite reads them off the FTS index in rowid order. PostgreSQL first
        walks the next PG_WALK_IDS ids along the primary key with the cheap
        checks (dense matches end there); only what is left, known to be
        sparse, comes from the GIN indexes and is sorted."""
        order = self._index_order(parsed)
        bounds = [order > after_id] + ([order <= upto] if upto is not None else [])
        columns = select(*_ROW_COLUMNS)
        if self._sqlite:
            stmt = self._driven(parsed, columns, conditions, extra=[*bounds, *extra])
            return list(session.execute(stmt.order_by(order).limit(count)))
        walk_end = after_id + _pg_walk_ids(parsed)
        if upto is not None:
            walk_end = min(walk_end, upto)
        walked = self._driven(
            parsed, columns, conditions, extra=[*bounds, order <= walk_end, *extra], cheap=True
        )
        rows = list(session.execute(walked.order_by(order).limit(count)))
        if len(rows) >= count or (upto is not None and walk_end >= upto):
            return rows
        rest = self._driven(parsed, columns, conditions, extra=[order > walk_end, *bounds, *extra])
        with _pg_settings(session, enable_seqscan="off"):
            # "+ 0": no walk along the primary key; bitmap scans of the GIN indexes.
            rows += session.execute(rest.order_by(order + 0).limit(count - len(rows)))
        return rows

    # --- relevance -----------------------------------------------------------------

    def _exact_condition(self, parsed: _Query) -> ColumnElement[bool] | None:
        exact: list[ColumnElement[bool]] = []
        if parsed.customer_id is not None:
            exact.append(CUSTOMER.c.id == parsed.customer_id)
        if parsed.email_key is not None:
            exact.append(CUSTOMER.c.email_key == parsed.email_key)
        if parsed.phone_digits is not None:
            exact.append(CUSTOMER.c.phone_digits == parsed.phone_digits)
        return or_(*exact) if exact else None

    def _tier(self, parsed: _Query, row: AnyRow) -> int:
        """0 exact e-mail/phone/number, 1 a name starts with the query, 2 a name
        word starts with it, 3 anything else (inside an e-mail, phone...)."""
        if (
            row.id == parsed.customer_id
            or (parsed.email_key is not None and row.email_key == parsed.email_key)
            or (parsed.phone_digits is not None and row.phone_digits == parsed.phone_digits)
        ):
            return 0
        first, last, company = (_fold(v) for v in (row.first_name, row.last_name, row.company_name))
        names = [
            n for n in (first, last, company, f"{first} {last}", f"{last} {first}") if n.strip()
        ]
        if any(name.startswith(parsed.text) for name in names):
            return 1
        if any(f" {parsed.text}" in f" {name}" for name in names):
            return 2
        return 3

    def _relevance(
        self,
        session: Session,
        parsed: _Query,
        conditions: list[ColumnElement[bool]],
        after: Cursor | None,
        limit: int,
        descending: bool,
    ) -> Page:
        """Best first whatever `descending` says (it only tags the cursor).

        Order: the ranked window (exact hits + the first RANK_WINDOW matches in
        index order), then every later match in index order. The cursor keeps
        the window's last id (`boundary`) so each page sees the same window."""
        exact_cond = self._exact_condition(parsed)
        exact_rows: list[AnyRow] = []
        if exact_cond is not None:
            # Exact hits are matches too (their doc holds the e-mail, phone and
            # number), found by their own indexes wherever they sit in index order.
            exact_stmt = (
                select(*_ROW_COLUMNS)
                .join(SUMMARY, SUMMARY.c.customer_id == CUSTOMER.c.id)
                .join(DOCS, DOCS.c.customer_id == CUSTOMER.c.id)
                .where(exact_cond, *conditions)
            )
            exact_rows = list(session.execute(exact_stmt))
        exclude = [CUSTOMER.c.id.not_in([r.id for r in exact_rows])] if exact_rows else []

        def tail(after_id: int, count: int, boundary: int) -> list[tuple[Cursor, AnyRow]]:
            rows = self._in_index_order(
                session, parsed, conditions, after_id=after_id, count=count, extra=exclude
            )
            return [(Cursor("relevance", descending, 1, (r.id, boundary)), r) for r in rows]

        if after is not None and after.phase == 1:
            last_id, boundary = after.values
            picked = tail(last_id, limit + 1, boundary)
        else:
            boundary = after.values[3] if after is not None else None
            window = self._in_index_order(
                session, parsed, conditions, after_id=0, count=RANK_WINDOW, upto=boundary
            )
            if after is None and len(window) == RANK_WINDOW:
                boundary = window[-1].id
            seen: dict[int, AnyRow] = {r.id: r for r in window}
            for r in exact_rows:
                seen.setdefault(r.id, r)
            ranked = sorted(
                ((self._tier(parsed, r), r.sort_name or "", r.id), r) for r in seen.values()
            )
            if after is not None:
                cut = tuple(after.values[:3])
                ranked = [item for item in ranked if item[0] > cut]
            picked = [
                (Cursor("relevance", descending, 0, (*key, boundary)), r)
                for key, r in ranked[: limit + 1]
            ]
            if len(picked) <= limit and boundary is not None:
                picked += tail(boundary, limit + 1 - len(picked), boundary)
        has_more = len(picked) > limit
        picked = picked[:limit]
        next_cursor = picked[-1][0] if has_more else None
        return Page(tuple(_to_row(r) for _c, r in picked), next_cursor, has_more)

    # --- other sorts -----------------------------------------------------------------

    def _sort_columns(self, key: SortKey) -> tuple[Column[Any], Column[Any]]:
        if key == "lifetime_value":
            return SUMMARY.c.lifetime_value, SUMMARY.c.customer_id
        if key == "active_subscriptions":
            return SUMMARY.c.active_subscriptions, SUMMARY.c.customer_id
        if key == "last_purchase":
            return SUMMARY.c.last_purchase_at, SUMMARY.c.customer_id
        if key == "joined":
            return CUSTOMER.c.created_at, CUSTOMER.c.id
        return CUSTOMER.c.sort_name, CUSTOMER.c.id

    def _sqlite_matches(self, session: Session, parsed: _Query, cap: int) -> int:
        """How many documents the FTS index matches, counting at most cap + 1."""
        fts, match, _glob = self._sqlite_driver(parsed)
        probe = select(fts.c.rowid).where(match).limit(cap + 1).subquery()
        return session.scalar(select(func.count()).select_from(probe)) or 0

    def _pg_estimated_matches(self, session: Session, parsed: _Query) -> float:
        """Matches among the first ids (a walk), scaled to the whole table."""
        walk = min(_pg_walk_ids(parsed), PG_WALK_IDS_PREFIX)
        last_id = session.scalar(select(func.max(DOCS.c.customer_id))) or 0
        sample = (
            select(literal_column("1"))
            .select_from(DOCS)
            .where(DOCS.c.customer_id <= walk, *self._pg_cheap(parsed))
            .subquery()
        )
        found = session.scalar(select(func.count()).select_from(sample)) or 0
        return found * max(last_id, walk) / walk

    def _sort_match_conditions(
        self, session: Session, parsed: _Query
    ) -> tuple[list[ColumnElement[bool]], bool, bool]:
        """(conditions, join customer_search, walk the sort index) for a sort.

        Few matches: collect them through the index and sort them. Many: walk
        the sort index and check each row's doc, which reaches a page of
        matches after about 50 / density rows. In between: walk the sort index
        against the match set, built once (SQLite `+id IN (...)`, PostgreSQL a
        hashed subplan)."""
        if self._sqlite:
            found = self._sqlite_matches(session, parsed, SMALL_MATCH_SET)
            if found <= SMALL_MATCH_SET:
                return [CUSTOMER.c.id.in_(self._match_ids(parsed))], False, False
            found = self._sqlite_matches(session, parsed, DENSE_MATCH_SET)
            if found <= DENSE_MATCH_SET:
                # Unary + stops SQLite driving the query from the IN list.
                plus_id = literal_column("+customer.id", Integer)
                return [plus_id.in_(self._match_ids(parsed))], False, True
            return self._row_check(parsed), True, True
        estimate = self._pg_estimated_matches(session, parsed)
        if estimate <= SMALL_MATCH_SET:
            matches = select(DOCS.c.customer_id).where(*self._pg_indexed(parsed))
            cte = matches.cte("matches").prefix_with("MATERIALIZED")
            return [CUSTOMER.c.id.in_(select(cte.c.customer_id))], False, False
        if estimate <= PG_DENSE_MATCH_SET:
            # "OR false" keeps the IN a hashed subplan instead of a join.
            in_matches = CUSTOMER.c.id.in_(self._match_ids(parsed))
            return [or_(in_matches, literal_column("false", Boolean))], False, True
        return self._row_check(parsed), True, True

    def _sorted(
        self,
        session: Session,
        parsed: _Query,
        conditions: list[ColumnElement[bool]],
        sort: SortSpec,
        after: Cursor | None,
        limit: int,
        requested: SortSpec,
    ) -> Page:
        key_col, id_col = self._sort_columns(sort.key)
        desc = sort.descending
        base = select(*_ROW_COLUMNS).join(SUMMARY, SUMMARY.c.customer_id == CUSTOMER.c.id)
        walk = False
        if parsed.text:
            matching, join_docs, walk = self._sort_match_conditions(session, parsed)
            if join_docs:
                base = base.join(DOCS, DOCS.c.customer_id == CUSTOMER.c.id)
            conditions = [*conditions, *matching]
        # Never-purchased customers (NULL) come last in both directions, as a
        # second phase, so each phase is one range of the index.
        phases = (0, 1) if sort.key == "last_purchase" else (0,)
        start_phase = after.phase if after is not None else 0
        picked: list[tuple[Cursor, AnyRow]] = []
        for phase in phases:
            if phase < start_phase or len(picked) > limit:
                continue
            where = list(conditions)
            if sort.key == "last_purchase":
                where.append(key_col.is_(None) if phase == 1 else key_col.is_not(None))
            if after is not None and phase == start_phase:
                last_key, last_id = after.values
                where.append(self._after(key_col, id_col, last_key, last_id, desc, phase == 1))
            if phase == 1:
                order = [id_col.desc() if desc else id_col]
            else:
                order = [key_col.desc(), id_col.desc()] if desc else [key_col, id_col]
            stmt = base.where(*where).order_by(*order).limit(limit + 1 - len(picked))
            # PostgreSQL misjudges pattern selectivity; a walk must stay a walk.
            with _pg_settings(session, **({"enable_sort": "off"} if walk else {})):
                rows = session.execute(stmt).all()
            for row in rows:
                value = None if phase == 1 else getattr(row, key_col.key)
                cursor = Cursor(requested.key, requested.descending, phase, (value, row.id))
                picked.append((cursor, row))
        has_more = len(picked) > limit
        picked = picked[:limit]
        next_cursor = picked[-1][0] if has_more else None
        return Page(tuple(_to_row(r) for _c, r in picked), next_cursor, has_more)

    @staticmethod
    def _after(
        key_col: Column[Any],
        id_col: Column[Any],
        last_key: Any,
        last_id: int,
        desc: bool,
        ids_only: bool,
    ) -> ColumnElement[bool]:
        if ids_only:
            return id_col < last_id if desc else id_col > last_id
        if desc:
            return and_(key_col <= last_key, or_(key_col < last_key, id_col < last_id))
        return and_(key_col >= last_key, or_(key_col > last_key, id_col > last_id))

    # --- near misses -------------------------------------------------------------------

    def _near_misses(
        self,
        session: Session,
        parsed: _Query,
        conditions: list[ColumnElement[bool]],
        limit: int,
    ) -> Page:
        """Customers whose words are one edit away from each query word, scored."""
        if not parsed.words:
            return Page((), None, False)
        variants = [sorted(_edits(word)) for word in parsed.words]
        if self._sqlite:
            expr = " AND ".join(
                "(" + " OR ".join(_fts_phrase(v) for v in group) + ")" for group in variants
            )
            driven_id: ColumnElement[Any] = literal_column("+customer_search_words.rowid")
            source = _WORDS.join(CUSTOMER, CUSTOMER.c.id == driven_id)
            match: ColumnElement[bool] = _WORDS.c.customer_search_words.op("MATCH")(expr)
            order: Any = _WORDS.c.rowid
        else:
            source = DOCS.join(CUSTOMER, CUSTOMER.c.id == DOCS.c.customer_id)
            match = _pg_words_match(" & ".join("(" + " | ".join(g) + ")" for g in variants))
            order = DOCS.c.customer_id + 0  # bitmap scans of the word index, never a walk
        stmt = (
            select(*_ROW_COLUMNS)
            .select_from(source.join(SUMMARY, SUMMARY.c.customer_id == CUSTOMER.c.id))
            .where(match, *conditions)
            .order_by(order)
            .limit(NEAR_MISS_CANDIDATES)
        )
        with _pg_settings(session, enable_seqscan="off"):
            candidates = session.execute(stmt).all()
        scored: list[tuple[float, str, AnyRow]] = []
        for row in candidates:
            names = " ".join(_fold(p) for p in (row.first_name, row.last_name, row.company_name))
            name_words = re.findall(r"[^\W_]+", names)
            if not name_words:
                continue
            # Each query word against its closest name word, so a typo that
            # changes the words' alphabetical order does not count twice.
            score = sum(
                max(fuzz.ratio(word, candidate) for candidate in name_words)
                for word in parsed.words
            ) / len(parsed.words)
            if score >= NEAR_MISS_MIN_SCORE:
                scored.append((-score, row.sort_name or "", row))
        scored.sort(key=lambda item: (item[0], item[1], item[2].id))
        rows = tuple(_to_row(r, near_miss=True) for _s, _n, r in scored[:limit])
        return Page(rows, None, False)


def _pg_walk_ids(parsed: _Query) -> int:
    return PG_WALK_IDS_PREFIX if parsed.prefix_terms else PG_WALK_IDS


def _pg_words_match(tsquery: str) -> ColumnElement[bool]:
    """PostgreSQL: the word index (tsvector) matches `tsquery` (alphanumeric words only)."""
    return literal_column(PG_WORDS_EXPR).op("@@")(
        func.to_tsquery(literal_column("'simple'::regconfig"), tsquery)
    )


@contextmanager
def _pg_settings(session: Session, **settings: str) -> Iterator[None]:
    """PostgreSQL: planner settings for one statement (e.g. no sequential scan,
    so a misestimated pattern never becomes to_tsvector over every row)."""
    if not settings or session.get_bind().dialect.name != "postgresql":
        yield
        return
    for name, value in settings.items():
        session.execute(select(func.set_config(name, value, True)))
    try:
        yield
    finally:
        for name in settings:
            session.execute(select(func.set_config(name, "on", True)))
