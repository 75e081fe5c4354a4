"""An imported customer is the customer the app's own add makes from the same values:
the import's batch path (prepared in bulk, inserted by executemany or COPY, the search
indexes filled per batch) keeps every column and the search document the form path gives."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlmodel import col

from crm_tui.models import Customer, CustomerSearch, format_number
from crm_tui.services.imports.service import ImportService
from crm_tui.services.registry import Services

PEOPLE = [  # name, phone (any way a person writes it), e-mail local part
    ("Hana Ode", "+447400000001", "hana.ode"),
    ("José Müller", "+49 1512 3456789", "jose"),
    ("Zoë O'Brien", "07400 123457", "Zoe.OBrien"),
    ("Sam   Dubois", "", "sam"),
    ("Ana Lima", "+351 912 345 678", "ana"),
    ("Kate", "+1 202 555 0123", "kate"),
]
COLUMNS = ("first_name", "last_name", "company_name", "phone", "phone_digits", "sort_name",
           "kind", "status", "version")  # fmt: skip


def _seen(services: Services, emails: list[str]) -> list[tuple[object, ...]]:
    """Each customer's columns and search document, its e-mail and number blanked."""
    with services.ctx.read() as session:
        out = []
        for email in emails:
            customer = session.scalars(select(Customer).where(col(Customer.email) == email)).one()
            doc = session.scalars(select(col(CustomerSearch.doc)).where(
                col(CustomerSearch.customer_id) == customer.id)).one()  # fmt: skip
            doc = doc.replace(email.lower(), "EMAIL").replace(
                format_number(customer.id or 0).lower(), "NUMBER"
            )
            out.append(
                (*(getattr(customer, c) for c in COLUMNS), customer.email_key == email.lower(), doc)
            )
        return out


def test_import_equals_the_form(services: Services, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    rows = ["Name,Phone,Email"] + [f'"{n}",{p},{e}@import.example' for n, p, e in PEOPLE]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    summary = ImportService(services.ctx).run(path, refused_path=tmp_path / "refused.csv")
    assert summary.created == len(PEOPLE) and summary.refused == 0
    for name, phone, email in PEOPLE:
        services.customers.quick_add(name, phone or None, f"{email}@form.example")
    imported = _seen(services, [f"{e}@import.example" for _n, _p, e in PEOPLE])
    made = _seen(services, [f"{e}@form.example" for _n, _p, e in PEOPLE])
    assert imported == made
    assert imported[1][:2] == ("José", "Müller") and imported[2][3] == "+447400123457"
    assert imported[0][-1] == "hana ode EMAIL NUMBER 447400000001 07400000001"
