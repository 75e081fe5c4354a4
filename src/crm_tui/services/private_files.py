"""Files that can hold personal data: private modes and atomic, never-clobbering writes.

Clerks share machines. Whatever the umask, a folder the app makes for its
data is 0700 and every file it writes that can hold personal data (the
database and its WAL/SHM, exports, refused rows, temp files, logs) is 0600.

`private_output(target)` is the one way the app writes such a file: a
private temp file in the target's folder, renamed into place only when
complete. It never writes through a link or onto a device, FIFO or folder
(even when told to overwrite), never mixes two writers of one name, and
clears the leftovers of a writer that was killed: each temp file is locked
(flock) by its writer for as long as it lives, so a leftover whose lock can
be taken belongs to a dead writer.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import functools
import os
import stat
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from crm_tui.services.errors import ValidationError

PRIVATE_FILE = 0o600
PRIVATE_DIR = 0o700
_OTHERS = 0o077  # group and other permission bits
_TEMP_SUFFIX = ".part"
_JUST_MADE_SECONDS = 60


def private_dir(path: Path) -> Path:
    """Create `path` (and missing parents) with the last folder 0700; an existing one is left as is."""
    if not path.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileExistsError):  # another process made it first
            path.mkdir(mode=PRIVATE_DIR)
            os.chmod(path, PRIVATE_DIR)  # mkdir's mode is filtered by the umask
    return path


def create_private_file(path: Path) -> bool:
    """Create an empty 0600 file unless one exists; True when this call created it."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, PRIVATE_FILE)
    except FileExistsError:
        return False
    try:
        os.fchmod(fd, PRIVATE_FILE)  # the umask can only take bits away, but be exact
    finally:
        os.close(fd)
    return True


def readable_by_others(path: Path) -> bool:
    """Whether a user other than the owner may read `path` (its mode and every folder above)."""
    try:
        mode = path.stat().st_mode
        folders = [os.stat(p).st_mode for p in path.absolute().parents]
    except OSError:
        return False
    others = bool(mode & stat.S_IROTH) and all(m & stat.S_IXOTH for m in folders)
    group = bool(mode & stat.S_IRGRP) and all(m & (stat.S_IXGRP | stat.S_IXOTH) for m in folders)
    return others or group


def make_private(paths: Sequence[Path]) -> list[Path]:
    """chmod each existing path to 0600 (files) or 0700 (folders); the ones changed."""
    changed = []
    for path in paths:
        try:
            info = path.lstat()
        except FileNotFoundError:
            continue
        if stat.S_ISLNK(info.st_mode):
            continue  # never follow a link to chmod what it points at
        wanted = PRIVATE_DIR if stat.S_ISDIR(info.st_mode) else PRIVATE_FILE
        if stat.S_IMODE(info.st_mode) != wanted:
            os.chmod(path, wanted)
            changed.append(path)
    return changed


def check_target(target: Path, *, overwrite: bool) -> None:
    """Refuse a target that is not a new or (with `overwrite`) a regular file, in a folder."""
    try:
        info = target.lstat()
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise ValidationError("path", f"{target} cannot be checked: {reason(exc)}.") from exc
    if info is not None:
        if stat.S_ISLNK(info.st_mode):
            raise ValidationError("path", f"{target} is a link; give the real file's path.")
        if stat.S_ISDIR(info.st_mode):
            raise ValidationError("path", f"{target} is a folder; give a file name.")
        if not stat.S_ISREG(info.st_mode):
            raise ValidationError(
                "path", f"{target} is a device or pipe, not a file; nothing is written over it."
            )
        if not overwrite:
            raise ValidationError("path", f"{target} already exists; choose another file name.")
    if not target.parent.is_dir():
        raise ValidationError("path", f"The folder {target.parent} does not exist.")


@contextlib.contextmanager
def private_output(
    target: Path, *, overwrite: bool = False, clear_leftovers: bool = True
) -> Iterator[Path]:
    """Yield a private temp path beside `target`; on success it becomes `target`.

    Write the whole file to the yielded path (open it by name, as openpyxl
    does). If the block raises, the temp file is removed and `target` is
    untouched. Without `overwrite` an existing target is refused, also one
    that appears while writing (another export of the same name).
    `clear_leftovers=False` is for callers that cleared the folder already
    (`write_private_files`).
    """
    target = Path(os.path.abspath(target.expanduser()))
    check_target(target, overwrite=overwrite)
    if clear_leftovers:
        remove_leftovers(target)
    fd, temp = _temp_beside(target)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # held while we live: see remove_leftovers
        yield temp
        with open(temp, "rb+") as handle:
            os.fsync(handle.fileno())
        _put_in_place(temp, target, overwrite=overwrite)
    except OSError as exc:
        raise ValidationError("path", f"{target} could not be written: {reason(exc)}.") from exc
    finally:
        temp.unlink(missing_ok=True)  # gone already when it was put in place
        os.close(fd)


def write_private_files(
    folder: Path, files: Sequence[tuple[str, bytes]]
) -> list[ValidationError | None]:
    """Write each (name, data) as a new file in `folder`, each as `private_output` writes one
    (private, whole under its name or absent, never over an existing name), with one flush
    of the disk for the lot instead of one per file: every temp file is written, the
    filesystem synced once (syncfs; fsync of each where there is none), then each is linked
    under its name and the folder synced, so when this returns every file it reports
    written is on disk under its name. The folder's dead leftovers are cleared once, not
    once per file. Returns each file's refusal, or None.
    """
    for leftover in folder.glob(f".*{_TEMP_SUFFIX}"):
        if _is_dead_leftover(leftover):
            leftover.unlink(missing_ok=True)
    refusals: list[ValidationError | None] = [None] * len(files)
    temps: list[tuple[int, int, Path]] = []  # (position, locked fd, temp path)
    try:
        for n, (name, data) in enumerate(files):
            target = Path(os.path.abspath(folder / name))
            try:
                check_target(target, overwrite=False)
                fd, made = _temp_beside(target)
            except ValidationError as exc:
                refusals[n] = exc
                continue
            temps.append((n, fd, made))
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)  # held while we live: see remove_leftovers
                _write_all(fd, data)
            except OSError as exc:
                refusals[n] = ValidationError(
                    "path", f"{target} could not be written: {reason(exc)}."
                )
        _sync_files(folder, [fd for n, fd, _t in temps if refusals[n] is None])
        for n, _fd, temp in temps:
            if refusals[n] is None:
                try:
                    _put_in_place(temp, folder / files[n][0], overwrite=False)
                except ValidationError as exc:
                    refusals[n] = exc
        _sync_folder(folder)
    finally:
        for _n, fd, temp in temps:
            temp.unlink(missing_ok=True)  # gone already when it was put in place
            os.close(fd)
    return refusals


def _temp_beside(target: Path) -> tuple[int, Path]:
    """A new private temp file beside `target` (its fd and path), or the refusal."""
    try:
        fd, name = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=_TEMP_SUFFIX, dir=target.parent
        )
    except OSError as exc:
        raise ValidationError("path", f"{target} cannot be written: {reason(exc)}.") from exc
    return fd, Path(name)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def _sync_files(folder: Path, fds: Sequence[int]) -> None:
    """Every written byte of `fds` on disk: one syncfs of the folder's filesystem (Linux),
    else an fsync of each."""
    if not fds:
        return
    syncfs = _syncfs()
    if syncfs is not None:
        probe = os.open(folder, os.O_RDONLY)
        try:
            if syncfs(probe) == 0:
                return
        finally:
            os.close(probe)
    for fd in fds:
        os.fsync(fd)


def _sync_folder(folder: Path) -> None:
    """The folder's new names on disk."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError:  # some filesystems refuse fsync on a folder; the names follow the data
        pass
    finally:
        os.close(fd)


@functools.cache
def _syncfs() -> Any:
    """libc's syncfs(fd), where there is one (Linux); None elsewhere. Loaded on first use:
    the lean start-up path imports this module."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        function = ctypes.CDLL(None, use_errno=True).syncfs
    except (OSError, AttributeError):
        return None
    function.argtypes = [ctypes.c_int]
    function.restype = ctypes.c_int
    return function


def _put_in_place(temp: Path, target: Path, *, overwrite: bool) -> None:
    if not overwrite:
        # link() fails if the name exists: two exports to one new name never
        # both succeed, and the one that loses leaves the other's file alone.
        try:
            os.link(temp, target)
        except FileExistsError:
            raise ValidationError(
                "path", f"{target} appeared while exporting; choose another file name."
            ) from None
        return
    check_target(target, overwrite=True)  # again: it may have become a link or device since
    os.replace(temp, target)  # rename() replaces a name; it never writes through it


def remove_leftovers(target: Path) -> list[Path]:
    """Delete temp files of earlier writers of `target` that died before finishing."""
    removed = []
    legacy = target.with_name(f".{target.name}{_TEMP_SUFFIX}")  # before temp names were unique
    candidates = [*target.parent.glob(f".{glob_escape(target.name)}.*{_TEMP_SUFFIX}")]
    if legacy.exists():
        candidates.append(legacy)
    for path in candidates:
        if _is_dead_leftover(path):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def _is_dead_leftover(path: Path) -> bool:
    """Ours, a regular file, unlocked and not just made (a writer locks it right after mkstemp)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return False
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_uid != os.geteuid():
            return False
        if info.st_size == 0 and time.time() - info.st_mtime < _JUST_MADE_SECONDS:
            return False
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False  # a live writer holds the lock
    finally:
        os.close(fd)
    return True


def glob_escape(name: str) -> str:
    return "".join(f"[{ch}]" if ch in "*?[]" else ch for ch in name)


def reason(exc: OSError) -> str:
    """An OSError's cause in words ('permission denied'), without the path repeated."""
    if exc.errno == errno.EACCES or exc.errno == errno.EPERM:
        return "permission denied"
    if exc.errno is not None:
        return os.strerror(exc.errno).lower()
    return str(exc) or exc.__class__.__name__
