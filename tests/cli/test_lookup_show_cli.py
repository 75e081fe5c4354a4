"""`crm lookup`, `crm show`, `crm db` through the real entry point (subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from crm_tui.config import Settings
from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.registry import Services, open_services

HOSTILE = "[bold]x[/] \x1b]52;c;aGk=\x07\x1b]0;pwned\x07\x1b[31mred"


def crm(
    *args: str, db: str, env_extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CRM_DATABASE_URL": db, **(env_extra or {})}
    return subprocess.run(
        [sys.executable, "-m", "crm_tui", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.fixture
def seeded(sqlite_settings: Settings) -> tuple[str, Services]:
    services = open_services(sqlite_settings)
    services.customers.create(
        CustomerCreate(
            first_name="Ana", last_name="Lima", email="ana@example.pt", phone="+351 912 345 678"
        )
    )
    services.customers.create(
        CustomerCreate(first_name=HOSTILE, last_name="Smith", email="evil@example.com")
    )
    return sqlite_settings.database_url, services


def test_lookup_finds_by_phone_in_national_format(seeded: tuple[str, Services]) -> None:
    """A phone typed as the clerk hears it finds the customer; exit 0, tab-separated when piped."""
    db, _ = seeded
    result = crm("lookup", "912 345 678", db=db)
    assert result.returncode == 0, result.stderr
    assert "C-000001" in result.stdout and "Ana Lima" in result.stdout


def test_lookup_json_lines_are_stable(seeded: tuple[str, Services]) -> None:
    """--json prints one object per line with the documented keys."""
    db, _ = seeded
    result = crm("lookup", "ana", "--json", db=db)
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert rows and set(rows[0]) == {
        "id", "number", "name", "kind", "status", "email", "phone", "company",
        "lifetime_value", "currency", "active_subscriptions", "near_miss",
    }  # fmt: skip
    assert rows[0]["currency"] == "GBP"  # lifetime_value's: the reporting currency


def test_lookup_nothing_found_exits_1(seeded: tuple[str, Services]) -> None:
    """No match: exit 1 and one sentence on stderr."""
    db, _ = seeded
    result = crm("lookup", "qqqzzzxxx", db=db)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_show_prints_hostile_text_escaped(seeded: tuple[str, Services]) -> None:
    """Stored escape sequences never reach the terminal raw; markup is printed as typed."""
    db, _ = seeded
    result = crm("show", "evil@example.com", db=db, env_extra={"TERM": "xterm-256color"})
    assert result.returncode == 0, result.stderr
    assert "\x1b]52" not in result.stdout and "\x1b]0;" not in result.stdout
    assert "[bold]x[/]" in result.stdout
    assert "\\x1b]52;c;aGk=" in result.stdout


def test_show_json_schema(seeded: tuple[str, Services]) -> None:
    """--json gives one object with schema_version 1 and the stored values intact."""
    db, _ = seeded
    result = crm("show", "C-000002", "--json", db=db)
    card = json.loads(result.stdout)
    assert card["schema_version"] == 1
    assert card["first_name"] == HOSTILE
    assert set(card["figures"]) >= {"lifetime_value", "outstanding_balance", "active_subscriptions"}


def test_show_unknown_customer_exits_1(seeded: tuple[str, Services]) -> None:
    """An unknown reference is exit 1 with one sentence."""
    db, _ = seeded
    result = crm("show", "nobody@example.com", db=db)
    assert result.returncode == 1 and "No customer matches" in result.stderr


def test_bad_usage_exits_2(seeded: tuple[str, Services]) -> None:
    """A bad option is exit 2."""
    db, _ = seeded
    assert crm("lookup", "x", "--limit", "0", db=db).returncode == 2


def test_missing_database_is_one_sentence(tmp_path: Path) -> None:
    """Read-only on a missing file, and a PostgreSQL server that is down: one sentence, no traceback."""
    missing = crm("--read-only", "show", "1", db=str(tmp_path / "nope.sqlite3"))
    assert missing.returncode in (1, 2) and "Traceback" not in missing.stderr
    down = crm("show", "1", db="postgresql://postgres@127.0.0.1:1/x")
    assert down.returncode == 2 and "not answering" in down.stderr


def test_newer_schema_is_refused(seeded: tuple[str, Services]) -> None:
    """A database migrated by a newer app is refused with a sentence, not a crash."""
    db, services = seeded
    with services.ctx.db.engine.begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = '9999'")
    result = crm("show", "1", db=db)
    assert result.returncode == 2 and "newer version" in result.stderr


def test_demo_then_db_check_passes(sqlite_settings: Settings) -> None:
    """`crm demo` then `crm db check`: the stored figures agree with a recount."""
    db = sqlite_settings.database_url
    assert crm("demo", "--customers", "40", "--seed", "3", db=db).returncode == 0
    check = crm("db", "check", db=db)
    assert check.returncode == 0, check.stderr
    assert "40 customers checked" in check.stdout


def test_cli_does_not_import_textual() -> None:
    """The command line path never loads Textual."""
    code = (
        "import sys, crm_tui.cli.main, crm_tui.services.registry; print('textual' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("command", [["lookup", "smith"], ["show", "1"]])
def test_lookup_and_show_do_not_create_a_missing_database(
    tmp_path: Path, command: list[str]
) -> None:
    """A mistyped --db path is reported, not silently created as an empty file."""
    path = tmp_path / "typo.sqlite3"
    result = crm(*command, db=str(path))
    assert result.returncode == 2  # an environment problem, not "nothing matched"
    assert result.stderr.strip() == f"crm: There is no crm database at {path}."
    assert not path.exists()
