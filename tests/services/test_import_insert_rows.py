"""insert_rows reads rows that give every column as they are and fills what a row
leaves out from the column's default, on both engines (executemany and COPY)."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, select
from sqlmodel import col

from crm_tui.models import Tag
from crm_tui.services.imports.refs import insert_rows
from crm_tui.services.registry import Services


def test_rows_whole_and_short_in_one_batch(services: Services) -> None:
    rows: list[dict[str, Any]] = [
        {"name": "Whole", "name_key": "whole", "color": "red"},
        {"name": "Short", "name_key": "short"},  # no colour: the column's default
        {"name": "Whole again", "name_key": "whole again", "color": "green"},
    ]
    with services.ctx.write() as session:
        insert_rows(session, cast(Table, Tag.__table__), rows)  # type: ignore[attr-defined]
    with services.ctx.read() as session:
        found = dict(session.execute(select(col(Tag.name), col(Tag.color))).all())
    assert found == {"Whole": "red", "Short": "blue", "Whole again": "green"}
