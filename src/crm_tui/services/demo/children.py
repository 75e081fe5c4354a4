"""One demo customer's child rows: addresses, contacts, a card, subscriptions, orders, payments, notes.

Every value is drawn from the builder's one seeded `random.Random`, in a fixed
order, so the same seed gives the same rows; keep the order of the draws when
changing anything here. Ids are batch-local (see `ids.assign_child_ids`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from crm_tui.models import (
    Address,
    Contact,
    CustomerSummary,
    Note,
    Order,
    OrderItem,
    Payment,
    PaymentMethod,
    Subscription,
)
from crm_tui.services.demo.pools import (
    CARD_BRANDS,
    NOTE_TITLES,
    ORDER_ITEMS,
    OWNERS,
    PRODUCTS,
    Pools,
    Weighted,
    ascii_slug,
    random_phone,
)

Rows = dict[type[Any], list[dict[str, Any]]]
PAYMENT_STATUS = Weighted(["paid", "failed", "pending", "refunded"], [90, 5, 3, 2])
SUBSCRIPTIONS = Weighted([0, 1, 2, 3], [25, 45, 22, 8])  # a customer's count of each
ORDERS = Weighted([0, 1, 2], [60, 30, 10])
NOTES = Weighted([0, 1, 2, 3], [40, 30, 20, 10])
_DAYS_30 = timedelta(days=30)


def _no_figures() -> dict[str, Any]:
    return {"lifetime_value": Decimal("0.00"), "outstanding_balance": Decimal("0.00"), "paid_payments": 0,
            "active_subscriptions": 0, "ended_subscriptions": 0, "active_monthly": Decimal("0.00"),
            "order_count": 0, "order_total": Decimal("0.00"), "last_purchase_at": None}  # fmt: skip


@dataclass
class CustomerChildren:
    """Draws one customer's child rows into `out`, and its summary figures."""

    rng: random.Random
    cid: int
    customer: dict[str, Any]
    pool: Pools
    region: str
    created: datetime
    now: datetime
    ids: dict[str, int]
    out: Rows
    method_id: int | None = None
    figures: dict[str, Any] = field(default_factory=_no_figures)

    def make(self) -> list[str]:
        """Add every child row; return the contacts' names (they go in the search document)."""
        self._addresses()
        contact_names = self._contacts()
        self._payment_method()
        self._subscriptions()
        self._orders()
        self._notes()
        self.out[CustomerSummary].append({"customer_id": self.cid, **self.figures})
        return contact_names

    def _addresses(self) -> None:
        rng, pool, created = self.rng, self.pool, self.created
        for index in range(rng.choice([1, 1, 1, 2])):
            self.ids["address"] += 1
            self.out[Address].append({"id": self.ids["address"], "customer_id": self.cid, "kind": "billing" if index == 0 else "shipping",
                                      "line1": rng.choice(pool.streets), "line2": None, "city": rng.choice(pool.cities),
                                      "region": None, "postal_code": rng.choice(pool.postcodes), "country": self.region,
                                      "is_default_billing": index == 0, "created_at": created, "version": 1})  # fmt: skip

    def _contacts(self) -> list[str]:
        rng, pool, customer = self.rng, self.pool, self.customer
        contact_names: list[str] = []
        if customer["kind"] != "business":
            return contact_names
        for index in range(rng.randint(1, 3)):
            self.ids["contact"] += 1
            first, last = rng.choice(pool.first), rng.choice(pool.last)
            contact_names.append(f"{first} {last}")
            self.out[Contact].append({"id": self.ids["contact"], "customer_id": self.cid, "first_name": first, "last_name": last,
                                      "email": f"{ascii_slug(first)}.{ascii_slug(last)}@{customer['email'].split('@')[1]}",
                                      "phone": random_phone(rng, self.region), "title": rng.choice(pool.jobs),
                                      "department": rng.choice(["Finance", "IT", "Operations", "Purchasing"]),
                                      "is_primary": index == 0, "created_at": self.created, "version": 1})  # fmt: skip
        return contact_names

    def _payment_method(self) -> None:
        rng, customer = self.rng, self.customer
        if rng.random() >= 0.7:
            return
        self.ids["payment_method"] += 1
        self.method_id = self.ids["payment_method"]
        brand, prefix = rng.choice(CARD_BRANDS)
        self.out[PaymentMethod].append({"id": self.method_id, "customer_id": self.cid, "brand": brand,
                                        "bin": (prefix + str(rng.randint(10**5, 10**6 - 1)))[:6],
                                        "last4": f"{rng.randint(0, 9999):04d}", "exp_month": rng.randint(1, 12),
                                        "exp_year": self.now.year + rng.randint(0, 5),
                                        "holder_name": f"{customer['first_name']} {customer['last_name']}",
                                        "is_default": True, "created_at": self.created, "version": 1})  # fmt: skip

    def _pay(
        self, when: datetime, amount: Decimal, subscription_id: int | None, order_id: int | None
    ) -> None:
        status = PAYMENT_STATUS(self.rng)
        self.ids["payment"] += 1
        self.out[Payment].append({"id": self.ids["payment"], "customer_id": self.cid, "paid_at": when, "amount": amount,
                                  "currency": self.customer["currency"], "status": status,
                                  "subscription_id": subscription_id, "order_id": order_id,
                                  "payment_method_id": self.method_id, "reference": None,
                                  "settles_invoices": False, "created_at": when, "version": 1})  # fmt: skip
        figures = self.figures
        if status == "paid":
            figures["lifetime_value"] += amount
            figures["paid_payments"] += 1
            if figures["last_purchase_at"] is None or when > figures["last_purchase_at"]:
                figures["last_purchase_at"] = when

    def _subscriptions(self) -> None:
        rng, now = self.rng, self.now
        active_statuses = self.customer["status"] in ("active", "blocked")
        for _ in range(SUBSCRIPTIONS(rng)):
            product, variants, price = rng.choice(PRODUCTS)
            start = (self.created + timedelta(days=rng.randint(0, 60))).date()
            if start > now.date():
                start = now.date()
            ended = not active_statuses or rng.random() < 0.2
            months_running = max(1, (now.date() - start).days // 30)
            end = (
                start + timedelta(days=30 * rng.randint(1, months_running))
                if ended
                else start + timedelta(days=365 * rng.choice([1, 2]))
            )
            if not ended and end < now.date():
                end = now.date() + timedelta(days=rng.randint(1, 300))
            self.ids["subscription"] += 1
            sid = self.ids["subscription"]
            amount = price + Decimal(rng.randint(0, 3) * 5)
            self.out[Subscription].append({"id": sid, "customer_id": self.cid, "product": product, "variant": rng.choice(variants),
                                           "asset_serial": f"SN-{rng.randint(10**9, 10**10 - 1)}" if rng.random() < 0.6 else None,
                                           "monthly_amount": amount, "currency": self.customer["currency"], "start_date": start,
                                           "contract_end": end, "next_payment_date": None if ended else now.date() + timedelta(days=rng.randint(1, 28)),
                                           "status": "ended" if ended else "active", "created_at": self.created, "version": 1})  # fmt: skip
            self.figures["ended_subscriptions" if ended else "active_subscriptions"] += 1
            if not ended:
                self.figures["active_monthly"] += amount
            self._monthly_payments(start, end, amount, sid)

    def _monthly_payments(self, start: date, end: date, amount: Decimal, sid: int) -> None:
        """Up to six monthly payments of a subscription, the latest first."""
        paid_until = min(end, self.now.date())
        months = min(6, max(1, (paid_until - start).days // 30))
        latest = datetime(paid_until.year, paid_until.month, 1, 9, tzinfo=UTC)
        first = datetime(start.year, start.month, start.day, 9, tzinfo=UTC)
        for month in range(months):
            self._pay(max(latest - _DAYS_30 * month, first), amount, sid, None)

    def _orders(self) -> None:
        rng, now, created = self.rng, self.now, self.created
        for _ in range(ORDERS(rng)):
            self.ids["customer_order"] += 1
            oid = self.ids["customer_order"]
            when = created + timedelta(days=rng.randint(0, max(0, (now - created).days)))
            total = Decimal("0.00")
            for _line in range(rng.randint(1, 3)):
                description, price = rng.choice(ORDER_ITEMS)
                quantity = rng.randint(1, 3)
                total += price * quantity
                self.ids["order_item"] += 1
                self.out[OrderItem].append({"id": self.ids["order_item"], "order_id": oid, "description": description,
                                            "quantity": quantity, "unit_price": price})  # fmt: skip
            self.out[Order].append({"id": oid, "customer_id": self.cid, "ordered_at": when, "status": "paid",
                                    "total": total, "currency": self.customer["currency"], "version": 1})  # fmt: skip
            self.figures["order_count"] += 1
            self.figures["order_total"] += total
            self._pay(when, total, None, oid)

    def _notes(self) -> None:
        rng, now, created = self.rng, self.now, self.created
        for _ in range(NOTES(rng)):
            kind, title = rng.choice(NOTE_TITLES)
            self.ids["note"] += 1
            follow = (
                now.date() + timedelta(days=rng.randint(-10, 30))
                if kind == "task" or rng.random() < 0.1
                else None
            )
            self.out[Note].append({"id": self.ids["note"], "customer_id": self.cid, "type": kind, "title": title,
                                   "body": rng.choice(self.pool.sentences), "follow_up_on": follow,
                                   "done": follow is not None and rng.random() < 0.3, "pinned": rng.random() < 0.08,
                                   "visibility": "internal" if rng.random() < 0.85 else "customer",
                                   "author": rng.choice(OWNERS),
                                   "created_at": created + timedelta(days=rng.randint(0, max(0, (now - created).days))),
                                   "version": 1})  # fmt: skip
