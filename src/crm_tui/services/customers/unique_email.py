"""One customer per e-mail: the check before a write, and the clash a racing clerk causes."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.models import Customer
from crm_tui.services.errors import DuplicateEmail


def check_email_free(session: Session, key: str | None, own_id: int | None) -> None:
    """Refuse an e-mail another customer has (DuplicateEmail)."""
    if key is None:
        return
    query = select(col(Customer.id), col(Customer.email)).where(col(Customer.email_key) == key)
    if own_id is not None:
        query = query.where(col(Customer.id) != own_id)
    row = session.execute(query.limit(1)).first()
    if row is not None:
        raise DuplicateEmail(row[1] or key, row[0] or 0)


def flush_checking_email(session: Session, customer: Customer) -> None:
    """Flush; a unique-key clash on the e-mail becomes DuplicateEmail."""
    try:
        session.flush()
    except IntegrityError as exc:
        # Another clerk saved the same e-mail between our check and our write.
        if "email_key" in str(exc.orig).lower():
            existing = session.scalar(
                select(func.min(col(Customer.id))).where(
                    col(Customer.email_key) == customer.email_key
                )
            )
            raise DuplicateEmail(customer.email or "", int(existing or 0)) from exc
        raise
