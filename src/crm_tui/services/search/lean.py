"""The lean read path: `crm lookup` without SQLAlchemy, pydantic or the models.

A one-shot lookup spent most of its time importing SQLAlchemy and the
SQLModel classes (about 0.5 s) to run a query of a few milliseconds. Here the
same search (`ranking.first_page`, the statements of `plan`) runs over a
DB-API connection opened as the engine opens one (`db.connect`), with the SQL
texts compiled from the service's expressions (`compiled.json`), by the
runner the lean read paths share (`services.lean_reads`).

Only the plain case is handled: a database at this version's schema, opened
read-only, with a recorded reporting currency, default filters, a statement
shape in compiled.json. Anything else raises `Unusual` before a line is
printed and the caller runs the full path, which says what is wrong in its
own words: one copy of every rule about opening a database.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from crm_tui.config import Settings
from crm_tui.services.lean_reads import LeanReads as Reads
from crm_tui.services.lean_reads import Unusual as Unusual
from crm_tui.services.lean_reads import lean_reads, load_catalogue
from crm_tui.services.live.changes import NEWEST_CHANGE
from crm_tui.services.search.plan import Fetch, RowLike
from crm_tui.services.search.query import Query, parse_query
from crm_tui.services.search.ranking import first_page, to_row
from crm_tui.services.search.values import Cursor, Page

COMPILED = Path(__file__).with_name("compiled.json")


@cache
def catalogue(dialect: str) -> dict[str, Any]:
    return load_catalogue(COMPILED, dialect)


class LeanReads(Reads):
    """The search's compiled statements on one connection; runs a `Fetch` as the
    service's `statements` runs it."""

    def __init__(self, connection: Any, sqlite: bool) -> None:
        super().__init__(connection, sqlite, catalogue)

    def run(self, fetch: Fetch) -> list[RowLike]:
        for name, value in fetch.planner.items():
            self.execute("setting", {"q_name": name, "q_value": value})
        rows = self.rows(fetch.shape, fetch.params())
        for name in fetch.planner:
            self.execute("setting", {"q_name": name, "q_value": "on"})
        return rows


def lookup(settings: Settings, text: str, limit: int) -> tuple[Page, str]:
    """The first page of `crm lookup` (or of the app's list, with default filters and
    sort, while the app starts) and the reporting currency, or Unusual."""
    with lean_reads(settings, LeanReads) as reads:
        return _first_page(reads, settings, text, limit)


def list_start(settings: Settings, limit: int) -> tuple[Page, str, int]:
    """The app's list as it opens (every customer by name), the reporting currency, and
    the change log's newest id in the same snapshot (where the change feed takes over)."""
    with lean_reads(settings, LeanReads) as reads:
        page, currency = _first_page(reads, settings, "", limit)
        cursor = reads.connection.cursor()
        try:
            cursor.execute(NEWEST_CHANGE)
            newest = int(cursor.fetchone()[0])
        finally:
            cursor.close()
        return page, currency, newest


def _first_page(reads: LeanReads, settings: Settings, text: str, limit: int) -> tuple[Page, str]:
    recorded = reads.execute("currency")
    if not recorded or not recorded[0][0]:
        raise Unusual("no reporting currency recorded yet")
    if not reads.sqlite:
        reads.execute("session")
    parsed = parse_query(text, settings.default_region)
    page = first_page(reads, parsed, limit) if parsed.text else _by_name(reads, parsed, limit)
    return page, str(recorded[0][0])


def _by_name(reads: LeanReads, parsed: Query, limit: int) -> Page:
    """No query: the list's first page by name, as the service's `sorted_page` reads it
    (its cursor carries the default sort, relevance, as the list asks for it)."""
    rows = reads.run(Fetch("browse", parsed, reads.sqlite, count=limit + 1))
    has_more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1] if rows else None
    after = Cursor("relevance", False, 0, (last.sort_name, last.id)) if has_more and last else None
    return Page(tuple(to_row(r) for r in rows), after, has_more)
