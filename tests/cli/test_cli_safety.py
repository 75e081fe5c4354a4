"""The real `crm` on a shared machine (issue 19): file modes, races, Ctrl-C, pipes, terminals.

Each test starts fresh `python -m crm_tui` processes, as a clerk's shell would.
"""

from __future__ import annotations

import csv
import os
import pty
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from crm_tui.config import Settings
from crm_tui.services.imports.service import ImportService
from crm_tui.services.registry import open_services


def crm_env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "CRM_CLERK": "tester"}  # HOME and XDG_* come from hermetic_paths


def start(
    tmp_path: Path, *args: str, stdout: int = subprocess.PIPE, umask: int | None = None
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "crm_tui", *args],
        env=crm_env(tmp_path),
        cwd=tmp_path,
        text=True,
        stdout=stdout,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        preexec_fn=(lambda: os.umask(umask)) if umask is not None else None,  # noqa: PLW1509
    )


def run(tmp_path: Path, *args: str, umask: int | None = None) -> subprocess.CompletedProcess[str]:
    proc = start(tmp_path, *args, umask=umask)
    out, err = proc.communicate(timeout=300)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def people_csv(path: Path, rows: int, start_at: int = 0) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["First name", "Last name", "E-mail"])
        for n in range(start_at, start_at + rows):
            writer.writerow([f"Ana{n}", f"Lima{n}", f"ana{n}@example.pt"])
    return path


@pytest.fixture
def filled(sqlite_settings: Settings, tmp_path: Path) -> Iterator[Path]:
    """A SQLite database with 3,000 customers (imported, so it is quick to build)."""
    services = open_services(sqlite_settings)
    ImportService(services.ctx).run(people_csv(tmp_path / "seed.csv", 3_000))
    services.close()
    yield Path(sqlite_settings.database_url.removeprefix("sqlite:///"))


def customers_in(db: Path) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        (count,) = conn.execute("SELECT count(*) FROM customer").fetchone()
    conn.close()
    return int(count)


def test_files_are_private_under_umask_022(tmp_path: Path) -> None:
    """Data folder 0700; database, WAL, SHM, exports, refused rows and person export 0600."""
    source = tmp_path / "in.csv"
    source.write_text("First name,E-mail\nAna,ana@example.pt\nBea,not-an-email\n,also-bad\n")
    done = run(tmp_path, "import", str(source), umask=0o022)  # the default database
    assert done.returncode == 0, done.stderr
    folder = Path(os.environ["XDG_DATA_HOME"]) / "crm-tui"
    database = folder / "crm.sqlite3"
    assert mode(folder) == 0o700 and mode(database) == 0o600
    assert mode(tmp_path / "in.refused.csv") == 0o600  # the row that makes no customer
    assert mode(tmp_path / "in.not-imported.csv") == 0o600  # Bea's e-mail, left out
    for args in (
        ["export", "all.csv"],
        ["export", "all.xlsx"],
        ["export", "c1.json", "--customer", "1"],
    ):
        done = run(tmp_path, *args, umask=0o022)
        assert done.returncode == 0, done.stderr
        assert mode(tmp_path / args[1]) == 0o600, args
    writer = sqlite3.connect(database)  # SQLite gives its WAL and SHM the database's mode
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("UPDATE customer SET loyalty_points = 1")
    try:
        assert mode(database.with_name("crm.sqlite3-wal")) == 0o600
        assert mode(database.with_name("crm.sqlite3-shm")) == 0o600
    finally:
        writer.rollback()
        writer.close()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


@pytest.fixture
def open_folder(filled: Path) -> Iterator[Path]:
    """The database in a folder every user can enter (pytest's own tmp folders are 0700)."""
    folder = Path(tempfile.mkdtemp(prefix="crm-shared-", dir="/tmp"))
    folder.chmod(0o755)
    shutil.copy(filled, folder / "team.sqlite3")
    (folder / "team.sqlite3").chmod(0o644)
    yield folder / "team.sqlite3"
    shutil.rmtree(folder)


def test_open_database_is_warned_about_then_secured(open_folder: Path, tmp_path: Path) -> None:
    """A database others can read gets a one-line warning; crm db secure makes it private."""
    db = str(open_folder)
    looked = run(tmp_path, "--db", db, "lookup", "ana1")
    assert looked.returncode == 0 and "Ana1" in looked.stdout
    assert looked.stderr.count("\n") == 1 and "crm db secure" in looked.stderr
    secured = run(tmp_path, "--db", db, "db", "secure")
    assert secured.returncode == 0, secured.stderr
    assert mode(open_folder) == 0o600
    assert mode(open_folder.parent) == 0o755  # a folder the user chose is left alone
    quiet = run(tmp_path, "--db", db, "lookup", "ana1")
    assert quiet.returncode == 0 and quiet.stderr == ""
    again = run(tmp_path, "--db", db, "db", "secure")
    assert again.returncode == 0 and "already private" in again.stdout


@pytest.mark.parametrize("force", [False, True])
def test_two_exports_to_one_name_never_mix(filled: Path, tmp_path: Path, force: bool) -> None:
    """Two exports of one name at once: one whole file; without --force exactly one wins."""
    target = tmp_path / "same.csv"
    extra = ["--force"] if force else []
    both = [start(tmp_path, "--db", str(filled), "export", str(target), *extra) for _ in range(2)]
    results = [(p.wait(timeout=300), p.communicate()) for p in both]
    codes = sorted(code for code, _out in results)
    assert codes == ([0, 0] if force else [0, 2]), results
    for code, (_stdout, stderr) in results:
        assert "Traceback" not in stderr
        if code == 2:
            assert stderr.count("\n") == 1, stderr
            assert "already exists" in stderr or "appeared while exporting" in stderr, stderr
    with target.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 3_000 and len({r["E-mail"] for r in rows}) == 3_000
    assert sorted(p.name for p in tmp_path.iterdir() if "same.csv" in p.name) == ["same.csv"]


def wait_for(check: Callable[[], bool], timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.002)
    return False


def test_ctrl_c_during_export_writes_nothing(filled: Path, tmp_path: Path) -> None:
    """Ctrl-C mid-export: exit 130, one sentence, no file and no temp file left."""
    target = tmp_path / "big.csv"
    for _attempt in range(5):
        proc = start(tmp_path, "--db", str(filled), "export", str(target))
        caught = wait_for(
            lambda p=proc: any(tmp_path.glob(".big.csv.*.part")) or p.poll() is not None  # type: ignore[misc]
        )
        assert caught
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            _out, err = proc.communicate(timeout=120)
            break
        proc.communicate()
        target.unlink()  # it finished before we could interrupt it: try again
    else:
        pytest.skip("the export finished before Ctrl-C could be sent, five times")
    assert proc.returncode == 130, err
    assert err == f"crm: Interrupted; nothing was written to {target}.\n"
    assert not target.exists() and not list(tmp_path.glob(".big.csv*"))


def test_ctrl_c_during_import_says_what_was_saved(filled: Path, tmp_path: Path) -> None:
    """Ctrl-C mid-import: exit 130, the rows saved counted exactly, and how to finish."""
    source = people_csv(tmp_path / "more.csv", 30_000, start_at=10_000)
    before = customers_in(filled)
    proc = start(tmp_path, "--db", str(filled), "import", str(source))
    assert wait_for(lambda: customers_in(filled) > before or proc.poll() is not None, 120)
    if proc.poll() is not None:
        pytest.skip("the import finished before Ctrl-C could be sent")
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    saved = customers_in(filled) - before
    assert 0 < saved < 30_000
    assert err == (
        f"crm: Interrupted: the first {saved:,} rows were done ({saved:,} saved, 0 refused); "
        "run the same import again with --on-duplicate skip to finish.\n"
    )
    assert "Traceback" not in out
    finish = run(tmp_path, "--db", str(filled), "import", str(source))
    assert finish.returncode == 0, finish.stderr
    assert customers_in(filled) == before + 30_000


def test_closed_pipe_ends_quietly(filled: Path, tmp_path: Path) -> None:
    """`crm lookup ... | head -1` with the reader gone: exit 141 (as SIGPIPE), nothing on stderr."""
    read, write = os.pipe()
    os.close(read)  # the reader has already gone
    proc = start(
        tmp_path, "--db", str(filled), "lookup", "ana", "--json", "-n", "1000", stdout=write
    )
    os.close(write)
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode == 141
    assert err == ""


def test_app_with_a_bad_database_in_a_terminal(tmp_path: Path) -> None:
    """In a terminal, the app given a missing folder or a bad URL says so and exits 2."""
    for db, fragment in (
        (str(tmp_path / "nope" / "crm.sqlite3"), "does not exist"),
        ("mysql://crm@localhost/crm", "not supported"),
    ):
        leader, follower = pty.openpty()
        proc = subprocess.Popen(
            [sys.executable, "-m", "crm_tui", "--db", db],
            env=crm_env(tmp_path),
            stdin=follower,
            stdout=follower,
            stderr=subprocess.PIPE,
            text=True,
        )
        os.close(follower)
        _out, err = proc.communicate(timeout=120)
        os.close(leader)
        assert proc.returncode == 2, err
        assert err.count("\n") == 1 and err.startswith("crm: ") and fragment in err


def test_unexpected_failure_is_logged_privately(tmp_path: Path) -> None:
    """Anything unforeseen: one sentence naming a 0600 log (in a 0700 folder) with the details."""
    code = (
        "from crm_tui.cli.errors import run_main\n"
        "def boom():\n"
        "    raise RuntimeError('postgresql://u:secret@h/db went wrong')\n"
        "run_main(boom)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, "--db", "postgresql://u:secret@h/db"],
        capture_output=True,
        text=True,
        env=crm_env(tmp_path),
        timeout=120,
        check=False,
        preexec_fn=lambda: os.umask(0o022),  # noqa: PLW1509
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    log = Path(done.stderr.rsplit("the details are in ", 1)[1].strip().rstrip("."))
    assert mode(log) == 0o600 and mode(log.parent) == 0o700
    details = log.read_text()
    assert "RuntimeError" in details and "Traceback" in details
    assert "u:***@h/db" in details.split("\n\n")[0]  # argv is logged without the password
