"""Shared rows an import refers to by name: tags and billing groups (created when missing)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.models import BillingGroup, Tag
from crm_tui.services.customers import ensure_tag
from crm_tui.services.validation import text_key


def tag_ids_for(session: Session, names: set[str]) -> dict[str, int]:
    if not names:
        return {}
    keys = {text_key(n): n for n in names}
    ids = dict(
        session.execute(
            select(col(Tag.name_key), col(Tag.id)).where(col(Tag.name_key).in_(list(keys)))
        ).all()
    )
    for key, name in keys.items():
        if key not in ids:
            ids[key] = ensure_tag(session, name)
    return {k: int(v) for k, v in ids.items() if v is not None}


def billing_group_ids(
    session: Session, names: set[str | None], *, create: bool = True
) -> dict[str, int]:
    wanted = {n for n in names if n}
    if not wanted:
        return {}
    ids = {name: gid for name, gid in session.execute(
        select(col(BillingGroup.name), col(BillingGroup.id)).where(col(BillingGroup.name).in_(wanted))).all()}  # fmt: skip
    for name in wanted - set(ids) if create else ():
        group = BillingGroup(name=name)
        session.add(group)
        session.flush()
        ids[name] = group.id
    return {k: int(v) for k, v in ids.items() if v is not None}
