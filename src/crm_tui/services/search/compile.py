"""Compile the search's statements once per dialect into compiled.json (checked in).

    python -m crm_tui.services.search.compile

The lean read path of `crm lookup` runs these SQL texts through the DB-API
driver without importing SQLAlchemy; `tests/services/test_lean_search.py`
keeps the file equal to what this module compiles from `statements.build`,
so the expression stays the one source of truth. A shape that is not in the
file (a rare mix of words) makes the lean path hand over to the service.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

from sqlalchemy import Date, Select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect

from crm_tui.db.schema_head import REVISION_QUERY
from crm_tui.models.types import Money, UTCDateTime
from crm_tui.services.money.reporting import recorded_statement
from crm_tui.services.search.plan import Fetch, Kind
from crm_tui.services.search.query import Query, Term
from crm_tui.services.search.service import default_conditions
from crm_tui.services.search.statements import SEARCH_SESSION, build, set_config_statement

COMPILED = Path(__file__).with_name("compiled.json")


def dialects() -> dict[str, Dialect]:
    return {
        "sqlite": sqlite.dialect(paramstyle="named"),
        "postgresql": postgresql.psycopg.dialect(),  # type: ignore[no-untyped-call]
    }


def compiled_entry(stmt: Any, dialect: Dialect) -> dict[str, Any]:
    """{sql, constants (parameters not named q_...), columns [[key, conversion]]}."""
    compiled = stmt.compile(dialect=dialect)
    constants = {k: v for k, v in compiled.params.items() if not k.startswith("q_")}
    columns: list[list[str | None]] = []
    if isinstance(stmt, Select):
        for column in stmt.selected_columns:
            kind = None
            if isinstance(column.type, Money):
                kind = "money"
            elif isinstance(column.type, UTCDateTime):
                kind = "utc"
            elif isinstance(column.type, Date):
                kind = "date"
            columns.append([column.key, kind])
    return {"sql": str(compiled), "constants": constants, "columns": columns}


def _term(i: int, code: str) -> Term:
    word = "abcdefgh"[i] * 3
    if code == "p":
        return Term((word[:1],), prefix=True)
    return Term(tuple(f"{word}{n}" for n in range(int(code[1:]))), prefix=False)


def _query(codes: tuple[str, ...], **extra: Any) -> Query:
    return Query("x", tuple(_term(i, c) for i, c in enumerate(codes)), **extra)


def _fetches(on_sqlite: bool) -> list[Fetch]:
    """A representative fetch of every shape the lean path runs (first pages only; `browse`:
    the list with no query, by name, as the app starts)."""
    fetches = []
    for customer_id, email, phone in itertools.product((None, 1), (None, "a@b"), (None, "44")):
        if customer_id or email or phone:
            parsed = _query(("s1",), customer_id=customer_id, email_key=email, phone_digits=phone)
            fetches.append(Fetch("exact", parsed, on_sqlite))
    fetches.append(Fetch("browse", Query("", ()), on_sqlite, count=5))
    fetches.append(Fetch("spell", _query(("s1",)), on_sqlite, variants=(("abc", "abd"),)))
    fetches.append(Fetch("near", _query(("s1",)), on_sqlite, variants=(("abc", "abd"),)))
    exclusions: tuple[tuple[int, ...], ...] = ((), (1, 2))
    kinds: tuple[Kind, ...] = ("fts",) if on_sqlite else ("walk", "rest")
    if on_sqlite:
        signatures = [("p",), *(("s1",) + ("p",) * g for g in range(4))]
    else:
        codes = ("s1", "s2", "p")
        signatures = [*((c,) for c in codes), *itertools.product(codes, codes)]
        signatures += [*itertools.product(("s1", "p"), repeat=3), ("s1",) * 4]
    for kind, signature, exclude in itertools.product(kinds, signatures, exclusions):
        fetches.append(Fetch(kind, _query(signature), on_sqlite, exclude=exclude, count=5))
    return fetches


def catalogue() -> dict[str, dict[str, Any]]:
    """{dialect: {shape: {sql, constants, columns}}}, plus the few fixed statements."""
    result: dict[str, dict[str, Any]] = {}
    for name, dialect in dialects().items():
        on_sqlite = name == "sqlite"
        entries = {
            f.shape: compiled_entry(build(f, default_conditions()), dialect)
            for f in _fetches(on_sqlite)
        }
        entries["schema"] = compiled_entry(text(REVISION_QUERY), dialect)
        entries["currency"] = compiled_entry(recorded_statement(), dialect)
        if not on_sqlite:
            entries["session"] = compiled_entry(SEARCH_SESSION, dialect)
            entries["setting"] = compiled_entry(set_config_statement("x", "y"), dialect)
        result[name] = dict(sorted(entries.items()))
    return result


def as_text(entries: dict[str, Any]) -> str:
    """A catalogue as its checked-in file holds it (one format for every compiled.json)."""
    return json.dumps(entries, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}")


def render() -> str:
    return as_text(catalogue())


def main() -> None:
    write(COMPILED, render())


if __name__ == "__main__":
    main()
