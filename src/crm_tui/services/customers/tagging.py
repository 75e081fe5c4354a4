"""The tags one customer carries, set as a whole."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.models import CustomerTag, Tag
from crm_tui.services import history
from crm_tui.services.common import ensure_tag
from crm_tui.services.validation import clean_text, text_key


def set_customer_tags(
    session: Session, customer_id: int, tags: Iterable[str], *, actor: str
) -> None:
    """Make the customer carry exactly these tags (created if new), with one history line."""
    wanted: dict[str, str] = {}
    for raw in tags:
        name = clean_text("tags", raw, max_len=64)
        if name:
            wanted.setdefault(text_key(name), name)
    current = session.execute(
        select(col(Tag.name_key), col(Tag.id), col(Tag.name))
        .join(CustomerTag, col(CustomerTag.tag_id) == col(Tag.id))
        .where(col(CustomerTag.customer_id) == customer_id)
    ).all()
    existing = {key: tag_id for key, tag_id, _name in current}
    old_names = sorted((name for _key, _id, name in current), key=text_key)
    removed = set(existing) - set(wanted)
    added = [key for key in wanted if key not in existing]
    for key in removed:
        session.execute(
            delete(CustomerTag).where(
                col(CustomerTag.customer_id) == customer_id,
                col(CustomerTag.tag_id) == existing[key],
            )
        )
    for key in added:
        tag_id = ensure_tag(session, wanted[key])
        session.add(CustomerTag(customer_id=customer_id, tag_id=tag_id))
    if removed or added:
        session.flush()
        history.record_customer(
            session,
            customer_id,
            actor=actor,
            action="update",
            changes={
                "tags": (
                    ", ".join(old_names) or None,
                    ", ".join(sorted(wanted.values(), key=text_key)) or None,
                )
            },
        )
