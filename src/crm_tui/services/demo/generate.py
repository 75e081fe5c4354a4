"""A batch of demo customers as rows, before any id is known.

Faker fills pools of names, streets, companies and products once per seed;
rows are then drawn from the pools with one seeded `random.Random`, in a
fixed order, so the same seed gives the same rows. Nothing drawn depends on
the customers' ids: the rows carry batch-local ids (1..n per table, customers
included), and the few values made of a customer's id (its e-mail, e-mail
key and search document) are finished by `stamp` once the writer has taken
the real ids. That lets the next batch be drawn while the last one is
written.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from crm_tui.models import (
    Address,
    ChangeRecord,
    Contact,
    Customer,
    CustomerSearch,
    CustomerSummary,
    CustomerTag,
    Note,
    Order,
    OrderItem,
    Payment,
    PaymentMethod,
    SegmentMember,
    Subscription,
    format_number,
)
from crm_tui.services.customers.rules import derived_columns
from crm_tui.services.demo.children import CustomerChildren, Rows
from crm_tui.services.demo.ids import CHILD_ID_TABLES
from crm_tui.services.demo.pools import (
    BUSINESS_TYPES,
    INDUSTRIES,
    LOCALES,
    OWNERS,
    SEGMENTS,
    TERMS,
    Pools,
    Weighted,
    ascii_slug,
    build_pools,
    random_number,
)
from crm_tui.services.emails import email_key
from crm_tui.services.phones import search_forms_from
from crm_tui.services.search.document import normalize

LOCALE = Weighted(LOCALES, [50, 15, 12, 10, 13])
STATUS = Weighted(["active", "inactive", "prospect", "churned", "blocked"], [78, 8, 6, 6, 2])


@dataclass(frozen=True)
class References:
    """Ids of the rows every batch points at: tags, billing groups, the hand-picked segment."""

    tag_ids: list[int]
    group_ids: list[int]
    hand_picked: int


@dataclass
class DemoBatch:
    """One batch's rows, and per customer the parts its id-made values are built from."""

    rows: Rows
    # (e-mail before the id, e-mail after it, search words before and after the e-mail)
    parts: list[tuple[str, str, str, str]] = field(default_factory=list)

    def stamp(self, customer_ids: Sequence[int]) -> None:
        """Write the real ids into the customers' e-mails, e-mail keys and search documents
        (ids.renumber has put them in the id columns)."""
        for cid, parts, customer, search in zip(
            customer_ids, self.parts, self.rows[Customer], self.rows[CustomerSearch], strict=True
        ):
            customer["email"], customer["email_key"], search["doc"] = stamped(cid, parts)


def stamped(cid: int, parts: tuple[str, str, str, str]) -> tuple[str, str, str]:
    """A customer's e-mail, e-mail key and search document, made of its id and `parts`."""
    before, after, head, tail = parts
    email = f"{before}{cid}{after}"
    # build_doc's text: normalize() of the parts joined by spaces is the
    # parts' normalize()s joined (no accent or space run crosses a space).
    doc = (head, normalize(email), normalize(format_number(cid)), tail)
    return email, email_key(email), " ".join(p for p in doc if p)


class DemoRows:
    """Draws batches of demo customers from one seeded generator."""

    def __init__(self, seed: int, as_of: date, references: References) -> None:
        self.rng = random.Random(seed)
        self.pools = build_pools(seed)
        self.now = datetime(as_of.year, as_of.month, as_of.day, 17, tzinfo=UTC)
        self.references = references
        self._folded: dict[str, str] = {}

    def batch(self, count: int, bases: Mapping[str, int] | None = None) -> DemoBatch:
        """The next `count` customers, each table's rows numbered from 1, or past its largest
        id in `bases` (the same rows as numbering from 1 and renumbering from there)."""
        rng, now, refs = self.rng, self.now, self.references
        out: Rows = {
            m: [] for m in (Customer, CustomerSummary, CustomerSearch, CustomerTag, SegmentMember,
                            Address, Contact, Subscription, Order, OrderItem, PaymentMethod,
                            Payment, Note, ChangeRecord)
        }  # fmt: skip
        made = DemoBatch(out)
        ids = {key: bases[key] if bases else 0 for key in CHILD_ID_TABLES}
        first = bases["customer"] + 1 if bases else 1
        fold = self._fold
        for cid in range(first, first + count):
            values, pool, region, national, email_parts = self._customer(cid, now)
            created = values["created_at"]
            out[Customer].append(values)
            out[ChangeRecord].append({"customer_id": cid, "entity": "customer", "entity_id": cid,
                                      "action": "create", "field": "", "version": 1,
                                      "actor": "demo", "login": "demo", "changed_at": created})  # fmt: skip
            children = CustomerChildren(rng, cid, values, pool, region, created, now, ids, out)
            contact_names = children.make()
            head = (fold(values["first_name"]), fold(values["last_name"]),
                    fold(values["company_name"] or ""))  # fmt: skip
            tail = (*map(normalize, search_forms_from(values["phone"], national)),
                    *(fold(word) for name in contact_names for word in name.split(" ")))  # fmt: skip
            made.parts.append(
                (*email_parts, " ".join(p for p in head if p), " ".join(p for p in tail if p))
            )
            out[CustomerSearch].append({"customer_id": cid, "doc": ""})
            for tag_id in rng.sample(refs.tag_ids, k=rng.choice([0, 0, 1, 1, 2, 3])):
                out[CustomerTag].append({"customer_id": cid, "tag_id": tag_id})
            if values["segment"] == "VIP" and rng.random() < 0.5:
                out[SegmentMember].append({"segment_id": refs.hand_picked, "customer_id": cid})
        return made

    def _customer(
        self, cid: int, now: datetime
    ) -> tuple[dict[str, Any], Pools, str, str, tuple[str, str]]:
        """The customer row's values (derived columns included, e-mail to be stamped), its
        locale's pool and region, its phone's NATIONAL format, and its e-mail's parts around the id."""
        rng = self.rng
        locale, region, currency, language = LOCALE(rng)
        pool = self.pools[locale]
        business = rng.random() < 0.25
        first, last = rng.choice(pool.first), rng.choice(pool.last)
        company = rng.choice(pool.companies) if business else None
        created = now - timedelta(days=rng.randint(0, 5 * 365), minutes=rng.randint(0, 1440))
        domain = (
            (ascii_slug(company or "").split(".")[0] or "mail") + ".example.com"
            if business
            else rng.choice(["example.com", "example.org", "example.net"])
        )
        email_parts = (f"{ascii_slug(first)}.{ascii_slug(last)}.", f"@{domain}")
        phone, national = random_number(rng, region)
        status = STATUS(rng)
        values: dict[str, Any] = {
            "id": cid, "kind": "business" if business else "individual", "status": status,
            "status_reason": "Repeated chargebacks" if status == "blocked" else None,
            "first_name": first, "last_name": last, "company_name": company,
            "email": f"{email_parts[0]}{cid}{email_parts[1]}", "phone": phone,
            "date_of_birth": None if business else date(rng.randint(1940, 2005), rng.randint(1, 12), rng.randint(1, 28)),
            "registration_number": f"{rng.randint(10_000_000, 99_999_999)}" if business else None,
            "vat_id": f"GB{rng.randint(100_000_000, 999_999_999)}" if business and region == "GB" else None,
            "business_type": rng.choice(BUSINESS_TYPES) if business else None,
            "industry": rng.choice(INDUSTRIES) if business else None,
            "website": f"https://www.{domain}" if business else None,
            "payment_terms": rng.choice(TERMS) if business else None,
            "billing_group_id": rng.choice(self.references.group_ids) if business and rng.random() < 0.3 else None,
            "segment": rng.choice(SEGMENTS) if not business else rng.choice(["Wholesale", "Corporate", "Regular"]),
            "loyalty_points": rng.randint(0, 5000) if rng.random() < 0.6 else 0,
            "language": language, "currency": currency,
            "contact_channels": ",".join(c for c in ("email", "phone", "sms", "post") if rng.random() < 0.5),
            "owner": rng.choice(OWNERS), "created_at": created, "updated_at": created, "version": 1,
        }  # fmt: skip
        values.update(derived_columns(values))  # e-mail key re-made by DemoBatch.stamp
        return values, pool, region, national, email_parts

    def _fold(self, text: str) -> str:
        """normalize() of a pool's name or word, worked out once."""
        folded = self._folded.get(text)
        if folded is None:
            folded = self._folded[text] = normalize(text)
        return folded
