"""The lean read path of `crm lookup` gives what the search service gives, on both engines.

The lean path (`services.search.lean`) runs the SQL compiled from the
service's expressions (`compiled.json`) through the DB-API driver; these
tests keep the file equal to the expressions and run both paths over demo
data and hostile queries, comparing whole pages.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import text

from crm_tui.config import Settings
from crm_tui.db.connect import postgres_connect_args
from crm_tui.models.enums import CustomerKind
from crm_tui.naming import BUSINESS
from crm_tui.services.demo.builder import DemoBuilder
from crm_tui.services.errors import ValidationError
from crm_tui.services.registry import Services, open_services
from crm_tui.services.search import SearchFilters, lean, limits
from crm_tui.services.search.compile import COMPILED, render
from crm_tui.services.search.plan import Fetch
from crm_tui.services.search.query import check_query, parse_query
from tests.test_hostile_corpus import ENTRIES

# psycopg too: on PostgreSQL the lean paths read straight over libpq (db.libpq).
HEAVY = ("sqlalchemy", "sqlmodel", "pydantic", "textual", "psycopg")


@pytest.fixture
def demo(db_url: str) -> Iterator[tuple[Settings, Services]]:
    """80 demo customers on each engine, the reporting currency recorded."""
    settings = Settings(database_url=db_url, clerk="tester", default_region="GB")
    services = open_services(settings)
    DemoBuilder(services.ctx, seed=3, as_of=date(2026, 1, 15), invoices=False).run(80)
    yield settings, services
    services.close()


def _queries(services: Services) -> list[str]:
    """Every kind of query the search benchmark times, from real customers, plus oddities."""
    rows = services.search.search("", SearchFilters(), limit=40).rows
    person = next(r for r in rows if r.kind == "individual" and r.phone and r.email)
    company = next(r for r in rows if r.kind == "business" and r.company_name)
    first, _, last = person.display_name.partition(" ")
    digits = (person.phone or "").lstrip("+")
    typo = last[0] + last[2] + last[1] + last[3:] if len(last) > 3 else last + "x"
    return [
        last,
        last.upper(),
        f"{first} {last}",
        f"{first[:2]} {last[:2]}",
        first[:1],
        first[:2],
        f"{last} {first[:1]}",
        person.email or "",
        (person.email or "").upper(),
        person.phone or "",
        digits,
        " ".join(digits[i : i + 3] for i in range(0, len(digits), 3)),
        f"({digits[:3]}) {digits[3:6]}-{digits[6:]}",
        digits[-6:],
        person.number,
        person.number.replace("C-", "c").lstrip("0"),
        str(person.id),
        typo,
        f"{typo} {first}",
        (company.company_name or "").split()[0],
        "a",
        "e e",
        "zzzzqqq",
        "ÿ",
        "o'brien",
        "%_\\",
        "*",
        "ann-marie",
        "c-000001",
        "12",
        "",  # the list as the app starts: every customer by name (merged ones hidden)
        "   ",
    ]


def _compare(settings: Settings, services: Services, query: str, limit: int) -> bool:
    """Both paths on one query; False when the lean path handed over (Unusual)."""
    expected = services.search.search(query, SearchFilters(), limit=limit)
    try:
        page, currency = lean.lookup(settings, query, limit)
    except lean.Unusual:
        return False
    assert page == expected, query
    assert currency == services.ctx.reporting_currency
    return True


def test_compiled_statements_match_the_service_expressions() -> None:
    """compiled.json is what the service's statements compile to (regenerate: python -m
    crm_tui.services.search.compile)."""
    assert COMPILED.read_text(encoding="utf-8") == render()


def test_business_kind_is_the_enum_value() -> None:
    """The name rule's business kind is the model's."""
    assert CustomerKind.BUSINESS.value == BUSINESS


@pytest.mark.parametrize("small", [False, True], ids=["limits", "small-windows"])
def test_lean_lookup_equals_the_service(
    demo: tuple[Settings, Services], small: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every kind of query gives the same page (rows, order, figures, near misses) both ways;
    with small windows the tail, the exclusions and PostgreSQL's GIN-driven rest are reached."""
    settings, services = demo
    if small:
        monkeypatch.setattr(limits, "RANK_WINDOW", 4)
        monkeypatch.setattr(limits, "PG_WALK_IDS", 10)
        monkeypatch.setattr(limits, "PG_WALK_IDS_PREFIX", 5)
    handed_over = []
    for query in _queries(services):
        for limit in (1, 3, 20, 200):
            if not _compare(settings, services, query, limit):
                handed_over.append(query)
    # Every common shape is compiled: nothing above needed the full path.
    assert handed_over == []


def test_hostile_queries_agree_or_hand_over(demo: tuple[Settings, Services]) -> None:
    """Every hostile.txt string the command accepts: the same page, or the full path
    (a shape not compiled, e.g. five words on PostgreSQL), never a different answer."""
    settings, services = demo
    accepted = ran = 0
    for entry in ENTRIES:
        try:
            check_query(entry.text)
        except ValidationError:
            continue  # refused by the command before any path runs
        accepted += 1
        ran += _compare(settings, services, entry.text, 20)
    assert accepted > 80 and ran >= accepted * 0.75, (accepted, ran)


@pytest.mark.parametrize(
    "change",
    [
        "UPDATE alembic_version SET version_num = '0001'",
        "DELETE FROM reporting_currency",
    ],
    ids=["older-schema", "no-currency-recorded"],
)
def test_unusual_databases_hand_over(demo: tuple[Settings, Services], change: str) -> None:
    """An older schema or no recorded currency is the full path's to judge (and to word)."""
    settings, services = demo
    assert lean.lookup(settings, "a", 5)[0].rows
    with services.ctx.db.write() as session:
        session.execute(text(change))
    with pytest.raises(lean.Unusual):
        lean.lookup(settings, "a", 5)


def test_a_shape_not_compiled_hands_over() -> None:
    """Seven words on PostgreSQL have no compiled statement: the full path runs them."""
    fetch = Fetch("walk", parse_query("aaa b ccc d eee f ggg", "GB"), False, count=1)
    with pytest.raises(lean.Unusual):
        lean.LeanReads(None, False).execute(fetch.shape)


def test_lookup_imports_no_orm_and_no_ui(demo: tuple[Settings, Services]) -> None:
    """`crm lookup` (and --json) as a process never imports SQLAlchemy, SQLModel, pydantic,
    Textual or psycopg on a plain database; a name looked up --json not phonenumbers
    either (no phone to read or format), nor ctypes on SQLite (libpq's)."""
    settings, services = demo
    query = services.search.search("", SearchFilters(), limit=1).rows[0].display_name.split()[0]
    lean_json = {"phonenumbers"} | (
        {"ctypes"} if settings.database_url.startswith("sqlite") else set()
    )
    for extra in ([], ["--json"]):
        unwanted = set(HEAVY) | (lean_json if extra else set())
        probe = (
            "import sys\n"
            "from crm_tui.cli.main import cli\n"
            "try:\n"
            f"    cli.main(['lookup', {query!r}, *{extra!r}], prog_name='crm', "
            "standalone_mode=False)\n"
            "except SystemExit:\n"
            "    pass\n"
            f"print('LOADED', sorted({{m.split('.')[0] for m in sys.modules}} & {unwanted!r}))\n"
        )
        env = {**os.environ, "CRM_DATABASE_URL": settings.database_url}
        result = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=False
        )
        assert result.returncode == 0, result.stderr
        assert "LOADED []" in result.stdout, result.stdout[-500:]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgresql+psycopg://al%40x:p%3Ass@db.example:5433/crm%20team?sslmode=verify-full",
            {
                "host": "db.example",
                "port": 5433,
                "user": "al@x",
                "password": "p:ss",
                "dbname": "crm team",
                "sslmode": "verify-full",
            },
        ),
        ("postgresql+psycopg:///crm?service=team", {"dbname": "crm", "service": "team"}),
        ("postgresql+psycopg://u:pa:ss@@h/crm", None),
        ("postgresql+psycopg://h1,h2/crm", None),
        ("postgresql+psycopg://h:port/crm", None),
        ("postgresql+psycopg2://h/crm", None),
    ],
)
def test_postgres_urls_the_lean_path_opens(url: str, expected: dict[str, object] | None) -> None:
    """Plain URLs become psycopg's keywords as SQLAlchemy passes them; anything odd is left
    to the full path (which words the problem)."""
    assert postgres_connect_args(url) == expected
