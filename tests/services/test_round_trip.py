"""Export -> import into an empty database -> the same customers, value for value.

For CSV, XLSX and vCard: customers with several e-mails, phones and web
addresses (labelled, one primary, one phone possible but not valid),
billing and shipping addresses, custom fields (one named like a field
import reads), tags and notes of every kind, with hostile text (formula
starts, markup, separators, escapes, line breaks, control characters),
beside demo customers. Compared: every field the customer service keeps,
its billing group, tags, addresses, contact points, custom fields and notes
(times to the second, as the export writes them).
"""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import col

from crm_tui.config import Settings
from crm_tui.models import Address, BillingGroup, ContactPoint, Customer, CustomField, Note
from crm_tui.services.customers.inputs import AddressCreate, CustomerCreate, NoteCreate
from crm_tui.services.customers.rules import EDITABLE_FIELDS
from crm_tui.services.demo.builder import DemoBuilder
from crm_tui.services.exports.service import ExportService
from crm_tui.services.imports.service import ImportService
from crm_tui.services.registry import Services, open_services

HOSTILE = 'Call back, after 5: "urgent"; =1+2 [b]bold[/b] \\ _x0041_ \x1b[31m\ttab\nline 2'


def _eve(services: Services) -> int:
    """An individual with three e-mails, three phones, two web addresses and hostile text."""
    eve = services.customers.create(CustomerCreate(
        first_name='=HYPERLINK("http://x")', last_name="@SUM(A1); O'Brien", email="eve@example.com",
        phone="+447911123456", date_of_birth="1985-04-12", segment="-2+3", owner="+cmd",
        loyalty_points=7, language="pt", currency="EUR", contact_channels=["email", "sms"],
        tags=["=evil", "vip"],
        addresses=[AddressCreate(line1="1 Main St; apt, 2", line2="=SUM(1)", city="Lisboa",
                                 postal_code="1100-053", country="PT"),
                   AddressCreate(kind="shipping", line1="Warehouse 7", city="Porto", country="PT")],
        notes=[NoteCreate(title="-10 pts", body=HOSTILE, type="call", pinned=True, done=True,
                          follow_up_on="2026-03-01", visibility="customer",
                          duration_minutes="1h30", outcome="left voicemail"),
               NoteCreate(title="Second, plain", body="")],
    )).id  # fmt: skip
    points = services.contact_points
    primary_email = points.list(eve)[0]
    points.relabel(primary_email.id or 0, "work")
    points.add(eve, "email", "eve.home@example.org", "home")
    points.add(eve, "email", "EVE@other.example", "other")
    points.add(eve, "phone", "+44 20 7946 0000", "work")
    points.add(eve, "phone", "+49 1234 56788", "home")  # possible, not valid: unverified
    points.add(eve, "web", "https://eve.example/a,b;c", "work")
    points.add(eve, "web", "http://blog.eve.example/x?y=1", "home")
    fields = services.custom_fields
    fields.set(eve, "Job Title", 'CEO, "Boss"; founder')
    fields.set(eve, "Nickname", "Evie, E")
    fields.set(eve, "Middle Name", "Maria")
    fields.set(eve, "Shoe; size", "42\nwide")
    fields.set(eve, "Birthday", "--04-22")  # named like a field import reads
    fields.set(eve, "Phone 2", "=not a phone")
    return eve


def _acme(services: Services) -> int:
    """A business with a billing group, a website of its own and a second web address."""
    acme = services.customers.create(CustomerCreate(
        kind="business", company_name="Acme, Ltd; \"Widgets\"", first_name="Ana", last_name="Lima",
        email="ana@acme.example", website="https://acme.example", vat_id="PT123456789",
        registration_number="514 000 001", business_type="Limited company", industry="Retail",
        payment_terms="Net 30", status="blocked", status_reason="Unpaid, twice",
        tags=["wholesale"],
    )).id  # fmt: skip
    services.contact_points.add(acme, "web", "https://shop.acme.example", "other")
    services.custom_fields.set(acme, "Department", "R&D, EU")
    return acme


def _snapshot(services: Services) -> list[dict[str, Any]]:
    out = []
    with services.ctx.read() as session:
        groups = dict(session.execute(select(col(BillingGroup.id), col(BillingGroup.name))).all())
        ids = session.scalars(
            select(col(Customer.id)).where(col(Customer.status) != "merged")
        ).all()
        for cid in ids:
            customer = services.customers.get(cid or 0)
            values: dict[str, Any] = {f: getattr(customer, f) for f in EDITABLE_FIELDS}
            values["billing_group_id"] = groups.get(customer.billing_group_id)
            values["tags"] = sorted(customer.tags)
            values["addresses"] = sorted(
                (a.kind, a.line1, a.line2, a.city, a.region, a.postal_code, a.country,
                 a.is_default_billing)
                for a in session.scalars(select(Address).where(col(Address.customer_id) == cid))
            )  # fmt: skip
            values["points"] = sorted(
                (p.kind, p.value, p.label, p.is_primary, p.verified)
                for p in session.scalars(select(ContactPoint).where(col(ContactPoint.customer_id) == cid))
            )  # fmt: skip
            values["custom"] = sorted(
                (f.name, f.value)
                for f in session.scalars(select(CustomField).where(col(CustomField.customer_id) == cid))
            )  # fmt: skip
            values["notes"] = sorted(
                (n.type, n.title, n.body, n.follow_up_on, n.done, n.pinned, n.visibility, n.author,
                 n.created_at.replace(microsecond=0), n.duration_minutes, n.outcome)
                for n in session.scalars(select(Note).where(col(Note.customer_id) == cid))
            )  # fmt: skip
            out.append(values)
    return sorted(out, key=repr)


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "vcf"])
def test_round_trip(services: Services, tmp_path: Path, sqlite_template: Path, fmt: str) -> None:
    """Export, import into an empty database: every customer comes back value for value."""
    eve, acme = _eve(services), _acme(services)
    DemoBuilder(services.ctx, seed=11, as_of=date(2026, 1, 15)).run(40)
    before = _snapshot(services)
    assert len(before) == 42
    shown = {c["first_name"]: c for c in before}
    hostile = shown['=HYPERLINK("http://x")']
    assert [len(hostile[k]) for k in ("points", "addresses", "custom", "notes", "tags")] == [
        8,
        2,
        6,
        2,
        2,
    ]
    assert len(shown["Ana"]["points"]) == 3 and eve != acme
    ExportService(services.ctx).export(tmp_path / f"all.{fmt}")
    shutil.copy(sqlite_template, tmp_path / "empty.sqlite3")
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'empty.sqlite3'}", clerk="t")
    other = open_services(settings)
    try:
        summary = ImportService(other.ctx).run(tmp_path / f"all.{fmt}")
        assert (summary.refused, summary.created) == (0, 42), summary.examples
        computed = {"Customer number", "Lifetime value", "Outstanding balance", "Last purchase",
                    "Active subscriptions", "Orders", "Created"}  # fmt: skip
        assert set(summary.not_imported) <= computed, summary.not_imported
        after = _snapshot(other)
        for old, new in zip(before, after, strict=True):
            assert new == old
    finally:
        other.close()
