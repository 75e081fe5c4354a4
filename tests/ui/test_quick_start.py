"""The quick start: the list paints from the lean read path while the services open behind it.

`crm` on a plain SQLite file at this schema starts the app on a `QuickStart`:
no SQLAlchemy or model class is imported before the list's rows are on
screen. These tests hold the services' opening back and check what the
user sees meanwhile (rows, answers to a query typed at once), what follows
once they open (the count), and that a commit made in between is not lost.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, closing
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from crm_tui.config import Settings
from crm_tui.services.customers.inputs import CustomerUpdate
from crm_tui.services.deferred import QuickStart, quick_start
from crm_tui.services.registry import Services, open_services
from crm_tui.ui.app import CrmApp
from crm_tui.ui.screens.customer_detail import CustomerDetailScreen
from crm_tui.ui.screens.customer_list import CustomerListScreen
from tests.ui.typeahead import type_ahead

SIZE = (80, 24)


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The services open only once the test sets this event."""
    release = threading.Event()
    real_open = QuickStart._open

    def held_open(self: QuickStart, *args: Any) -> None:
        release.wait(30)
        real_open(self, *args)

    monkeypatch.setattr(QuickStart, "_open", held_open)
    yield release
    release.set()


async def _until(pilot: Pilot[Any], done: Any, what: str) -> None:
    for _ in range(1000):
        if done():
            return
        await pilot.pause(0.01)
    screen = pilot.app.screen
    state = (getattr(screen, "request", None), getattr(screen, "_rows_for", None))
    raise AssertionError(f"never happened: {what} {state}")


def _list(app: CrmApp) -> CustomerListScreen:
    screen = app.screen
    assert isinstance(screen, CustomerListScreen)
    return screen


@asynccontextmanager
async def quick_app(settings: Settings) -> AsyncIterator[tuple[CrmApp, Pilot[Any], QuickStart]]:
    """The app on a quick start of `settings`, at 80x24; its services closed after."""
    quick = quick_start(settings)
    assert quick is not None
    app = CrmApp(quick)
    try:
        async with app.run_test(size=SIZE) as pilot:
            yield app, pilot, quick
    finally:
        quick.close()


async def _painted(app: CrmApp, pilot: Pilot[Any]) -> CustomerListScreen:
    await _until(pilot, lambda: _list(app).showing_newest, "the first page painted")
    return _list(app)


async def test_rows_and_typed_queries_come_before_the_services(
    demo_settings: Settings, demo_services: Services, held: threading.Event
) -> None:
    async with quick_app(demo_settings) as (app, pilot, quick):
        screen = await _painted(app, pilot)
        assert not quick.ready and not app.services_ready
        assert tuple(screen.table.loaded_rows) == demo_services.search.search("").rows
        assert screen.match_count is None  # the count waits for the services

        wanted = demo_services.search.search("").rows[7]
        query = wanted.display_name.split()[-1].lower()
        await pilot.press(*query)
        await _until(
            pilot,
            lambda: screen.showing_newest and screen.request.query == query,
            "the typed query answered",
        )
        assert not quick.ready  # answered on the lean path
        assert tuple(screen.table.loaded_rows) == demo_services.search.search(query).rows
        assert wanted.id in {row.id for row in screen.table.loaded_rows}

        held.set()
        await _until(pilot, lambda: screen.match_count is not None, "the count")
        count, exact = demo_services.search.count(query)
        assert screen.match_count == (count, exact)
        assert app.services_ready


async def test_a_commit_before_the_services_open_reaches_the_list(
    demo_settings: Settings, demo_services: Services, held: threading.Event
) -> None:
    """Another clerk renames a customer on screen after the list was read and before the
    change feed opened: the feed starts from the log's id the quick start read."""
    async with quick_app(demo_settings) as (app, pilot, quick):
        screen = await _painted(app, pilot)
        first = screen.table.loaded_rows[0]
        customer = demo_services.customers.get(first.id)
        demo_services.customers.update(
            first.id,
            CustomerUpdate(company_name="Aaaa Renamed Ltd")
            if customer.kind == "business"
            else CustomerUpdate(first_name="Aaaa", last_name="Aaaa"),
            expected_version=customer.version,
        )
        held.set()
        await _until(
            pilot,
            lambda: any(
                row.id == first.id and row.display_name.startswith("Aaaa")
                for row in screen.table.loaded_rows
            ),
            "the rename shown",
        )


def test_unusual_databases_start_the_full_way(
    demo_settings: Settings, tmp_path: Path, sqlite_template: Path
) -> None:
    """Each of these needs the services first (they say what is wrong, or fix it)."""
    assert quick_start(demo_settings) is not None
    fresh = tmp_path / "fresh.sqlite3"
    shutil.copy(sqlite_template, fresh)  # no reporting currency recorded yet
    assert quick_start(replace(demo_settings, database_url=f"sqlite:///{fresh}")) is None
    other = replace(demo_settings, reporting_currency="EUR", reporting_currency_explicit=True)
    assert quick_start(other) is None  # opening switches the currency first
    missing = replace(demo_settings, database_url=f"sqlite:///{tmp_path / 'none.sqlite3'}")
    assert quick_start(missing) is None
    postgres = replace(demo_settings, database_url="postgresql+psycopg://u@127.0.0.1:9/x")
    assert quick_start(postgres) is None  # the login's role decides what screens offer
    path = Path(demo_settings.database_url.removeprefix("sqlite:///"))
    with closing(sqlite3.connect(path)) as connection, connection:
        connection.execute("UPDATE alembic_version SET version_num = '0001'")
    assert quick_start(demo_settings) is None  # not at this schema: opening migrates it


def test_the_app_and_its_list_import_no_orm() -> None:
    """What runs before the list is painted imports neither SQLAlchemy nor the models."""
    code = (
        "import sys, crm_tui.ui.app, crm_tui.services.deferred, crm_tui.cli.main\n"
        "print(sorted(m for m in ('sqlalchemy', 'sqlmodel', 'pydantic', 'alembic')"
        " if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ
    )
    assert out.stdout.strip() == "[]"


def test_services_open_once_and_close(demo_settings: Settings) -> None:
    quick = quick_start(demo_settings)
    assert quick is not None
    services = quick.get()
    assert quick.get() is services and quick.ready
    assert quick.page("", 5) is None  # the services answer from now on
    quick.close()
    fresh = open_services(demo_settings)  # the file is left as it was: usable at once
    assert fresh.search.count("")[0] == 60
    fresh.close()


async def test_enter_typed_before_the_rows_opens_the_first_of_them(
    demo_settings: Settings, demo_services: Services, held: threading.Event
) -> None:
    """`crm`, then a name and Enter in one burst: the first customer of that query's rows
    opens, not the row highlighted before they came."""
    wanted = demo_services.search.search("").rows[9]
    query = wanted.display_name.split()[-1].lower()
    first = demo_services.search.search(query).rows[0]
    async with quick_app(demo_settings) as (app, pilot, _quick):
        await type_ahead(pilot, query, "enter")
        await _until(pilot, lambda: isinstance(app.screen, CustomerDetailScreen), "opened")
        screen = app.screen
        assert isinstance(screen, CustomerDetailScreen)
        assert screen.customer_id == first.id
        held.set()
        # The screen reads the customer once the services open; leaving before then would
        # tear the app down under a screen still mounting.
        await _until(pilot, lambda: screen.customer is not None, "the customer read")
        assert screen.customer is not None and screen.customer.id == first.id


FROZEN = """
import asyncio, gc, sys
from crm_tui.config import Settings
from crm_tui.factory import make_app
from crm_tui.services.deferred import quick_start

async def main() -> None:
    quick = quick_start(Settings(database_url=sys.argv[1], clerk="t"))
    app = make_app(quick, freeze_after_start=sys.argv[2] == "crm")
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(3000):
            if app.services_ready and app.screen.match_count is not None:
                break
            await pilot.pause(0.01)
        print(gc.get_freeze_count())
    quick.close()

asyncio.run(main())
"""


@pytest.mark.parametrize("process", ["crm", "tests"])
def test_the_crm_process_freezes_what_it_started_with(
    demo_settings: Settings, process: str
) -> None:
    """Once the list is painted and the services are open, `crm`'s one app moves what
    exists (modules, classes, mappers, styles) out of the collector's walk; an app in a
    process that runs many (tests) does not, or apps not yet collected would stay."""
    out = subprocess.run(
        [sys.executable, "-c", FROZEN, demo_settings.database_url, process],
        capture_output=True,
        text=True,
        check=True,
        env=os.environ,
        timeout=300,
    )
    frozen = int(out.stdout.strip().splitlines()[-1])
    assert frozen > 100_000 if process == "crm" else frozen == 0
