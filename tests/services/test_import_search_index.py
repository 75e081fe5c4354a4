"""An import fills the search index per batch: the index equals what the per-row trigger gives."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlmodel import col

from crm_tui.models import Customer, CustomerSearch
from crm_tui.services.checks.database import check_database
from crm_tui.services.imports.service import ImportService
from crm_tui.services.registry import Services
from crm_tui.services.search.bulk_index import (
    FTS_TABLES,
    INSERT_TRIGGER,
    WORDS_TRIGGER,
    _words_trigger,
)

ROWS = [
    "Name,Email,Phone,Email 2,Address 1 - Street,Address 1 - City,Address 1 - Country",
    'Chloé Dubois,chloe@example.fr,+33 6 12 34 56 78,c.dubois@work.example,"1 Rue Haute",Paris,FR',
    "José Müller,jose.muller@example.de,+49 1512 3456789,,Hauptstraße 5,Berlin,DE",
    "Ana Lima,ana@example.pt,+351 912 345 678,ana.lima@casa.example,Rua Nova 2,Lisboa,PT",
    "Zoë O'Brien,zoe@example.ie,,,,,",
    "Kate Smith,,+44 7400 123456,,,,",
]


def _import(services: Services, tmp_path: Path, batch: int) -> None:
    path = tmp_path / "people.csv"
    path.write_text("\n".join(ROWS) + "\n", encoding="utf-8")
    summary = ImportService(services.ctx).run(
        path, refused_path=tmp_path / "refused.csv", batch=batch
    )
    assert summary.created == len(ROWS) - 1 and summary.refused == 0


def _index(db: sqlite3.Connection) -> dict[str, list[tuple[object, ...]]]:
    """Every token of each FTS5 index (term, row, column, offset), through fts5vocab."""
    out = {}
    for fts in FTS_TABLES:
        db.execute(
            f"CREATE VIRTUAL TABLE IF NOT EXISTS temp.v_{fts} USING fts5vocab(main, {fts}, instance)"
        )
        out[fts] = db.execute(f"SELECT * FROM temp.v_{fts} ORDER BY 1, 2, 3, 4").fetchall()
    return out


def test_batch_index_equals_the_triggers(services: Services, tmp_path: Path) -> None:
    """After an import in batches, each customer is found by its words and e-mails, the
    database check passes, and on SQLite the FTS5 indexes hold token for token what the
    per-row trigger writes for the same documents; the trigger is back as it was."""
    url = services.ctx.db.engine.url.render_as_string(hide_password=False)
    sqlite = make_url(url).get_backend_name() == "sqlite"
    before: list[str] = []
    if sqlite:
        with closing(sqlite3.connect(make_url(url).database or "")) as db:
            before = [db.execute("SELECT sql FROM sqlite_master WHERE name = ?",
                                 (name,)).fetchone()[0] for name in (INSERT_TRIGGER, WORDS_TRIGGER)]  # fmt: skip
        with services.ctx.read() as session:
            assert _words_trigger(session)[1], "the spelling trigger is filled per batch"
    _import(services, tmp_path, batch=2)
    for query, email in [("chlo", "chloe@example.fr"), ("muller", "jose.muller@example.de"),
                         ("casa.example", "ana@example.pt"), ("o'brien", "zoe@example.ie"),
                         ("07400 123456", None), ("work.example", "chloe@example.fr")]:  # fmt: skip
        rows = services.search.search(query).rows
        assert [r.email for r in rows] == [email] if email else len(rows) == 1, query
    assert check_database(services.ctx.db.engine, full=True).ok
    if not sqlite:
        return
    path = make_url(url).database or ""
    with closing(sqlite3.connect(path)) as db:
        assert [db.execute("SELECT sql FROM sqlite_master WHERE name = ?",
                           (name,)).fetchone()[0] for name in (INSERT_TRIGGER, WORDS_TRIGGER)] == before  # fmt: skip
        bulk = _index(db)
        words = db.execute("SELECT word FROM search_word ORDER BY word").fetchall()
        assert ("muller",) in words and ("brien",) in words
        db.execute("DELETE FROM search_word")
        # The same documents again, each through the trigger, one row at a time.
        docs = db.execute("SELECT customer_id, doc FROM customer_search").fetchall()
        db.execute("DELETE FROM customer_search")
        for row in docs:
            db.execute("INSERT INTO customer_search (customer_id, doc) VALUES (?, ?)", row)
        db.commit()
        assert _index(db) == bulk
        assert db.execute("SELECT word FROM search_word ORDER BY word").fetchall() == words
    assert all(bulk.values())
    with services.ctx.read() as session:
        ids = set(session.scalars(select(col(Customer.id))))
        assert set(session.scalars(select(col(CustomerSearch.customer_id)))) == ids
