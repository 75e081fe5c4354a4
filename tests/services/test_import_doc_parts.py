"""An import works a new customer's search document out while reading, before the
customer has a number: the text either side of the number, normalised apart. The
document is the same as the one normalised whole (build_doc, refresh, db check)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import cast

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlmodel import col

from crm_tui.models import ContactPoint, Customer, CustomerSearch, format_number
from crm_tui.services.checks.database import check_database
from crm_tui.services.imports.service import ImportService
from crm_tui.services.registry import Services
from crm_tui.services.search import document as search_doc
from crm_tui.services.search.query import normalize

# Accents written both ways, combining marks alone and at a part's edge, every kind of
# space, letters whose folding grows (ß, the fi ligature) or decomposes to a space (¨).
TEXT = st.text(alphabet=st.sampled_from(list("aZé\u0301 \u00a0\t\u2028ßİﬁΣǄ¨１-.@'")), max_size=6)
PHONE = "+447400000001"
FORMS = {PHONE: ["447400000001", "07400000001"]}


@settings(max_examples=500, deadline=None)
@given(st.lists(TEXT, min_size=4, max_size=4), st.booleans(), st.lists(TEXT, max_size=3),
       st.integers(1, 10**7))  # fmt: skip
def test_parts_apart_equal_the_whole(
    names: list[str], phone: bool, extra: list[str], cid: int
) -> None:
    first, last, company, email = names
    parts = [
        first,
        last,
        company,
        email,
        format_number(cid),
        *(FORMS[PHONE] if phone else ()),
        *extra,
    ]
    whole = normalize(" ".join(p for p in parts if p))
    customer = SimpleNamespace(id=cid, first_name=first, last_name=last, company_name=company,
                               email=email, phone=PHONE if phone else None)  # fmt: skip
    assert search_doc.build_doc(cast(Customer, customer), [], extra, FORMS) == whole


ROWS = [
    "Name,Email,Phone,Email 2,Phone 2,Street,City,Country,Loyalty card",
    "Chloé Dubois,chloe@example.fr,+33 6 12 34 56 78,c.dubois@work.example,,1 Rue Haute,Paris,FR,A1",
    "José Müller,jose@example.de,,,+49 1512 3456789,Hauptstraße 5,Berlin,DE,",
    "Zoë O'Brien,zoe@example.ie,,,,,,,\u00a0Ⅻ ﬁ",
    "Kate Smith,,+44 7400 123456,,,,,,",
]
# A repeat of José in the same batch: folded into the customer the batch creates.
REPEAT = "José Müller,jose@example.de,,josé@zweite.example,,,,,B2"


def _docs(services: Services) -> dict[int, str]:
    with services.ctx.read() as session:
        query = select(col(CustomerSearch.customer_id), col(CustomerSearch.doc))
        return {int(cid): str(doc) for cid, doc in session.execute(query).all()}


def _assert_documents_as_refresh_writes(services: Services) -> None:
    """Every customer's document is what refresh writes, and the full check passes."""
    imported = _docs(services)
    with services.ctx.write() as session:
        for cid in imported:
            search_doc.refresh(session, cid)
    assert _docs(services) == imported
    assert check_database(services.ctx.db.engine, full=True).ok


def test_imported_documents_equal_what_refresh_writes(services: Services, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("\n".join(ROWS) + "\n", encoding="utf-8")
    summary = ImportService(services.ctx).run(path, refused_path=tmp_path / "refused.csv")
    assert (summary.created, summary.refused) == (4, 0)
    _assert_documents_as_refresh_writes(services)


def test_a_folded_row_has_its_document_made_again(services: Services, tmp_path: Path) -> None:
    """The text worked out while reading is the row's own; a later row of the batch that
    folds into it brings new values, so its document is made from the merged ones."""
    path = tmp_path / "people.csv"
    path.write_text("\n".join([*ROWS[:3], REPEAT]) + "\n", encoding="utf-8")
    summary = ImportService(services.ctx).run(
        path, refused_path=tmp_path / "refused.csv", on_duplicate="update"
    )
    assert (summary.created, summary.updated, summary.refused) == (2, 1, 0)
    jose = next(doc for doc in _docs(services).values() if doc.startswith("jose muller"))
    assert "jose@zweite.example" in jose and "b2" in jose.split()


def test_a_folded_row_with_another_phone_makes_it_the_primary(
    services: Services, tmp_path: Path
) -> None:
    """A later row of the batch with the same e-mail and another phone: the customer's
    phone column takes the later number, so that number is its primary phone point, and
    the document is the one refresh writes (before, the first number stayed primary)."""
    path = tmp_path / "people.csv"
    path.write_text(
        "Name,Email,Phone\n"
        "Ann Lee,ann@example.com,+44 7400 111111\n"
        "Ann Lee,ANN@example.com,+44 7400 222222\n",
        encoding="utf-8",
    )
    summary = ImportService(services.ctx).run(
        path, refused_path=tmp_path / "refused.csv", on_duplicate="update"
    )
    assert (summary.created, summary.updated, summary.refused) == (1, 1, 0)
    with services.ctx.read() as session:
        customer = session.scalars(select(Customer)).one()
        points = session.scalars(
            select(ContactPoint).where(col(ContactPoint.customer_id) == customer.id)
        ).all()
        primaries = {p.kind: p.value for p in points if p.is_primary}
    assert customer.phone == "+447400222222"
    assert primaries == {"email": customer.email, "phone": customer.phone}
    assert sorted(p.value for p in points if p.kind == "phone") == [
        "+447400111111",
        "+447400222222",
    ]
    _assert_documents_as_refresh_writes(services)
