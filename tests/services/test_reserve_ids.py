"""reserve_ids: fresh ids for explicit inserts, on both engines, never handed out twice."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import col

from crm_tui.models import Tag
from crm_tui.services.common import ensure_tag, reserve_ids
from crm_tui.services.registry import Services


def test_reserved_ids_are_fresh_and_in_order(services: Services) -> None:
    """Each call gives `count` ascending ids past every id in use; a plain insert after
    them takes an id past them all, and none is reserved twice (PostgreSQL: from the
    table's own sequence)."""
    with services.ctx.write() as session:
        first = ensure_tag(session, "before")
        taken = reserve_ids(session, Tag, 5)
        assert taken == sorted(taken) and len(set(taken)) == 5 and min(taken) > first
        for tag_id, name in zip(taken, "abcde", strict=True):
            session.add(Tag(id=tag_id, name=name, name_key=name))
        session.flush()
        more = reserve_ids(session, Tag, 3)
        assert len(set(more)) == 3 and min(more) > max(taken)
        after = ensure_tag(session, "after")
        assert after > max(taken)
        assert reserve_ids(session, Tag, 0) == []
    with services.ctx.read() as session:
        assert len(session.scalars(select(col(Tag.id))).all()) == 7
