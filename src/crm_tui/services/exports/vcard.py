"""One exported customer as a vCard 3.0, serialised by vobject."""

from __future__ import annotations

from typing import Any

import vobject


def vcard_text(row: dict[str, Any]) -> str:
    """A vCard for an export row (see exports.COLUMNS keys)."""
    card = vobject.vCard()
    first, last, company = (
        row.get("first_name") or "",
        row.get("last_name") or "",
        row.get("company_name") or "",
    )
    person = " ".join(p for p in (first, last) if p)
    card.add("n").value = vobject.vcard.Name(family=last, given=first)
    card.add("fn").value = (
        (company if row.get("kind") == "business" else person) or person or company or row["number"]
    )
    if company:
        card.add("org").value = [company]
    if row.get("email"):
        email = card.add("email")
        email.value = row["email"]
        email.type_param = "INTERNET"
    if row.get("phone"):
        tel = card.add("tel")
        tel.value = row["phone"]
        tel.type_param = "CELL"
    if row.get("date_of_birth"):
        card.add("bday").value = row["date_of_birth"].isoformat()
    if row.get("website"):
        card.add("url").value = row["website"]
    if row.get("line1") or row.get("city"):
        card.add("adr").value = vobject.vcard.Address(
            street=row.get("line1") or "",
            extended=row.get("line2") or "",
            city=row.get("city") or "",
            region=row.get("region") or "",
            code=row.get("postal_code") or "",
            country=row.get("country") or "",
        )
    if row.get("tags"):
        card.add("categories").value = [t.strip() for t in str(row["tags"]).split(",") if t.strip()]
    card.add("uid").value = row["number"]
    text: str = card.serialize()
    return text
