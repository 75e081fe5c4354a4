"""The normalised text a customer is found by (one row in customer_search).

Normalising in Python (NFKD, accents stripped, casefolded) makes search
accent- and case-insensitive on both engines the same way; the query goes
through the same `normalize` before it reaches the index.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.models import (
    Contact,
    ContactPoint,
    Customer,
    CustomerSearch,
    CustomField,
    format_number,
)
from crm_tui.services.phones import phone_search_forms
from crm_tui.services.search.query import normalize as normalize  # the one folding rule


def build_doc(
    customer: Customer,
    contact_names: list[str],
    extra: Sequence[str] = (),
    forms: Mapping[str, list[str]] | None = None,
) -> str:
    """The document; `forms` may hold phone_search_forms of its phones, worked out earlier
    (an import does so while it reads the file, in its second process)."""
    assert customer.id is not None
    around = doc_around_number(
        (customer.first_name, customer.last_name, customer.company_name, customer.email),
        customer.phone, [*contact_names, *extra], forms,
    )  # fmt: skip
    return doc_with_number(around, customer.id)


def doc_around_number(
    names: Sequence[str | None],
    phone: str | None,
    extra: Sequence[str],
    forms: Mapping[str, list[str]] | None = None,
) -> tuple[str, str]:
    """The document's text before its customer number (first and last name, company,
    e-mail: `names`) and after it (the phone's search forms, then `extra`: contact names
    and custom field values), each normalised. The document is `normalize` of all of it
    joined by spaces, which is the parts' `normalize`s joined (no accent or space run
    crosses a space; the demo builds its documents the same way): so an import works
    these out while reading, before its customers have ids."""
    head = " ".join(p for p in names if p)
    tail = [*(_phone_forms(phone, forms) if phone else ()), *extra]
    return normalize(head), normalize(" ".join(p for p in tail if p))


def doc_with_number(around: tuple[str, str], customer_id: int) -> str:
    """The document of customer `customer_id` from `doc_around_number`'s two parts."""
    head, tail = around
    return " ".join(p for p in (head, normalize(format_number(customer_id)), tail) if p)


def point_words(
    points: Iterable[tuple[str, str]], forms: Mapping[str, list[str]] | None = None
) -> list[str]:
    """What the customer's other e-mails, phones and web addresses add to the document."""
    words: list[str] = []
    for kind, value in points:
        words.extend(_phone_forms(value, forms) if kind == "phone" else [value])
    return words


def _phone_forms(phone: str, known: Mapping[str, list[str]] | None) -> list[str]:
    found = known.get(phone) if known else None
    return found if found is not None else phone_search_forms(phone)


def refresh(session: Session, customer_id: int) -> None:
    """Rewrite one customer's search document inside the caller's transaction."""
    customer = session.get(Customer, customer_id)
    if customer is None:
        return
    session.execute(delete(CustomerSearch).where(col(CustomerSearch.customer_id) == customer_id))
    if customer.erased_at is not None:
        return
    names = [
        " ".join(p for p in (first, last) if p)
        for first, last in session.execute(
            select(col(Contact.first_name), col(Contact.last_name)).where(
                col(Contact.customer_id) == customer_id
            )
        )
    ]
    custom = list(
        session.scalars(
            select(col(CustomField.value))
            .where(col(CustomField.customer_id) == customer_id)
            .order_by(col(CustomField.id))
        )
    )
    custom.extend(point_words(session.execute(
        select(col(ContactPoint.kind), col(ContactPoint.value))
        .where(col(ContactPoint.customer_id) == customer_id, ~col(ContactPoint.is_primary))
        .order_by(col(ContactPoint.id))
    ).all()))  # fmt: skip
    session.add(CustomerSearch(customer_id=customer_id, doc=build_doc(customer, names, custom)))
