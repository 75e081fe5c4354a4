"""One exit-code contract for every command, through every bad case (issue 19).

Each case runs `crm` in its own process (tests/cli/crm_runner.py forks one
warm interpreter per case) and checks the exit code, that stderr is one
sentence starting with "crm: " and that no traceback appears anywhere:

- every command that opens a database x every way a database can be wrong
  (missing file or folder, a folder, a text file, an empty file, unsupported
  or malformed URLs, and on PostgreSQL a missing database, an unknown user,
  a wrong password, a server that is down, an empty database);
- file targets that must never be written over, unreadable queries,
  read-only mode, missing terminals, usage mistakes;
- every string of tests/data/hostile.txt as a search, a reference and an
  export query.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import stat
import subprocess
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from crm_tui.config import Settings
from crm_tui.services.demo.builder import DemoBuilder
from crm_tui.services.registry import open_services
from tests.cli.crm_runner import Outcome, run_cases
from tests.conftest import PG_ADMIN_DEFAULT
from tests.test_hostile_corpus import ENTRIES, UNSAFE

PG_ADMIN = os.environ.get("CRM_TEST_PG_URL") or PG_ADMIN_DEFAULT
PG_HOST = "postgresql://postgres@127.0.0.1:5432"
PASSWORD_GROUP = "crm_password_login"  # pg_hba: members must give their password

# name -> (arguments, how the command opens the database)
COMMANDS: dict[str, tuple[list[str], str]] = {
    "lookup": (["lookup", "ana"], "read"),
    "show": (["show", "1"], "read"),
    "export": (["export", "{out}.csv"], "read"),
    "export-person": (["export", "{out}.json", "--customer", "1"], "read"),
    "import-dry-run": (["import", "{data}/people.csv", "--dry-run"], "read"),
    "db-check": (["db", "check"], "check"),
    "merge": (["merge", "1", "2", "--yes"], "write"),
    "erase": (["erase", "3", "--yes"], "write"),
    "import": (["import", "{data}/people.csv"], "create"),
    "demo": (["demo", "-n", "2"], "create"),
    "db-upgrade": (["db", "upgrade"], "create"),
    "db-secure": (["db", "secure"], "secure"),
}
NO_DB = "There is no crm database at"


@dataclass(frozen=True)
class DbCase:
    """A way the database can be wrong, and what each kind of command must say."""

    url: str  # {here} is the case's own folder
    expect: dict[
        str, tuple[int, str] | None
    ]  # access -> (code, stderr fragment); None: not a bad case
    pg: bool = False

    def expected(self, access: str) -> tuple[int, str] | None:
        return self.expect.get(access, self.expect.get("*"))


def _every(code: int, fragment: str) -> dict[str, tuple[int, str] | None]:
    return {"*": (code, fragment)}


PG_SECURE = (2, "crm db secure is for SQLite files")
DB_CASES: dict[str, DbCase] = {
    "missing-file": DbCase("{here}/nope.sqlite3", {"*": (2, NO_DB), "create": None}),
    "missing-folder": DbCase(
        "{here}/no-folder/crm.sqlite3", {"*": (2, NO_DB), "create": (2, "does not exist")}
    ),
    "folder": DbCase("{here}/folder.sqlite3", _every(2, "is a folder, not a crm database")),
    "text-file": DbCase(
        "{here}/text.sqlite3",
        {
            "*": (2, "is not a crm database"),
            "check": (1, "found; `crm db repair` mends"),
            "secure": None,
        },
    ),
    "empty-file": DbCase(
        "{here}/empty.sqlite3",
        {
            "*": (2, NO_DB),
            "check": (1, "found; `crm db repair` mends"),
            "create": None,
            "secure": None,
        },
    ),
    "mysql": DbCase("mysql://crm@localhost/crm", _every(2, "mysql:// databases are not supported")),
    "psycopg2": DbCase(
        "postgresql+psycopg2://postgres@127.0.0.1/crm", _every(2, "through psycopg 3")
    ),
    "port-not-a-number": DbCase(
        "postgresql://postgres@127.0.0.1:abc/crm", _every(2, "must be a number from 1 to 65535")
    ),
    "port-out-of-range": DbCase(
        "postgresql://postgres@127.0.0.1:99999/crm", _every(2, "must be a number from 1 to 65535")
    ),
    "two-ats": DbCase("postgresql://u:pa:ss@@127.0.0.1/crm", _every(2, "more than one @")),
    "pg-missing-db": DbCase(
        PG_HOST + "/crm_test_no_such_db",
        {
            "*": (2, "There is no PostgreSQL database called crm_test_no_such_db"),
            "secure": PG_SECURE,
        },
        pg=True,
    ),
    "pg-unknown-user": DbCase(
        "postgresql://crm_test_no_such_user@127.0.0.1:5432/postgres",
        {"*": (2, "PostgreSQL has no user called crm_test_no_such_user"), "secure": PG_SECURE},
        pg=True,
    ),
    "pg-wrong-password": DbCase(
        "postgresql://{pw_user}:wrong@127.0.0.1:5432/postgres",
        {"*": (2, "PostgreSQL refused the password for user"), "secure": PG_SECURE},
        pg=True,
    ),
    "pg-down": DbCase(
        "postgresql://postgres@127.0.0.1:1/postgres",
        {"*": (2, "The PostgreSQL server at 127.0.0.1:1 is not answering"), "secure": PG_SECURE},
        pg=True,
    ),
    "pg-empty-db": DbCase(
        PG_HOST + "/{empty_pg}",
        {
            "*": (2, NO_DB),
            "check": (1, "found; `crm db repair` mends"),
            "create": None,
            "secure": PG_SECURE,
        },
        pg=True,
    ),
}


@dataclass
class Workspace:
    """Folders, files and databases the cases point at."""

    root: Path
    env: dict[str, str]
    good: Path  # a migrated SQLite database with demo customers
    pg: dict[str, str]  # placeholders for PostgreSQL URLs; empty when no server answers
    pg_skip: dict[str, str]  # case -> why it cannot run here

    def fill(self, text: str, here: Path, out: Path) -> str:
        values = {"here": str(here), "out": str(out), "data": str(self.root / "data"), **self.pg}
        for key, value in values.items():
            text = text.replace("{" + key + "}", value)
        return text


def _pg_admin() -> psycopg.Connection | None:
    try:
        url = PG_ADMIN.replace("postgresql+psycopg://", "postgresql://")
        return psycopg.connect(url, autocommit=True, connect_timeout=3)
    except psycopg.Error:
        return None


def _password_login(admin: psycopg.Connection) -> tuple[str, str | None]:
    """A throwaway login with a password; (name, None) when the server checks it, else why not."""
    name = f"crm_test_pw_{uuid.uuid4().hex[:10]}"
    with contextlib.suppress(psycopg.errors.DuplicateObject):  # made by an earlier run
        admin.execute(f"CREATE ROLE {PASSWORD_GROUP} NOLOGIN")
    admin.execute(f"CREATE ROLE {name} LOGIN PASSWORD 'right' IN ROLE {PASSWORD_GROUP}")
    try:
        psycopg.connect(
            f"host=127.0.0.1 port=5432 user={name} password=wrong dbname=postgres"
        ).close()
    except psycopg.OperationalError:
        return name, None
    return name, (
        "the server lets this login in with any password (trust in pg_hba.conf); add "
        f"'host all +{PASSWORD_GROUP} 127.0.0.1/32 scram-sha-256' above the trust line"
    )


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path) -> Iterator[Workspace]:
    root = tmp_path_factory.mktemp("exit-codes")
    home = root / "home"
    home.mkdir()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
        "CRM_CLERK": "tester",
        "LANG": "C.UTF-8",
    }
    good = root / "good.sqlite3"
    shutil.copy(sqlite_template, good)
    services = open_services(Settings(database_url=f"sqlite:///{good}", clerk="t"))
    DemoBuilder(services.ctx, seed=3).run(12)
    services.close()
    _write_inputs(root)
    pg: dict[str, str] = {}
    pg_skip: dict[str, str] = {}
    admin = _pg_admin()
    roles: list[str] = []
    if admin is None:
        pg_skip.update(dict.fromkeys([n for n, c in DB_CASES.items() if c.pg], "no PostgreSQL"))
    else:
        pg["empty_pg"] = f"crm_test_empty_{uuid.uuid4().hex[:10]}"
        admin.execute(f'CREATE DATABASE "{pg["empty_pg"]}"')
        pg["pw_user"], why = _password_login(admin)
        roles.append(pg["pw_user"])
        if why:
            pg_skip["pg-wrong-password"] = why
    yield Workspace(root, env, good, pg, pg_skip)
    if admin is not None:
        admin.execute(f'DROP DATABASE IF EXISTS "{pg["empty_pg"]}" WITH (FORCE)')
        for role in roles:
            admin.execute(f"DROP ROLE IF EXISTS {role}")
        admin.close()


def _write_inputs(root: Path) -> None:
    data = root / "data"
    data.mkdir()
    (data / "people.csv").write_text("First name,E-mail\nAna,ana@example.pt\nBea,not-an-email\n")
    card = ["BEGIN:VCARD", "VERSION:3.0", "N:Lima;Ana;;;", "FN:Ana Lima", "EMAIL:ana@x.pt"]
    card += [f"garbage line {i} without a colon" for i in range(40)] + ["END:VCARD", ""]
    (data / "iphone.vcf").write_text("\r\n".join(card))
    (data / "old.csv").write_text("keep me")
    (data / "real.csv").write_text("keep me")
    (data / "link.csv").symlink_to(data / "real.csv")
    os.mkfifo(data / "fifo.csv")
    (data / "folder.csv").mkdir()
    (data / "locked").mkdir()


def _db_files(here: Path) -> None:
    here.mkdir(parents=True)
    (here / "folder.sqlite3").mkdir()
    (here / "text.sqlite3").write_text("not a database\n" * 200)
    (here / "empty.sqlite3").touch()


def _check(outcome: Outcome, code: int, fragment: str) -> None:
    shown = f"{outcome.argv}: code {outcome.code}\nstderr: {outcome.stderr}\nstdout: {outcome.stdout[:300]}"
    assert "Traceback" not in outcome.stderr + outcome.stdout, shown
    assert outcome.code == code, shown
    if code == 0:
        assert outcome.err_lines == [], shown
        return
    assert len(outcome.err_lines) == 1, shown
    assert outcome.err_lines[0].startswith("crm: "), shown
    assert fragment in outcome.err_lines[0], shown


def test_every_command_through_every_bad_database(ws: Workspace) -> None:
    """Each command x each broken database: its own exit code and one true sentence."""
    argvs: list[list[str]] = []
    expected: list[tuple[int, str]] = []
    for case_name, case in DB_CASES.items():
        if case_name in ws.pg_skip:
            continue
        for command, (args, access) in COMMANDS.items():
            want = case.expected(access)
            if want is None:
                continue
            here = ws.root / "db" / case_name / command
            _db_files(here)
            url = ws.fill(case.url, here, here / "out")
            argvs.append(["--db", url, *(ws.fill(a, here, here / "out") for a in args)])
            expected.append(want)
    outcomes = run_cases(argvs, env=ws.env, cwd=ws.root)
    for outcome, (code, fragment) in zip(outcomes, expected, strict=True):
        _check(outcome, code, fragment)
    print(f"\n{len(outcomes)} command lines; skipped: {ws.pg_skip or 'none'}")


def test_four_postgresql_failures_are_four_sentences(ws: Workspace) -> None:
    """Missing database, unknown user, wrong password, server down: four different sentences."""
    names = ["pg-missing-db", "pg-unknown-user", "pg-wrong-password", "pg-down"]
    if any(n in ws.pg_skip for n in names):
        pytest.skip("; ".join(f"{n}: {ws.pg_skip[n]}" for n in names if n in ws.pg_skip))
    argvs = [["--db", ws.fill(DB_CASES[n].url, ws.root, ws.root), "lookup", "ana"] for n in names]
    outcomes = run_cases(argvs, env=ws.env, cwd=ws.root)
    sentences = {o.err_lines[0] for o in outcomes if o.code == 2 and len(o.err_lines) == 1}
    assert len(sentences) == 4, [o.stderr for o in outcomes]


def test_reading_an_empty_postgresql_database_builds_nothing(ws: Workspace) -> None:
    """Read commands on a database without the schema create no table in it."""
    if "pg-empty-db" in ws.pg_skip:
        pytest.skip(ws.pg_skip["pg-empty-db"])
    url = PG_HOST + "/" + ws.pg["empty_pg"]
    for args in (["lookup", "ana"], ["export", str(ws.root / "e.csv")], ["db", "check"]):
        run_cases([["--db", url, *args]], env=ws.env, cwd=ws.root)
    with psycopg.connect(url) as conn:
        tables = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'"
        ).fetchone()
    assert tables == (0,)


# --- everything else: (argv with placeholders, code, stderr fragment) ------------------------

D = "{good}"
OTHER_CASES: dict[str, tuple[list[str], int, str]] = {
    "export-over-link": (["export", "{data}/link.csv", "--force"], 2, "is a link"),
    "export-over-fifo": (["export", "{data}/fifo.csv", "--force"], 2, "is a device or pipe"),
    "export-onto-folder": (["export", "{data}/folder.csv", "--force"], 2, "is a directory"),
    "export-existing": (["export", "{data}/old.csv"], 2, "already exists"),
    "export-missing-folder": (["export", "{data}/nope/out.csv"], 2, "does not exist"),
    "person-over-link": (
        ["export", "{data}/link.csv", "--customer", "1", "--force"],
        2,
        "is a link",
    ),
    "refused-is-input": (
        ["import", "{data}/people.csv", "--refused", "{data}/people.csv"],
        2,
        "is the file being imported",
    ),
    "import-missing-file": (["import", "{data}/missing.csv"], 2, "There is no file at"),
    "import-folder": (["import", "{data}/folder.csv"], 2, "is a directory"),
    "lookup-empty": (["lookup", ""], 2, "The search is empty"),
    "lookup-blank": (["lookup", "   "], 2, "The search is empty"),
    "lookup-undecodable": (["lookup", "\udcff\udcfe"], 2, "not valid text"),
    "export-query-undecodable": (["export", "{out}.csv", "--query", "\udcff"], 2, "not valid text"),
    "export-query-empty": (["export", "{out}.csv", "--query", ""], 2, "The search is empty"),
    "show-empty": (["show", ""], 2, "Give a customer number"),
    "show-undecodable": (["show", "\udcff"], 2, "Give a customer number"),
    "merge-take-outsider": (
        ["merge", "1", "2", "--take", "email=C-000009", "--yes"],
        2,
        "not being merged",
    ),
    "merge-no-terminal": (["merge", "1", "2"], 2, "Add --yes"),
    "erase-no-terminal": (["erase", "3"], 2, "Nothing was erased"),
    "app-no-terminal": ([], 2, "crm needs a terminal"),
    "read-only-upgrade": (["--read-only", "db", "upgrade"], 2, "without --read-only"),
    "read-only-demo": (["--read-only", "demo", "-n", "2"], 2, "without --read-only"),
    "read-only-import": (["--read-only", "import", "{data}/people.csv"], 2, "read-only"),
    "read-only-merge": (["--read-only", "merge", "1", "2", "--yes"], 2, "read-only"),
    "read-only-erase": (["--read-only", "erase", "3", "--yes"], 2, "read-only"),
    "unknown-option": (["lookup", "--nope"], 2, "No such option"),
    "missing-argument": (["show"], 2, "Missing argument"),
    "bad-choice": (["export", "{out}.x", "--format", "pdf"], 2, "is not one of"),
    "format-against-name": (["export", "{out}.csv", "--format", "xlsx"], 2, "names a CSV file"),
    "show-not-found": (["show", "C-999999"], 1, "No customer matches"),
    "lookup-no-match": (["lookup", "zzqqxxjj"], 1, "No customer matches"),
    "vcard-with-junk-lines": (["import", "{data}/iphone.vcf", "--dry-run"], 0, ""),
}


def test_other_bad_cases(ws: Workspace) -> None:
    """Targets never written over, meaningless queries, read-only, no terminal, usage slips."""
    argvs = []
    for name, (args, _code, _fragment) in OTHER_CASES.items():
        out = ws.root / "out" / name
        filled = [ws.fill(a, ws.root, out).replace(D, str(ws.good)) for a in args]
        argvs.append(["--db", str(ws.good), *filled])
    (ws.root / "out").mkdir(exist_ok=True)
    before = ws.good.read_bytes()
    outcomes = run_cases(argvs, env=ws.env, cwd=ws.root)
    for outcome, (_args, code, fragment) in zip(outcomes, OTHER_CASES.values(), strict=True):
        _check(outcome, code, fragment)
    data = ws.root / "data"
    assert (data / "real.csv").read_text() == "keep me" and (data / "link.csv").is_symlink()
    assert stat.S_ISFIFO((data / "fifo.csv").lstat().st_mode)
    assert (data / "old.csv").read_text() == "keep me"
    assert (data / "people.csv").read_text().startswith("First name,E-mail\nAna,")
    assert ws.good.read_bytes()[:100] == before[:100]


@pytest.mark.skipif(os.geteuid() != 0, reason="mknod needs root")
def test_export_never_replaces_a_device(ws: Workspace) -> None:
    """As root, --force still refuses a device node (a private copy of /dev/null)."""
    device = ws.root / "data" / "null-device"
    os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    for extra in ([], ["--customer", "1"]):
        (outcome,) = run_cases(
            [["--db", str(ws.good), "export", str(device), "--force", *extra]],
            env=ws.env,
            cwd=ws.root,
        )
        _check(outcome, 2, "is a device or pipe")
    assert stat.S_ISCHR(device.lstat().st_mode)


def test_unwritable_targets_are_one_sentence(ws: Workspace) -> None:
    """An export or refused-rows file in a folder we may not write: exit 2, no traceback."""
    locked = ws.root / "data" / "locked"
    undo = _lock(locked)
    try:
        outcomes = run_cases(
            [
                ["--db", str(ws.good), "export", str(locked / "out.csv")],
                [
                    "--db",
                    str(ws.good),
                    "import",
                    str(ws.root / "data" / "people.csv"),
                    "--refused",
                    str(locked / "refused.csv"),
                ],
            ],  # fmt: skip
            env=ws.env,
            cwd=ws.root,
        )
    finally:
        undo()
    for outcome in outcomes:
        _check(outcome, 2, "cannot be written")


def _lock(folder: Path) -> Callable[[], object]:
    """Make `folder` unwritable even for root (immutable), else by its mode; returns the undo."""
    if os.geteuid() == 0:
        done = subprocess.run(["chattr", "+i", str(folder)], capture_output=True, check=False)
        if done.returncode != 0:
            pytest.skip("running as root without chattr: nothing can be made unwritable")
        return lambda: subprocess.run(["chattr", "-i", str(folder)], check=True)
    folder.chmod(0o555)
    return lambda: folder.chmod(0o755)


def test_read_only_lookup_leaves_the_journal_mode(ws: Workspace) -> None:
    """--read-only lookup on a rollback-journal file neither writes it nor switches it to WAL."""
    journal = ws.root / "journal.sqlite3"
    shutil.copy(ws.good, journal)
    with sqlite3.connect(journal) as conn:
        conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    before = journal.read_bytes()
    for args in (["--read-only", "lookup", "a"], ["lookup", "a"], ["show", "1"], ["db", "check"]):
        (outcome,) = run_cases([["--db", str(journal), *args]], env=ws.env, cwd=ws.root)
        assert outcome.code == 0, outcome
    with sqlite3.connect(journal) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    conn.close()
    assert journal.read_bytes() == before


def test_corrupt_file_is_listed_by_db_check(ws: Workspace) -> None:
    """db check on a damaged file lists the damage on stdout and exits 1."""
    corrupt = ws.root / "corrupt.sqlite3"
    shutil.copy(ws.good, corrupt)
    with corrupt.open("r+b") as handle:
        handle.seek(4096 * 3)
        handle.write(b"\xde\xad" * 30_000)
    (outcome,) = run_cases([["--db", str(corrupt), "db", "check"]], env=ws.env, cwd=ws.root)
    _check(outcome, 1, "found; `crm db repair` mends")
    assert "damaged" in outcome.stdout or "integrity" in outcome.stdout, outcome.stdout


@pytest.mark.parametrize("command", ["lookup", "show", "export-query"])
def test_hostile_strings_as_arguments(ws: Workspace, command: str) -> None:
    """Every hostile.txt string as a search, a reference or an export query: a clean outcome."""
    argvs = []
    for entry in ENTRIES:
        if "\x00" in entry.text:
            continue  # a command line cannot carry NUL
        if command == "lookup":
            args = ["lookup", entry.text]
        elif command == "show":
            args = ["show", entry.text]
        else:
            args = ["export", str(ws.root / "out" / f"h{entry.line}.csv"), "--query", entry.text]
        argvs.append(["--db", str(ws.good), *args])
    (ws.root / "out").mkdir(exist_ok=True)
    for outcome in run_cases(argvs, env=ws.env, cwd=ws.root):
        shown = f"{outcome.argv[-1][:60]!r}: {outcome.code} {outcome.stderr[:300]}"
        assert outcome.code in (0, 1, 2), shown
        assert "Traceback" not in outcome.stderr + outcome.stdout, shown
        if outcome.code:
            assert len(outcome.err_lines) == 1 and outcome.err_lines[0].startswith("crm: "), shown
        assert not UNSAFE.search(outcome.stderr.replace("\n", " ")), shown
        assert not UNSAFE.search(outcome.stdout.replace("\n", " ").replace("\t", " ")), shown
