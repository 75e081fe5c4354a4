"""Customer search and listing: one window of rows at a time, found by index.

Matching. The query is normalised like the stored documents (accents
stripped, casefolded) and split into words (`query`); every word must match
(several words narrow). A word of 3+ characters matches any substring of the
document (SQLite FTS5 trigram / PostgreSQL pg_trgm); a word of 1-2
characters matches the start of a word (FTS5 prefix index / tsvector
prefix), since trigram indexes cannot answer it. A phone-like query matches
its raw digits or its E.164 form, so `+44 20 7946 0958`, `020 7946 0958` and
`7946` all find the same customer; `C-000123`, `c123` and `123` find
customer 123. The engines' conditions are in `sqlite` and `postgres`, put
together by `matching`.

Order. `relevance` ranks a bounded candidate window; `sorting` pages the
other sorts, picking a plan by how many documents match. Paging is by
keyset (`Cursor`), never OFFSET. When nothing matches, `near_misses` offers
customers one typo away.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import (
    ColumnElement,
    Select,
    case,
    exists,
    false,
    func,
    literal_column,
    select,
    type_coerce,
)
from sqlalchemy.orm import Session

from crm_tui.models.enums import OPEN_INVOICE_STATUSES, InvoiceKind
from crm_tui.models.types import Money
from crm_tui.services.common import not_merged
from crm_tui.services.context import ServiceContext
from crm_tui.services.search import limits
from crm_tui.services.search.matching import Matcher
from crm_tui.services.search.query import parse_query
from crm_tui.services.search.ranking import near_miss_page, relevance_page
from crm_tui.services.search.sorting import sorted_page, within
from crm_tui.services.search.statements import SEARCH_SESSION, SessionReads
from crm_tui.services.search.tables import (
    CUSTOMER,
    CUSTOMER_TAG,
    INVOICE,
    SEGMENT_MEMBER,
    SUMMARY,
    TAG,
)
from crm_tui.services.search.values import SORT_KEYS, Cursor, Kpis, Page, SearchFilters, SortSpec
from crm_tui.services.validation import text_key

SegmentCondition = Callable[[Session, int], "ColumnElement[bool] | None"]


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
        limit = max(1, min(limit, limits.MAX_LIMIT))
        parsed = parse_query(query, self.ctx.default_region)
        if sort.key not in SORT_KEYS:
            raise ValueError(f"unknown sort key {sort.key!r}")
        if after is not None and (after.sort, after.descending) != (sort.key, sort.descending):
            raise ValueError("the cursor belongs to a different sort order")
        matcher = self._matcher
        with self._session() as session:
            conditions = self._filter_conditions(session, filters)
            if not parsed.text:
                key = "name" if sort.key == "relevance" else sort.key
                by_key = SortSpec(key, sort.descending)
                return sorted_page(session, matcher, parsed, conditions, by_key, after, limit, sort)
            if not parsed.terms:
                return Page((), None, False)
            reads = SessionReads(session, conditions, matcher.sqlite)
            if sort.key == "relevance":
                page = relevance_page(reads, parsed, after, limit, sort.descending)
            else:
                page = sorted_page(session, matcher, parsed, conditions, sort, after, limit, sort)
            if not page.rows and after is None:
                return near_miss_page(reads, parsed, limit)
            return page

    def count(
        self, query: str, filters: SearchFilters | None = None, cap: int = 10_000
    ) -> tuple[int, bool]:
        """How many customers match, counting at most `cap`: (count, exact)."""
        filters = filters or SearchFilters()
        parsed = parse_query(query, self.ctx.default_region)
        if parsed.text and not parsed.terms:
            return 0, True
        with self._session() as session:
            conditions = self._filter_conditions(session, filters)
            inner = self._matcher.driven(parsed, select(literal_column("1")), conditions)
            counted = select(func.count()).select_from(inner.limit(cap + 1).subquery())
            total = session.scalar(counted) or 0
        return min(total, cap), total <= cap

    def kpis(self, query: str, filters: SearchFilters | None = None) -> Kpis:
        """Customers, returning %, average spent and average lifetime value, in SQL."""
        filters = filters or SearchFilters()
        parsed = parse_query(query, self.ctx.default_region)
        if parsed.text and not parsed.terms:
            return Kpis(
                0, Decimal("0.0"), Decimal("0.00"), Decimal("0.00"), self.ctx.reporting_currency
            )
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
            row = session.execute(self._matcher.driven(parsed, aggregates, conditions)).one()
        customers, returning = int(row[0]), int(row[1])
        pct = Decimal(returning * 100) / customers if customers else Decimal(0)
        return Kpis(
            customers=customers,
            returning_pct=pct.quantize(Decimal("0.1")),
            average_spent=row[2] if row[2] is not None else Decimal("0.00"),
            average_lifetime_value=row[3] if row[3] is not None else Decimal("0.00"),
            currency=self.ctx.reporting_currency,
        )

    def matching_ids_query(self, query: str, filters: SearchFilters | None = None) -> Select[int]:
        """SELECT of every matching customer id, for bulk actions run in the database.

        Near misses are not matches and are not included."""
        filters = filters or SearchFilters()
        parsed = parse_query(query, self.ctx.default_region)
        with self._session() as session:
            conditions = self._filter_conditions(session, filters)
        ids = select(CUSTOMER.c.id).join(SUMMARY, SUMMARY.c.customer_id == CUSTOMER.c.id)
        if parsed.text and not parsed.terms:
            return ids.where(false())
        if parsed.text:
            conditions = [*conditions, CUSTOMER.c.id.in_(self._matcher.match_ids(parsed))]
        return ids.where(*conditions)

    def placed(
        self,
        ids: Iterable[int],
        query: str,
        filters: SearchFilters,
        sort: SortSpec,
        window: tuple[Cursor | None, Cursor | None] | None,
    ) -> bool:
        """Whether any of `ids` matches now and, with a `window` (start, end) of a list
        read by keyset in `sort` order, falls within it. Without one, or ranked by
        relevance (no keyset order), any match counts. One query, on the ids only."""
        wanted = sorted(set(ids))
        if not wanted:
            return False
        found = self.matching_ids_query(query, filters).where(CUSTOMER.c.id.in_(wanted))
        ranked = sort.key == "relevance" and parse_query(query, self.ctx.default_region).text
        if window is not None and not ranked:
            key = SortSpec("name" if sort.key == "relevance" else sort.key, sort.descending)
            found = found.where(*within(key, *window))
        with self._session() as session:
            return session.scalar(found.limit(1)) is not None

    # --- sessions and filters ------------------------------------------------------

    @contextmanager
    def _session(self) -> Iterator[Session]:
        """A read session tuned for search: custom plans and no JIT on PostgreSQL.

        psycopg's prepare_threshold is None, so nothing is prepared implicitly;
        force_custom_plan guards against a connection told otherwise. JIT
        compiling costs ~200 ms whenever the estimator thinks a plan is big."""
        with self.ctx.read() as session:
            if self.ctx.db.dialect == "postgresql":
                session.execute(SEARCH_SESSION)
            yield session

    def _filter_conditions(
        self, session: Session, filters: SearchFilters
    ) -> list[ColumnElement[bool]]:
        return filter_conditions(filters, session, self.segment_condition)

    @property
    def _matcher(self) -> Matcher:
        return Matcher(sqlite=self.ctx.db.dialect == "sqlite")


def filter_conditions(
    filters: SearchFilters,
    session: Session | None = None,
    segment_condition: SegmentCondition | None = None,
) -> list[ColumnElement[bool]]:
    """The filters as conditions on customer (joined with its summary)."""
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
        tag_id = select(TAG.c.id).where(TAG.c.name_key == text_key(filters.tag)).scalar_subquery()
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
    for wanted, late in ((filters.outstanding, False), (filters.overdue, True)):
        if wanted is not None:
            owing = _owing(late)
            conditions.append(owing if wanted else ~owing)
    if filters.segment_id is not None:
        dynamic = None
        if segment_condition is not None and session is not None:
            dynamic = segment_condition(session, filters.segment_id)
        if dynamic is None:
            dynamic = exists().where(
                SEGMENT_MEMBER.c.segment_id == filters.segment_id,
                SEGMENT_MEMBER.c.customer_id == CUSTOMER.c.id,
            )
        conditions.append(dynamic)
    return conditions


def default_conditions() -> list[ColumnElement[bool]]:
    """What `SearchFilters()` narrows to (merged customers hidden): the filter of
    every statement the lean read path runs (see `compile`)."""
    return filter_conditions(SearchFilters())


def _owing(overdue: bool) -> ColumnElement[bool]:
    """The customer owes on an issued invoice (in any currency); with `overdue`, on one
    unpaid after its due date. The index on (customer_id, status, due_date) answers it."""
    conditions = [
        INVOICE.c.customer_id == CUSTOMER.c.id,
        INVOICE.c.kind == InvoiceKind.INVOICE.value,
        INVOICE.c.status.in_(OPEN_INVOICE_STATUSES),
    ]
    if overdue:
        conditions.append(INVOICE.c.due_date < date.today())
    return exists().where(*conditions)
