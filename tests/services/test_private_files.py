"""Files that hold personal data: private modes, no clobbering, no leftovers (issue 19)."""

from __future__ import annotations

import csv
import fcntl
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from crm_tui.config import Settings
from crm_tui.services.errors import ValidationError
from crm_tui.services.exports.person import write_person_json
from crm_tui.services.exports.service import ExportService
from crm_tui.services.imports.service import ImportService
from crm_tui.services.private_files import (
    private_dir,
    private_output,
    remove_leftovers,
    write_private_files,
)
from crm_tui.services.registry import Services, open_services


@pytest.fixture
def umask_022() -> Iterator[None]:
    """The usual shared-machine umask, whatever the test runner had."""
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.fixture
def few(demo_settings: Settings) -> Iterator[Services]:
    svc = open_services(demo_settings)
    yield svc
    svc.close()


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.usefixtures("umask_022")
@pytest.mark.parametrize("name", ["out.csv", "out.xlsx", "out.vcf", "out.json"])
def test_exports_are_private(few: Services, tmp_path: Path, name: str) -> None:
    """Every export format is written 0600 under umask 022."""
    result = ExportService(few.ctx).export(tmp_path / name)
    assert result.rows == 60
    assert mode(tmp_path / name) == 0o600
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.usefixtures("umask_022")
def test_person_export_and_refused_rows_are_private(few: Services, tmp_path: Path) -> None:
    """The data-protection JSON, the refused-rows and the not-imported files are 0600 too."""
    write_person_json(few.ctx, 1, tmp_path / "c1.json")
    assert mode(tmp_path / "c1.json") == 0o600
    source = tmp_path / "in.csv"
    source.write_text('First name,E-mail,=HYPERLINK("http://x")\n,not-an-email,1\nAna,bad@,2\n')
    summary = ImportService(few.ctx).run(source)
    assert summary.refused == 1 and summary.refused_file == tmp_path / "in.refused.csv"
    assert mode(tmp_path / "in.refused.csv") == 0o600
    assert summary.values_file == tmp_path / "in.not-imported.csv"
    assert mode(tmp_path / "in.not-imported.csv") == 0o600
    with (tmp_path / "in.refused.csv").open(encoding="utf-8-sig", newline="") as handle:
        header = next(csv.reader(handle))
    assert header[2] == '\'=HYPERLINK("http://x")'  # a header cell never runs either


@pytest.mark.usefixtures("umask_022")
def test_private_dir_is_0700(tmp_path: Path) -> None:
    """A data folder made by the app is 0700 whatever the umask; its parents are made too."""
    folder = private_dir(tmp_path / "a" / "crm-tui")
    assert mode(folder) == 0o700


def _not_a_file(tmp_path: Path, kind: str) -> Path:
    target = tmp_path / f"{kind}.csv"
    if kind == "link":
        (tmp_path / "real.csv").write_text("keep me")
        target.symlink_to(tmp_path / "real.csv")
    elif kind == "fifo":
        os.mkfifo(target)
    elif kind == "folder":
        target.mkdir()
    else:
        return Path("/dev/null")
    return target


@pytest.mark.parametrize("kind", ["link", "fifo", "folder", "device"])
def test_never_writes_over_what_is_not_a_file(few: Services, tmp_path: Path, kind: str) -> None:
    """A link, FIFO, folder or device is refused even with overwrite, and left as it was."""
    target = _not_a_file(tmp_path, kind)
    before = target.lstat()
    with pytest.raises(ValidationError) as caught:
        ExportService(few.ctx).export(target, overwrite=True)
    assert str(target) in caught.value.message
    with pytest.raises(ValidationError):
        write_person_json(few.ctx, 1, target, overwrite=True)
    after = target.lstat()
    assert (after.st_mode, after.st_ino, after.st_size) == (
        before.st_mode,
        before.st_ino,
        before.st_size,
    )
    if kind == "link":
        assert (tmp_path / "real.csv").read_text() == "keep me"


def test_existing_file_refused_without_overwrite(few: Services, tmp_path: Path) -> None:
    """An existing file is kept unless overwrite is asked for; then it is replaced whole."""
    target = tmp_path / "out.csv"
    target.write_text("old")
    with pytest.raises(ValidationError, match="already exists"):
        ExportService(few.ctx).export(target)
    assert target.read_text() == "old"
    ExportService(few.ctx).export(target, overwrite=True)
    assert target.read_text(encoding="utf-8-sig").startswith("Customer number,")


def test_failed_write_leaves_target_and_no_temp(tmp_path: Path) -> None:
    """A writer that fails midway leaves the old file as it was and no temp file."""
    target = tmp_path / "out.csv"
    target.write_text("old")
    with pytest.raises(RuntimeError), private_output(target, overwrite=True) as partial:
        partial.write_text("half")
        raise RuntimeError("killed")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.glob("*out.csv*")) == ["out.csv"]


def test_leftovers_of_dead_writers_are_removed(few: Services, tmp_path: Path) -> None:
    """Temp files of killed exports go on the next run; a live writer's locked one stays."""
    dead = tmp_path / ".out.csv.k1ll3d.part"
    dead.write_text("Ana,ana@example.pt\n")
    legacy = tmp_path / ".out.csv.part"  # name used before temp names were unique
    legacy.write_text("Ana,ana@example.pt\n")
    live = tmp_path / ".out.csv.l1ve.part"
    live.write_text("writing")
    old = time.time() - 3600
    for path in (dead, legacy, live):
        os.utime(path, (old, old))
    with live.open("rb") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        ExportService(few.ctx).export(tmp_path / "out.csv")
        assert live.exists()
    assert not dead.exists() and not legacy.exists()
    assert remove_leftovers(tmp_path / "out.csv") == [live]


def test_just_made_empty_temp_is_not_a_leftover(tmp_path: Path) -> None:
    """A writer between mkstemp and flock (empty, seconds old) is not mistaken for a dead one."""
    fresh = tmp_path / ".out.csv.n3w.part"
    fresh.touch()
    assert remove_leftovers(tmp_path / "out.csv") == []
    assert fresh.exists()


def test_refused_path_that_is_the_input_is_refused(few: Services, tmp_path: Path) -> None:
    """import --refused naming its own input is refused before anything is written."""
    source = tmp_path / "self.csv"
    source.write_text("First name,E-mail\nAna,bad\nBea,bea@example.com\n")
    before = source.read_bytes()
    count = few.customers.count()
    for same in (source, tmp_path / "." / "self.csv"):
        with pytest.raises(ValidationError, match="is the file being imported"):
            ImportService(few.ctx).run(source, refused_path=same)
    assert source.read_bytes() == before
    assert few.customers.count() == count


def test_many_files_written_at_once_privately(tmp_path: Path, umask_022: None) -> None:
    """write_private_files: each file 0600 and whole, an existing name refused alone
    (the others written), a dead writer's leftover cleared, a live one's kept."""
    folder = tmp_path / "outbox"
    folder.mkdir()
    (folder / "b.eml").write_bytes(b"kept")
    dead = folder / ".x.eml.k1ll3d.part"
    dead.write_bytes(b"half")
    live = folder / ".y.eml.l1ve.part"
    live.write_bytes(b"writing")
    old = time.time() - 3600
    for path in (dead, live):
        os.utime(path, (old, old))
    files = [(f"{name}.eml", name.encode() * 1000) for name in ("a", "b", "c", "d")]
    with live.open("rb") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        refusals = write_private_files(folder, files)
    assert [r is None for r in refusals] == [True, False, True, True]
    assert "already exists" in str(refusals[1])
    assert (folder / "b.eml").read_bytes() == b"kept"
    for name in ("a", "c", "d"):
        written = folder / f"{name}.eml"
        assert (written.read_bytes(), mode(written)) == (name.encode() * 1000, 0o600)
    assert not dead.exists() and live.exists()
    assert sorted(p.name for p in folder.iterdir()) == [
        ".y.eml.l1ve.part", "a.eml", "b.eml", "c.eml", "d.eml"
    ]  # fmt: skip
