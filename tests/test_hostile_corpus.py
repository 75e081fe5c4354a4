"""Every string of tests/data/hostile.txt through create -> list -> detail -> show -> export -> import.

Each string is stored exactly (after the usual trim of surrounding
whitespace) or, for card numbers, NUL, unencodable and over-long text,
refused with a one-sentence message. Stored strings are shown literally:
no markup, link or action in the app, no control character written raw to
a terminal by `crm show`, and they survive an export and re-import intact.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from textual.geometry import Region
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, Static

from crm_tui.cli.main import cli
from crm_tui.config import Settings
from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.errors import ValidationError
from crm_tui.services.registry import Services, open_services
from crm_tui.text import literal

CORPUS = Path(__file__).parent / "data" / "hostile.txt"
_ESCAPE = re.compile(r"\\(\\|n|r|t|e|x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8})")
_NAMED = {"\\": "\\", "n": "\n", "r": "\r", "t": "\t", "e": "\x1b"}
# What must never reach a terminal raw: C0 (but newline), DEL, C1, bidi controls.
UNSAFE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class Entry:
    """One corpus string: its line number, the decoded text, and whether it must be refused."""

    line: int
    text: str
    refuse: bool

    @property
    def stored(self) -> str:
        return self.text.strip()


def decode(raw: str) -> str:
    """The escape rules documented at the top of hostile.txt."""

    def one(match: re.Match[str]) -> str:
        code = match.group(1)
        return _NAMED[code] if code in _NAMED else chr(int(code[1:], 16))

    return _ESCAPE.sub(one, raw)


def load_corpus(path: Path = CORPUS) -> list[Entry]:
    entries = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line or line.startswith("#"):
            continue
        refuse = line.startswith("!refuse ")
        if refuse:
            line = line.removeprefix("!refuse ")
        repeat = re.match(r"!repeat (\d+) ", line)
        if repeat:
            unit = decode(line[repeat.end() :])
            size = int(repeat.group(1))
            text = (unit * (size // len(unit) + 1))[:size]
        else:
            text = decode(line)
        entries.append(Entry(number, text, refuse))
    return entries


ENTRIES = load_corpus()
STORED = [e for e in ENTRIES if not e.refuse]


def email_for(entry: Entry) -> str:
    return f"hostile{entry.line}@example.com"


def store_all(services: Services) -> tuple[dict[int, int], dict[int, str]]:
    """Create one customer per entry (last name = the string); (ids, refusal messages) by line."""
    ids: dict[int, int] = {}
    refused: dict[int, str] = {}
    for entry in ENTRIES:
        data = {"first_name": "Hostile", "last_name": entry.text, "email": email_for(entry)}
        try:
            ids[entry.line] = services.customers.create(CustomerCreate(**data)).id
        except ValidationError as exc:
            refused[entry.line] = exc.message
    return ids, refused


def test_corpus_format_is_decoded_as_documented() -> None:
    """Escapes, directives and the generator line decode as the file's header says."""
    assert decode(r"a\\b\e[31m\x07\u202e\U0001F600\q") == "a\\b\x1b[31m\x07\u202e\U0001f600\\q"
    by_line = {e.line: e for e in ENTRIES}
    long = [e for e in ENTRIES if len(e.text) >= 10_000]
    assert sorted(len(e.text) for e in long) == [10_000] * 4 + [10_001]
    assert any("\x00" in e.text and e.refuse for e in ENTRIES)
    assert any("[@click=app.quit]" in e.text for e in ENTRIES)
    assert len(by_line) == len(ENTRIES) >= 90


def test_each_string_is_stored_exactly_or_refused(services: Services) -> None:
    """Stored strings read back exactly and are found in the list; refusals are one sentence."""
    ids, refused = store_all(services)
    print(
        f"\nhostile corpus: {len(ENTRIES)} strings, {len(ids)} stored, {len(refused)} refused "
        f"({services.ctx.db.dialect})"
    )
    assert sorted(refused) == sorted(e.line for e in ENTRIES if e.refuse)
    for message in refused.values():
        assert "\n" not in message and message.endswith("."), message
        assert not UNSAFE.search(message), message
    search = services.search
    for entry in STORED:
        customer = services.customers.get(ids[entry.line])
        assert customer.last_name == entry.stored, entry.line
        page = search.search(email_for(entry))
        assert [r.id for r in page.rows] == [customer.id], entry.line
        assert page.rows[0].display_name == customer.display_name
        search.search(entry.text[:200])  # the string as a query: any result, never an error
    assert services.customers.count() == len(ids)


@pytest.fixture
def stored(sqlite_settings: Settings) -> tuple[Settings, dict[int, int]]:
    """A SQLite database holding one customer per storable corpus string."""
    services = open_services(sqlite_settings)
    try:
        ids, _ = store_all(services)
    finally:
        services.close()
    return sqlite_settings, ids


def test_crm_show_never_writes_raw_control_characters(
    stored: tuple[Settings, dict[int, int]],
) -> None:
    """`crm show` prints each string escaped (no ESC, BEL, C1, bidi); --json keeps it exact."""
    settings, _ = stored
    runner = CliRunner()
    for entry in STORED:
        args = ["--db", settings.database_url, "show", email_for(entry)]
        shown = runner.invoke(cli, args, catch_exceptions=False)
        assert shown.exit_code == 0, (entry.line, shown.output)
        assert not UNSAFE.search(shown.output), (entry.line, shown.output[:200])
        as_json = runner.invoke(cli, [*args, "--json"], catch_exceptions=False)
        assert as_json.exit_code == 0 and as_json.output.isascii()
        assert json.loads(as_json.output)["last_name"] == entry.stored, entry.line


def test_crm_lookup_prints_each_name_as_the_app_shows_it(
    stored: tuple[Settings, dict[int, int]],
) -> None:
    """Piped `crm lookup` prints each name through the same literal() as the app's list."""
    settings, ids = stored
    services = open_services(settings)
    try:
        names = {e.line: services.customers.get(ids[e.line]).display_name for e in STORED}
    finally:
        services.close()
    runner = CliRunner()
    for entry in STORED:
        args = ["--db", settings.database_url, "lookup", email_for(entry)]
        result = runner.invoke(cli, args, catch_exceptions=False)
        assert result.exit_code == 0, (entry.line, result.output)
        line = result.output.removesuffix("\n")
        assert line.split("\t")[1] == literal(names[entry.line]), entry.line
        assert not UNSAFE.search(line.replace("\t", " ")), (entry.line, line[:200])


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "vcf"])
def test_export_then_import_keeps_every_string(
    stored: tuple[Settings, dict[int, int]], sqlite_template: Path, tmp_path: Path, fmt: str
) -> None:
    """Exported and imported into an empty database, every string comes back unchanged."""
    from crm_tui.services.exports.service import ExportService
    from crm_tui.services.imports.service import ImportService

    settings, _ = stored
    source = open_services(settings)
    try:
        out = tmp_path / f"hostile.{fmt}"
        result = ExportService(source.ctx).export(out)
        assert result.rows == len(STORED)
    finally:
        source.close()
    if fmt == "csv":  # no cell a spreadsheet would run as a formula
        with out.open(newline="", encoding="utf-8-sig") as handle:
            cells = [c for row in csv.reader(handle) for c in row]
        assert not [c for c in cells if c[:1] in ("=", "+", "@") and not c[1:].isdigit()]
    target_path = tmp_path / "copy.sqlite3"
    shutil.copy(sqlite_template, target_path)
    target = open_services(Settings(database_url=f"sqlite:///{target_path}", clerk="t"))
    try:
        summary = ImportService(target.ctx).run(out, refused_path=tmp_path / "refused.csv")
        assert summary.refused == 0, summary.examples[:3]
        for entry in STORED:
            customer = target.customers.resolve(email_for(entry))
            expected = entry.stored
            if fmt == "vcf":  # vCard escapes newlines (RFC 6350) but has no way to keep a bare CR
                expected = expected.replace("\r", "\n")
            assert customer.last_name == expected, (fmt, entry.line)
    finally:
        target.close()


def rendered_problems(widget: Widget) -> list[str]:
    """Raw control characters, links or click actions in what `widget` would paint."""
    problems = []
    strips = widget.render_lines(Region(0, 0, widget.size.width, widget.size.height))
    for strip in strips:
        for segment in strip:
            if UNSAFE.search(segment.text):
                problems.append(f"{type(widget).__name__} paints {segment.text!r}")
            style = segment.style
            if style is not None and (style.link or "@click" in (style.meta or {})):
                problems.append(f"{type(widget).__name__} links {segment.text!r}")
    return problems


def screen_problems(screen: Screen[Any]) -> list[str]:
    return [
        problem
        for widget in screen.query("*")
        if widget.display and widget.size.area
        for problem in rendered_problems(widget)
    ]


async def settle(pilot: Pilot[Any]) -> None:
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


OPENED_IN_DETAIL = ("[@click=app.quit]", "\x1b]8;;", "\u202eevil", "\x1b]52;c;", "[link=")


async def test_app_lists_and_opens_each_string_literally(
    stored: tuple[Settings, dict[int, int]],
) -> None:
    """In one app run: each string found in the list, shown escaped, no link/action/raw control."""
    from crm_tui.factory import make_app
    from crm_tui.ui.screens.customer_detail import CustomerDetailScreen
    from crm_tui.ui.widgets.list.customer_table import CustomerTable

    settings, ids = stored
    services = open_services(settings)
    names = {e.line: services.customers.get(ids[e.line]).display_name for e in STORED}
    opened = 0
    try:
        async with make_app(services).run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            assert screen_problems(pilot.app.screen) == []
            for entry in STORED:
                pilot.app.screen.query_one("#search-input", Input).value = email_for(entry)
                table = pilot.app.screen.query_one(CustomerTable)
                for _ in range(20):
                    await settle(pilot)
                    if table.current_id == ids[entry.line] and table.row_count == 1:
                        break
                assert table.current_id == ids[entry.line] and table.row_count == 1, entry.line
                cells = [str(c) for c in table.cells(0)]
                assert literal(names[entry.line]) in cells, entry.line
                assert rendered_problems(table) == [], entry.line
                if any(marker in entry.text for marker in OPENED_IN_DETAIL):
                    table.focus()
                    await pilot.press("enter")
                    await settle(pilot)
                    detail = pilot.app.screen
                    assert isinstance(detail, CustomerDetailScreen), entry.line
                    title = detail.query_one("#header-title", Static).render()
                    assert literal(names[entry.line]) in str(title), entry.line
                    for key in "16":  # overview (header, fields) and history (old and new values)
                        await pilot.press(key)
                        await settle(pilot)
                        assert screen_problems(pilot.app.screen) == [], (entry.line, key)
                    await pilot.press("escape")
                    await settle(pilot)
                    opened += 1
            assert pilot.app.is_running
            assert opened >= len(OPENED_IN_DETAIL)
    finally:
        services.close()


@pytest.mark.parametrize("command", ["show", "lookup", "erase"])
def test_undecodable_command_line_bytes_are_one_sentence(
    sqlite_settings: Settings, command: str
) -> None:
    """Bytes that are not UTF-8 on the command line (lone surrogates) exit 2 or 1, no traceback."""
    result = CliRunner().invoke(
        cli, ["--db", sqlite_settings.database_url, command, "ab\udcff@x.com"]
    )
    assert result.exit_code in (1, 2), result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
