"""A customer's figures from the rows of their aggregate queries. Standard library only.

The service (`figures`, `summary.recount`) and the lean read path of
`crm show` (`services.card.lean`) run the same statements and hand their rows
(mappings: column name -> value) to these functions, so both get the same
figures.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from crm_tui.db.values import as_money

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class CurrencyLine:
    """One currency's part of a customer's money, beside its reporting-currency value."""

    currency: str
    paid: Decimal  # paid payments in this currency, net of refunds
    paid_in_reporting: Decimal  # the same at each payment's day's rate (unpriced left out)
    unpriced_payments: int  # paid payments with no rate for their day
    owed: Decimal  # what open invoices in this currency still owe
    owed_in_reporting: Decimal | None  # None: some of it has no rate for its issue date


@dataclass(frozen=True)
class CustomerFigures:
    """What the Overview tab and `crm show` print.

    Money figures are in `currency`, the reporting currency; `by_currency`
    breaks them down by the currency the money came in.
    """

    lifetime_value: Decimal
    outstanding_balance: Decimal
    active_monthly: Decimal
    average_subscription_value: Decimal
    active_subscriptions: int
    ended_subscriptions: int
    orders: int
    average_order_value: Decimal
    last_purchase_at: datetime | None
    currency: str = "GBP"
    by_currency: tuple[CurrencyLine, ...] = ()


Rows = Iterable[Mapping[Any, Any]]


def zero_figures(customer_ids: Sequence[int], *, priced: bool) -> dict[int, dict[str, object]]:
    """Each customer's figures before any row is counted."""
    return {
        cid: {
            "lifetime_value": ZERO,
            "outstanding_balance": ZERO,
            "paid_payments": 0,
            "active_subscriptions": 0,
            "ended_subscriptions": 0,
            "active_monthly": ZERO,
            "order_count": 0,
            "order_total": ZERO,
            "last_purchase_at": None,
            "oldest_due": None,
            **({"priced_subscriptions": 0, "priced_orders": 0} if priced else {}),
        }
        for cid in customer_ids
    }


def fold_figures(
    result: dict[int, dict[str, object]],
    payments: Rows,
    invoices: Rows,
    subscriptions: Rows,
    orders: Rows,
    *,
    priced: bool,
) -> dict[int, dict[str, object]]:
    """`result` with the rows of summary's four grouped queries counted in."""
    for row in payments:
        result[row["customer_id"]].update(
            lifetime_value=as_money(row["lifetime_value"]),
            paid_payments=row["paid_payments"],
            last_purchase_at=row["last_purchase_at"],
        )
    for row in invoices:
        result[row["customer_id"]].update(
            outstanding_balance=as_money(row["outstanding_balance"]), oldest_due=row["oldest_due"]
        )
    for row in subscriptions:
        result[row["customer_id"]].update(
            active_subscriptions=row["active_subscriptions"],
            ended_subscriptions=row["ended_subscriptions"],
            active_monthly=as_money(row["active_monthly"]),
        )
        if priced:
            result[row["customer_id"]]["priced_subscriptions"] = row["priced_subscriptions"]
    for row in orders:
        result[row["customer_id"]].update(
            order_count=row["order_count"], order_total=as_money(row["order_total"])
        )
        if priced:
            result[row["customer_id"]]["priced_orders"] = row["priced_orders"]
    return result


def _ratio(total: Decimal, count: int) -> Decimal:
    return (total / count).quantize(Decimal("0.01")) if count else ZERO


def customer_figures(
    values: Mapping[str, object], lines: tuple[CurrencyLine, ...], currency: str
) -> CustomerFigures:
    """One customer's figures from their recount (with `priced`) and currency lines."""
    # Averages divide by what has a value in the reporting currency.
    active = int(values["priced_subscriptions"])  # type: ignore[call-overload]
    orders = int(values["priced_orders"])  # type: ignore[call-overload]
    monthly = values["active_monthly"]
    order_total = values["order_total"]
    assert isinstance(monthly, Decimal) and isinstance(order_total, Decimal)
    lifetime = values["lifetime_value"]
    outstanding = values["outstanding_balance"]
    assert isinstance(lifetime, Decimal) and isinstance(outstanding, Decimal)
    last = values["last_purchase_at"]
    return CustomerFigures(
        lifetime_value=lifetime,
        outstanding_balance=outstanding,
        active_monthly=monthly,
        average_subscription_value=_ratio(monthly, active),
        active_subscriptions=int(values["active_subscriptions"]),  # type: ignore[call-overload]
        ended_subscriptions=int(values["ended_subscriptions"]),  # type: ignore[call-overload]
        orders=int(values["order_count"]),  # type: ignore[call-overload]
        average_order_value=_ratio(order_total, orders),
        last_purchase_at=last if isinstance(last, datetime) else None,
        currency=currency,
        by_currency=lines,
    )


def currency_lines(
    payments: Iterable[Sequence[Any]], invoices: Iterable[Sequence[Any]], quote: str
) -> tuple[CurrencyLine, ...]:
    """Paid and owed per currency from the rows of figures' two grouped queries
    (currency, amount, in reporting, unpriced), the reporting currency first."""
    lines: dict[str, dict[str, object]] = {}
    for code, amount, converted, unpriced in payments:
        lines.setdefault(code, {}).update(
            paid=as_money(amount), paid_in_reporting=as_money(converted), unpriced_payments=unpriced
        )
    for code, amount, converted, unpriced in invoices:
        lines.setdefault(code, {}).update(
            owed=as_money(amount),
            owed_in_reporting=None if unpriced else as_money(converted or 0),
        )
    return tuple(
        CurrencyLine(
            currency=code,
            paid=_money(found, "paid"),
            paid_in_reporting=_money(found, "paid_in_reporting"),
            unpriced_payments=int(found.get("unpriced_payments", 0)),  # type: ignore[call-overload]
            owed=_money(found, "owed"),
            owed_in_reporting=(
                _money(found, "owed_in_reporting")
                if "owed" not in found
                else found["owed_in_reporting"]  # type: ignore[arg-type]
            ),
        )
        for code, found in sorted(lines.items(), key=lambda item: (item[0] != quote, item[0]))
    )


def _money(found: dict[str, object], key: str) -> Decimal:
    value = found.get(key)
    return value if isinstance(value, Decimal) else ZERO
