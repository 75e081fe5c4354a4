"""Owners-only editing covers the money rows (migration 0016), and the runs over every
customer are a manager's: real PostgreSQL logins, through the services and through raw
connections that PostgreSQL itself refuses."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal

import psycopg
import pytest

from crm_tui.services.billing.inputs import PaymentCreate, SubscriptionCreate, SubscriptionUpdate
from crm_tui.services.errors import PermissionRefused
from crm_tui.services.invoices.lines import LineInput
from crm_tui.services.invoices.periods import Month
from crm_tui.services.registry import Services, open_services
from crm_tui.services.roles.owners import set_owners_only
from tests.conftest import PgTeam
from tests.services.test_owners import new, raw

MONTH = Month.parse("2026-01")
SUB = SubscriptionCreate(product="Fibre 500", monthly_amount="30.00", start_date="2025-12-01")


@pytest.fixture
def money(pg_team: PgTeam) -> Iterator[dict[str, Services]]:
    """Services as each login and a second clerk; each clerk owns one customer with a
    subscription, a payment and a draft invoice; owners-only is then switched on and
    the clerks' services opened again (the limit is read at start)."""
    login = pg_team.new_login("clerk2")
    pg_team.admin(f'GRANT "{pg_team.database}_clerk" TO "{login}"')
    opened = {role: open_services(pg_team.settings(role)) for role in pg_team.logins}
    try:
        for role in ("clerk", "clerk2"):
            svc = opened[role]
            cid = new(svc, role.title())
            svc.billing.add_subscription(cid, SUB)
            svc.billing.record_payment(cid, PaymentCreate(amount="10.00"))
            svc.invoices.create_draft(cid, [LineInput("Router", "50.00")])
        set_owners_only(opened["manager"].ctx, True)
        for role in ("clerk", "clerk2"):
            opened[role].close()
            opened[role] = open_services(pg_team.settings(role))
        yield opened
    finally:
        for svc in opened.values():
            svc.close()


def ids(svc: Services, first_name: str) -> tuple[int, int, int, int]:
    """(customer, subscription, payment, invoice) of the customer with this first name."""
    (row,) = [r for r in svc.search.search("").rows if r.display_name == first_name]
    (sub,) = svc.billing.subscriptions(row.id)
    (pay,) = svc.billing.payments(row.id)
    (inv,) = svc.invoices.list(customer_id=row.id)
    return row.id, sub.id, pay.id, inv.id


def test_a_clerk_writes_money_rows_of_their_own_customers_only(
    pg_team: PgTeam, money: dict[str, Services]
) -> None:
    clerk, manager = money["clerk"], money["manager"]
    mine, my_sub, _my_pay, my_inv = ids(clerk, "Clerk")
    theirs, their_sub, their_pay, their_inv = ids(clerk, "Clerk2")
    owner = (
        f"As a clerk ({pg_team.logins['clerk']}) you change only the customers you own, "
        f"and C-{theirs:06d} is {pg_team.logins['clerk2']}'s; a manager can give it to you."
    )
    attempts: dict[str, Callable[[], object]] = {
        "payment": lambda: clerk.billing.record_payment(theirs, PaymentCreate(amount="1.00")),
        "subscription": lambda: clerk.billing.add_subscription(theirs, SUB),
        "changed subscription": lambda: clerk.billing.update_subscription(
            their_sub, SubscriptionUpdate(product="Copper")
        ),
        "refund": lambda: clerk.billing.refund(their_pay),
        "invoice lines": lambda: clerk.invoices.add_lines(their_inv, [LineInput("X", "1")]),
        "issue": lambda: clerk.invoices.issue(their_inv),
    }
    for what, attempt in attempts.items():
        with pytest.raises(PermissionRefused) as info:
            attempt()
        assert info.value.message == owner, what
    assert len(manager.billing.payments(theirs)) == 1
    assert manager.billing.subscriptions(theirs)[0].product == "Fibre 500"
    # Their own customer's money rows, as before; a manager writes anyone's.
    clerk.billing.record_payment(mine, PaymentCreate(amount="2.00"))
    clerk.billing.update_subscription(my_sub, SubscriptionUpdate(product="Copper"))
    clerk.invoices.add_lines(my_inv, [LineInput("Cable", "5.00")])
    manager.billing.record_payment(theirs, PaymentCreate(amount="3.00"))
    assert len(manager.billing.payments(theirs)) == 2


def test_postgresql_refuses_a_raw_write_to_another_owners_money_rows(
    pg_team: PgTeam, money: dict[str, Services]
) -> None:
    """No app in between: inserts are refused by the policies, updates and deletes of
    another owner's rows touch nothing; the same insert on their own customer goes in."""
    mine, _s, _p, my_inv = ids(money["clerk"], "Clerk")
    theirs, their_sub, their_pay, their_inv = ids(money["clerk"], "Clerk2")
    payment = (
        "INSERT INTO payment (customer_id, paid_at, amount, currency, status, created_at, "
        "version) VALUES (%s, now(), 9.99, 'GBP', 'paid', now(), 1)"
    )
    line = (
        "INSERT INTO invoice_line (invoice_id, position, description, quantity, unit_price, "
        "tax_rate, amount, tax, claims) VALUES (%s, 9, 'raw', 1, 1, 0, 1, 0, false)"
    )
    with raw(pg_team, "clerk") as conn:
        for sql, row in ((payment, theirs), (line, their_inv)):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="row-level security"):
                conn.execute(sql, (row,))
        touched = [
            conn.execute("UPDATE payment SET amount = 0.01 WHERE id = %s", (their_pay,)).rowcount,
            conn.execute("DELETE FROM subscription WHERE id = %s", (their_sub,)).rowcount,
            conn.execute("DELETE FROM invoice WHERE id = %s", (their_inv,)).rowcount,
        ]
        assert touched == [0, 0, 0]
        conn.execute(payment, (mine,))
        conn.execute(line, (my_inv,))
    viewer = money["viewer"]
    assert [p.amount for p in viewer.billing.payments(theirs)] == [Decimal("10.00")]
    assert len(viewer.billing.subscriptions(theirs)) == 1
    assert len(viewer.invoices.get(their_inv).lines) == 1


def test_billing_runs_and_reminders_need_the_manager_role(
    pg_team: PgTeam, money: dict[str, Services]
) -> None:
    """A clerk is refused the billing run and reminders by the app with the role's
    sentence, and by PostgreSQL for a raw subscription line or reminder even on their own
    customer; the manager's run bills every owner's customers with owners-only on."""
    clerk, manager = money["clerk"], money["manager"]
    login = pg_team.logins["clerk"]
    with pytest.raises(PermissionRefused) as info:
        clerk.billing_run.run(MONTH, on=date(2026, 1, 31))
    assert info.value.message == (
        f"As a clerk ({login}) you cannot run the billing of every customer; "
        "that needs the manager role."
    )
    with pytest.raises(PermissionRefused) as info:
        clerk.reminders.send(today=date(2026, 6, 1))
    assert info.value.message == (
        f"As a clerk ({login}) you cannot send payment reminders; that needs the manager role."
    )
    assert clerk.billing_run.run(MONTH, dry_run=True).invoices == 2  # a preview only reads
    mine, my_sub, _p, my_inv = ids(clerk, "Clerk")
    with raw(pg_team, "clerk") as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege) as refused:
            conn.execute(
                "INSERT INTO invoice_line (invoice_id, position, description, quantity, "
                "unit_price, tax_rate, amount, tax, subscription_id, period_start, claims) "
                "VALUES (%s, 1, 'raw', 1, 1, 0, 1, 0, %s, '2026-01-01', true)",
                (my_inv, my_sub),
            )
        assert refused.value.diag.message_hint == "crm:bill"
        with pytest.raises(psycopg.errors.InsufficientPrivilege) as refused:
            conn.execute(
                "INSERT INTO invoice_reminder (invoice_id, level, sent_at, status, channel, "
                "recipient) VALUES (%s, 1, now(), 'sent', 'outbox', 'x@example.com')",
                (my_inv,),
            )
        assert refused.value.diag.message_hint == "crm:remind"
    theirs = ids(manager, "Clerk2")[0]
    result = manager.billing_run.run(MONTH, on=date(2026, 1, 31))
    assert result.invoices == 2
    assert {i.customer_id for i in manager.invoices.list() if i.number} == {mine, theirs}
