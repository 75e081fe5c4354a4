"""insert_rows reads rows that give every column as they are and fills what a row
leaves out from the column's default, on both engines (executemany and COPY)."""

from __future__ import annotations

from typing import Any, cast

import pytest
from sqlalchemy import Table, delete, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import col

from crm_tui.models import Tag
from crm_tui.services.imports import refs
from crm_tui.services.imports.refs import ROWS_PER_INSERT, insert_rows
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


HOSTILE = ["plain", "", "O'Brien; DROP TABLE tag;--", 'q"uote', "emoji 😀", "é" * 500,
           "tab\tnew\nline", "?", "(?, ?)", "\u2028", "ß"]  # fmt: skip


def _tags(services: Services, count: int, offset: int) -> list[dict[str, Any]]:
    return [
        {"name": f"{HOSTILE[i % len(HOSTILE)]} {offset + i}", "name_key": f"k{offset + i}",
         **({"color": HOSTILE[(i * 7) % len(HOSTILE)]} if i % 3 else {})}
        for i in range(count)
    ]  # fmt: skip


def _stored(services: Services) -> list[tuple[Any, ...]]:
    with services.ctx.read() as session:
        query = select(col(Tag.id), col(Tag.name), col(Tag.name_key), col(Tag.color))
        return [tuple(r) for r in session.execute(query.order_by(col(Tag.id))).all()]


def test_rows_grouped_per_statement_as_one_by_one(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite inserts ROWS_PER_INSERT rows to a statement: the same rows, ids in the same
    order, as a statement per row, for counts around the group size; a clash in a group
    refuses the whole insert, as one by one."""
    if services.ctx.db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL inserts by COPY")
    table = cast(Table, Tag.__table__)  # type: ignore[attr-defined]
    counts = [1, ROWS_PER_INSERT - 1, ROWS_PER_INSERT, ROWS_PER_INSERT + 1, 3 * ROWS_PER_INSERT + 5]
    stored = {}
    for per in (ROWS_PER_INSERT, 1):
        monkeypatch.setattr(refs, "ROWS_PER_INSERT", per)
        with services.ctx.write() as session:
            session.execute(delete(Tag))
        offset = 0
        for count in counts:
            with services.ctx.write() as session:
                insert_rows(session, table, _tags(services, count, offset))
            offset += count
        with pytest.raises(IntegrityError), services.ctx.write() as session:
            insert_rows(session, table, _tags(services, 2 * ROWS_PER_INSERT, 0))  # names taken
        stored[per] = _stored(services)
    assert stored[ROWS_PER_INSERT] == stored[1]
    assert len(stored[1]) == sum(counts)


def _plain(first: int, count: int) -> list[dict[str, Any]]:
    return [{"name": f"t{n}", "name_key": f"t{n}"} for n in range(first, first + count)]


def test_inserting_runs_the_block_and_keeps_its_errors(services: Services) -> None:
    """inserting() saves the rows around the caller's block (on PostgreSQL the COPY ends
    after it): the block runs once, its own error comes out as it is with nothing saved,
    and a clash among the rows is a DBAPIError, as from insert_rows."""
    table = cast(Table, Tag.__table__)  # type: ignore[attr-defined]
    ran: list[int] = []
    with services.ctx.write() as session, refs.inserting(session, table, _plain(0, 40)):
        ran.append(1)
    assert ran == [1]
    assert len(_stored(services)) == 40
    tags = _plain(100, 5)
    with pytest.raises(KeyError), services.ctx.write() as s, refs.inserting(s, table, tags):
        raise KeyError("the block's own error")
    assert len(_stored(services)) == 40
    taken = _plain(0, 3)
    with pytest.raises(DBAPIError), services.ctx.write() as s, refs.inserting(s, table, taken):
        ran.append(2)
    # SQLite inserts before the block, so its clash comes first; COPY's comes at its end.
    postgres = services.ctx.db.engine.dialect.name == "postgresql"
    assert ran == ([1, 2] if postgres else [1])
    assert len(_stored(services)) == 40
