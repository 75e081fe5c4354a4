"""Customer search service on both engines: matching, ranking, paging, figures."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select, text, update
from sqlmodel import col

from crm_tui.db import migrate
from crm_tui.models import BillingGroup, CustomerSummary, Segment, SegmentMember
from crm_tui.services.customers.inputs import CustomerCreate, CustomerUpdate
from crm_tui.services.customers.service import CustomerRead
from crm_tui.services.registry import Services
from crm_tui.services.search import Cursor, CustomerRow, SearchFilters, SortKey, SortSpec
from crm_tui.services.search import limits as search_limits
from crm_tui.services.search.tables import CUSTOMER

HOSTILE = [
    '"',
    '""',
    "'",
    "*",
    "**",
    "NEAR",
    "NEAR(a b)",
    "AND",
    "OR NOT",
    "-",
    "--",
    ":",
    "doc:x",
    "(",
    ")",
    "[]",
    "{x}",
    "^a",
    "a\"b'c",
    '"abc" OR "def"',
    "*smi*",
    "'; DROP TABLE customer; --",
    "1 OR 1=1",
    "\x00",
    "a\x00b",
    "%",
    "_",
    "\\",
    "%_\\",
    "x" * 5000,
    "\U0001f642",
    "ß",
    "\u200b",
    "   ",
    "+",
    "+()",
    "@",
    "c-",
    "c-0",
    "99999999999999999999",
    "a:* & b",
    "!!",
]


def add(services: Services, **fields: Any) -> CustomerRead:
    return services.customers.create(CustomerCreate(**fields))


def ids(services: Services, query: str, **kwargs: Any) -> list[int]:
    return [row.id for row in services.search.search(query, **kwargs).rows]


def set_figures(services: Services, customer_id: int, **values: Any) -> None:
    with services.ctx.write() as session:
        session.execute(
            update(CustomerSummary)
            .where(col(CustomerSummary.customer_id) == customer_id)
            .values(**values)
        )


def page_through(
    services: Services, query: str, sort: SortSpec, filters: SearchFilters | None = None
) -> list[CustomerRow]:
    seen: list[CustomerRow] = []
    after: Cursor | None = None
    for _ in range(100):
        page = services.search.search(query, filters=filters, sort=sort, after=after, limit=7)
        seen.extend(page.rows)
        if not page.has_more:
            assert page.next is None
            return seen
        assert page.next is not None
        after = page.next
    raise AssertionError("paging did not end")


def test_phone_in_any_format(services: Services) -> None:
    """International, national, spaced and partial phone numbers find the same customer."""
    target = add(services, first_name="Pat", last_name="Lee", phone="+44 20 7946 0958")
    add(services, first_name="Other", last_name="Person", phone="+44 20 7946 1234")
    for query in ("+44 20 7946 0958", "020 7946 0958", "(020) 7946-0958", "02079460958", "0958"):
        assert ids(services, query)[:1] == [target.id], query
    assert target.id in ids(services, "7946")


def test_accents_and_case_are_ignored(services: Services) -> None:
    """José finds jose and Jose finds José, whatever the case."""
    accented = add(services, first_name="José", last_name="Álvarez")
    plain = add(services, first_name="Jose", last_name="Alvarez")
    for query in ("josé", "JOSE", "jose alvarez", "ÁLVAREZ", "jo", "al"):
        assert set(ids(services, query)) == {accented.id, plain.id}, query


def test_several_words_narrow(services: Services) -> None:
    """'acme smith' finds Smith at Acme, not every Smith nor everyone at Acme."""
    wanted = add(
        services, kind="business", company_name="Acme Trading", first_name="Sam", last_name="Smith"
    )
    add(services, first_name="Sam", last_name="Smith")
    add(services, kind="business", company_name="Acme Other", first_name="Jane", last_name="Doe")
    assert ids(services, "acme smith") == [wanted.id]
    assert ids(services, "smith acme") == [wanted.id]
    assert ids(services, "acme s") == [wanted.id]
    assert ids(services, "ac sm") == [wanted.id]


def test_customer_number_lookup(services: Services) -> None:
    """C-000123, c123 and the bare id all find the customer with that number."""
    customers = [add(services, first_name=f"N{i}", last_name="Number") for i in range(3)]
    target = customers[1]
    for query in (target_number := f"C-{target.id:06d}", target_number.lower(), f"c{target.id}"):
        assert ids(services, query)[:1] == [target.id], query
    assert ids(services, str(target.id))[:1] == [target.id]


def test_email_lookup(services: Services) -> None:
    """A whole e-mail, its local part or its domain find the customer."""
    target = add(services, first_name="Ann", last_name="Lowe", email="Ann.Lowe@Example.org")
    add(services, first_name="Ben", last_name="Hart", email="ben@elsewhere.net")
    for query in ("ann.lowe@example.org", "ann.lowe", "example.org", "EXAMPLE"):
        assert ids(services, query) == [target.id], query


def test_exact_hits_rank_first(services: Services) -> None:
    """An exact e-mail hit outranks earlier customers whose e-mail merely contains it."""
    add(services, first_name="Jo", last_name="Ann", email="joann@example.com")
    add(services, first_name="Mary", last_name="Ann", email="maryann@example.com")
    exact = add(services, first_name="Zed", last_name="Zulu", email="ann@example.com")
    found = ids(services, "ann@example.com")
    assert found[0] == exact.id
    assert len(found) == 3


def test_name_prefix_ranks_before_other_matches(services: Services) -> None:
    """A name starting with the query comes before a match inside an e-mail."""
    inside = add(services, first_name="Bob", last_name="Jones", email="blacksmith@example.com")
    named = add(services, first_name="Ann", last_name="Smith", email="ann@example.com")
    assert ids(services, "smi") == [named.id, inside.id]


def test_typo_falls_back_to_near_misses(services: Services) -> None:
    """'jonh smiht' finds John Smith, marked as a near miss."""
    john = add(services, first_name="John", last_name="Smith")
    add(services, first_name="Mary", last_name="Jones")
    page = services.search.search("jonh smiht")
    assert page.near_misses
    assert [row.id for row in page.rows] == [john.id]
    assert page.rows[0].near_miss
    assert services.search.count("jonh smiht") == (0, True)


def test_no_near_miss_when_something_matches(services: Services) -> None:
    """Real matches are never marked as near misses."""
    add(services, first_name="John", last_name="Smith")
    page = services.search.search("john")
    assert page.rows and not page.near_misses and not page.rows[0].near_miss


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_never_raise(services: Services, query: str) -> None:
    """Quotes, FTS operators, SQL fragments, NUL and huge input are plain text."""
    add(services, first_name="Plain", last_name="Person", email="plain@example.com")
    services.search.search(query)
    services.search.search(query, sort=SortSpec("name"))
    services.search.count(query)
    services.search.kpis(query)
    with services.ctx.read() as session:
        session.execute(services.search.matching_ids_query(query)).all()
    assert ids(services, "") != []


def test_stored_punctuation_is_found_literally(services: Services) -> None:
    """A name holding quotes and operators is found by typing them."""
    odd = add(services, first_name='Dan "NEAR"', last_name="O'Brien-Smith")
    add(services, first_name="Dan", last_name="Brien")
    assert ids(services, '"near"') == [odd.id]
    assert ids(services, "o'brien") == [odd.id]
    assert ids(services, "brien-smith") == [odd.id]


SORTS: list[SortKey] = [
    "relevance",
    "name",
    "lifetime_value",
    "active_subscriptions",
    "joined",
    "last_purchase",
]


@pytest.mark.parametrize(
    "limits",
    [
        {},
        # Ranked window + index-order tail; SQLite walks against the match set,
        # PostgreSQL walks a few ids and asks the GIN indexes for the rest.
        {
            "RANK_WINDOW": 5,
            "SMALL_MATCH_SET": 3,
            "DENSE_MATCH_SET": 100,
            "PG_WALK_IDS": 3,
            "PG_WALK_IDS_PREFIX": 2,
        },
        # Sort index walked with a per-row check of the doc.
        {
            "RANK_WINDOW": 5,
            "SMALL_MATCH_SET": 3,
            "DENSE_MATCH_SET": 10,
            "PG_WALK_IDS": 8,
            "PG_WALK_IDS_PREFIX": 8,
        },
    ],
    ids=["default", "window-tail", "walk"],
)
def test_keyset_paging_returns_every_row_once(
    services: Services, monkeypatch: pytest.MonkeyPatch, limits: dict[str, int]
) -> None:
    """Every sort, both directions: pages join up to all matches, each exactly once."""
    for name, value in limits.items():
        monkeypatch.setattr(search_limits, name, value)
    matching: list[int] = []
    for i in range(24):
        name = ["Baker", "Abbot", "Carter"][i % 3]  # ties on name
        customer = add(services, first_name=f"Al{i % 4}", last_name=name, email=f"al{i}@acmeco.com")
        matching.append(customer.id)
        if i % 2:
            set_figures(
                services,
                customer.id,
                lifetime_value=Decimal(i % 5) * 10,
                active_subscriptions=i % 3,
                last_purchase_at=datetime(2025, 1, 1 + i % 7, tzinfo=UTC),
                outstanding_balance=Decimal(i % 4) * 7,
            )
    add(services, first_name="Zoe", last_name="Quinn", email="zoe@other.com")
    for query, expected in (("acmeco", matching), ("", None), ("al", matching)):
        for key in SORTS:
            for descending in (False, True):
                rows = page_through(services, query, SortSpec(key, descending))
                seen = [row.id for row in rows]
                assert len(seen) == len(set(seen)), (query, key, descending)
                if expected is not None:
                    assert sorted(seen) == sorted(expected), (query, key, descending)
                else:
                    assert len(seen) == 25
                if key in SORT_FIELDS:
                    values = [SORT_FIELDS[key](row) for row in rows]
                    assert values == sorted(values, reverse=descending), (query, key)


SORT_FIELDS: dict[str, Callable[[CustomerRow], Any]] = {
    "lifetime_value": lambda row: (row.lifetime_value, row.id),
    "active_subscriptions": lambda row: (row.active_subscriptions, row.id),
    "joined": lambda row: (row.created_at, row.id),
    "outstanding": lambda row: (row.outstanding_balance, row.id),
}


def test_sort_orders(services: Services) -> None:
    """Name, lifetime value and last purchase sorts order rows, NULL purchases last."""
    a = add(services, first_name="Amy", last_name="Able")
    b = add(services, first_name="Bea", last_name="Best")
    c = add(services, first_name="Cal", last_name="Cole")
    set_figures(services, a.id, lifetime_value=Decimal("5.00"))
    set_figures(services, b.id, lifetime_value=Decimal("500.00"))
    set_figures(services, c.id, lifetime_value=Decimal("50.00"))
    set_figures(services, b.id, last_purchase_at=datetime(2025, 5, 1, tzinfo=UTC))
    set_figures(services, c.id, last_purchase_at=datetime(2025, 6, 1, tzinfo=UTC))
    assert ids(services, "", sort=SortSpec("name")) == [a.id, b.id, c.id]
    assert ids(services, "", sort=SortSpec("name", descending=True)) == [c.id, b.id, a.id]
    assert ids(services, "", sort=SortSpec("lifetime_value", True)) == [b.id, c.id, a.id]
    assert ids(services, "", sort=SortSpec("last_purchase", True)) == [c.id, b.id, a.id]
    assert ids(services, "", sort=SortSpec("last_purchase")) == [b.id, c.id, a.id]
    assert ids(services, "", sort=SortSpec("joined", True)) == [c.id, b.id, a.id]
    row = services.search.search("best").rows[0]
    assert (row.display_name, row.lifetime_value) == ("Bea Best", Decimal("500.00"))


def test_filters(services: Services) -> None:
    """Each filter narrows the list, alone and combined with a query."""
    with services.ctx.write() as session:
        group = BillingGroup(name="North")
        segment = Segment(name="Hand picked")
        session.add_all([group, segment])
        session.flush()
        group_id, segment_id = group.id, segment.id
    assert group_id is not None and segment_id is not None
    shop = add(
        services,
        kind="business",
        company_name="Shop Ltd",
        billing_group_id=group_id,
        owner="ana",
        segment="retail",
    )
    vip = services.customers.create(
        CustomerCreate(first_name="Vera", last_name="Shop", tags=["VIP"])
    )
    blocked = add(services, first_name="Bill", last_name="Shop")
    services.customers.block(blocked.id, "fraud")
    set_figures(services, vip.id, lifetime_value=Decimal("120.00"), active_subscriptions=2)
    with services.ctx.write() as session:
        session.add(SegmentMember(segment_id=segment_id, customer_id=vip.id))

    def found(**filters: Any) -> set[int]:
        return set(ids(services, "shop", filters=SearchFilters(**filters)))

    assert found() == {shop.id, vip.id, blocked.id}
    assert found(kind="business") == {shop.id}
    assert found(status="blocked") == {blocked.id}
    assert found(tag="vip") == {vip.id}
    assert found(billing_group_id=group_id) == {shop.id}
    assert found(owner="ana") == {shop.id}
    assert found(segment="retail") == {shop.id}
    assert found(segment_id=segment_id) == {vip.id}
    assert found(has_active_subscription=True) == {vip.id}
    assert found(has_active_subscription=False) == {shop.id, blocked.id}
    assert found(ltv_min=Decimal("100")) == {vip.id}
    assert found(ltv_max=Decimal("100")) == {shop.id, blocked.id}
    assert found(kind="individual", status="active") == {vip.id}
    listed = ids(services, "", filters=SearchFilters(status="blocked"), sort=SortSpec("name"))
    assert listed == [blocked.id]


def test_segment_condition_hook(services: Services) -> None:
    """A dynamic segment compiler can supply the segment's SQL condition."""
    keep = add(services, first_name="Kim", last_name="Keep")
    add(services, first_name="Dan", last_name="Drop")
    services.search.segment_condition = lambda _session, _segment_id: CUSTOMER.c.id == keep.id
    assert ids(services, "", filters=SearchFilters(segment_id=99)) == [keep.id]


def test_count_is_capped(services: Services) -> None:
    """Counting stops at the cap and says whether the figure is exact."""
    for i in range(12):
        add(services, first_name=f"Cap{i}", last_name="Counted")
    add(services, first_name="Other", last_name="Person")
    assert services.search.count("counted", cap=10) == (10, False)
    assert services.search.count("counted", cap=12) == (12, True)
    assert services.search.count("counted") == (12, True)
    assert services.search.count("") == (13, True)
    assert services.search.count("nobody-like-this") == (0, True)


def test_kpis_match_a_hand_count(services: Services) -> None:
    """Customers, returning %, average spent and average lifetime value."""
    a = add(services, first_name="Kp", last_name="One")
    b = add(services, first_name="Kp", last_name="Two")
    add(services, first_name="Kp", last_name="Three")
    add(services, first_name="Other", last_name="Person")
    set_figures(services, a.id, lifetime_value=Decimal("100.00"), paid_payments=3)
    set_figures(services, b.id, lifetime_value=Decimal("50.00"), paid_payments=1)
    kpis = services.search.kpis("kp")
    assert kpis.customers == 3
    assert kpis.returning_pct == Decimal("33.3")
    assert kpis.average_spent == Decimal("75.00")
    assert kpis.average_lifetime_value == Decimal("50.00")
    assert services.search.kpis("nobody-like-this").customers == 0


def test_matching_ids_query_selects_every_match(services: Services) -> None:
    """The bulk-action query selects exactly the matching, filtered customers."""
    wanted = {add(services, first_name=f"Bulk{i}", last_name="Mark").id for i in range(5)}
    blocked = add(services, first_name="Bulk", last_name="Marked")
    services.customers.block(blocked.id, "test")
    add(services, first_name="Other", last_name="Person")
    statement = services.search.matching_ids_query("mark", SearchFilters(status="active"))
    with services.ctx.read() as session:
        assert set(session.scalars(statement)) == wanted


def test_index_follows_every_write(services: Services) -> None:
    """Renames, direct updates and erasure keep the search index in step."""
    customer = add(services, first_name="Oldfirst", last_name="Person")
    services.customers.update(
        customer.id, CustomerUpdate(first_name="Newfirst"), expected_version=1
    )
    assert ids(services, "newfirst") == [customer.id]
    assert ids(services, "oldfirst") == []
    with services.ctx.write() as session:
        session.execute(
            text("UPDATE customer_search SET doc = 'replaced text' WHERE customer_id = :id"),
            {"id": customer.id},
        )
    assert ids(services, "replaced") == [customer.id]
    assert ids(services, "newfirst") == []
    services.customers.erase(customer.id, confirm=f"C-{customer.id:06d}")
    assert ids(services, "replaced") == []


def test_migration_downgrades_and_upgrades(services: Services) -> None:
    """Revision 0002 drops its indexes and triggers on downgrade and rebuilds them."""
    customer = add(services, first_name="Mig", last_name="Rated")
    engine = services.ctx.db.engine
    migrate.downgrade(engine, "0001")
    migrate.upgrade(engine)
    assert ids(services, "rated") == [customer.id]
    assert ids(services, "mi") == [customer.id]


def test_cursor_from_another_sort_is_refused(services: Services) -> None:
    """A cursor only continues the sort it came from."""
    for i in range(3):
        add(services, first_name=f"Cur{i}", last_name="Sor")
    page = services.search.search("", sort=SortSpec("name"), limit=1)
    assert page.next is not None
    with pytest.raises(ValueError):
        services.search.search("", sort=SortSpec("joined"), after=page.next)


def test_rows_carry_list_columns(services: Services) -> None:
    """A row has the number, display name and figures the list shows."""
    customer = add(
        services, kind="business", company_name="Rowco", first_name="Ray", phone="+44 20 7946 0000"
    )
    with services.ctx.read() as session:
        assert session.scalar(select(col(CustomerSummary.customer_id))) == customer.id
    row = services.search.search("rowco").rows[0]
    assert row.number == f"C-{customer.id:06d}"
    assert row.display_name == "Rowco"
    assert row.phone == "+442079460000"
    assert row.active_subscriptions == 0
    assert row.lifetime_value == Decimal("0.00")
    assert not row.near_miss


def test_owes_and_overdue_filters_and_outstanding_sort(services: Services) -> None:
    """Owes: an issued invoice unpaid, in any currency; overdue: one past its due date; paid
    and void invoices count for neither; the outstanding sort puts the largest balance first."""
    from datetime import date, timedelta

    from crm_tui.services.billing.inputs import PaymentCreate
    from crm_tui.services.invoices import LineInput

    def billed(name: str, price: str, days_ago: int, currency: str = "GBP") -> int:
        cid = add(services, first_name=name, last_name="Owing", email=f"{name}@owe.example").id
        draft = services.invoices.create_draft(cid, [LineInput("Work", price)], currency=currency)
        services.invoices.issue(draft.id, on=date.today() - timedelta(days=days_ago))
        return cid

    paid = billed("Paid", "20.00", 30)  # issued oldest first: numbers follow dates
    services.billing.record_payment(paid, PaymentCreate(amount="20.00"))
    void = billed("Void", "50.00", 30)
    services.invoices.void(services.invoices.list(customer_id=void)[0].id)
    late = billed("Late", "90.00", 10)
    euro = billed("Euro", "40.00", 0, currency="EUR")  # due today: owes, not overdue yet
    small = billed("Small", "15.00", 0)
    add(services, first_name="Never", last_name="Owing")

    def found(**filters: Any) -> set[int]:
        return set(ids(services, "owing", filters=SearchFilters(**filters)))

    assert found(outstanding=True) == {late, euro, small}
    assert found(overdue=True) == {late}
    assert found(outstanding=True, overdue=False) == {euro, small}
    assert len(found(outstanding=False)) == 3
    by_balance = ids(services, "", sort=SortSpec("outstanding", True))
    assert by_balance[:2] == [late, small]  # GBP balances; EUR is the money engineer's to count
