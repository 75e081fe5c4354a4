"""Run many `crm` command lines, each in its own process, without paying start-up each time.

`run_cases()` starts one helper interpreter (this file as a script) that
imports crm once, then forks a child per case: the child gets its own
environment, working folder, stdin from /dev/null and stdout/stderr into
files, runs `crm_tui.cli.main()` exactly as the console script does, and
ends with the exit code `main()` chose. So every case is a real process with
a real exit code and real file descriptors, at a few milliseconds each
instead of a fresh interpreter's second.

The helper has no threads when it forks (unlike a pytest-xdist worker),
so no lock can be left held in a child.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CASE_TIMEOUT_S = 120


@dataclass(frozen=True)
class Outcome:
    """What one command line did."""

    argv: tuple[str, ...]
    code: int
    stdout: str
    stderr: str

    @property
    def err_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]


def run_cases(
    cases: list[list[str]],
    *,
    env: dict[str, str],
    cwd: Path,
    extra_env: list[dict[str, str]] | None = None,
) -> list[Outcome]:
    """Each argv (without the leading `crm`) run in its own forked process."""
    payload = {
        "cases": cases,
        "env": [{**env, **(extra_env[i] if extra_env else {})} for i in range(len(cases))],
        "cwd": str(cwd),
    }
    proc = subprocess.run(
        [sys.executable, __file__],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        timeout=CASE_TIMEOUT_S * 4 + 10 * len(cases),
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"the runner failed ({proc.returncode}): {proc.stderr}")
    results = json.loads(proc.stdout)
    return [
        Outcome(tuple(case), r["code"], r["stdout"], r["stderr"])
        for case, r in zip(cases, results, strict=True)
    ]


# --- the helper process ---------------------------------------------------------------------


def _child(argv: list[str], env: dict[str, str], cwd: str, out: str, err: str) -> None:
    """In the forked child: become `crm ARGV` and exit with its code."""
    code = 2
    try:
        os.chdir(cwd)
        os.environ.clear()
        os.environ.update(env)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(os.open(out, os.O_WRONLY), 1)
        os.dup2(os.open(err, os.O_WRONLY), 2)
        sys.argv = ["crm", *argv]
        from crm_tui.cli import main

        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException as exc:  # reported as the test's failure, not swallowed
        print(f"runner: {exc!r}", file=sys.stderr)
        code = 99
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)


def _wait(pid: int) -> int:
    deadline = time.monotonic() + CASE_TIMEOUT_S
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.002)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    return -9


def _warm() -> None:
    """Import every non-UI module (and what they load lazily) once, before forking."""
    import importlib
    import pkgutil

    import crm_tui

    for module in pkgutil.walk_packages(crm_tui.__path__, "crm_tui."):
        if not module.name.startswith(("crm_tui.ui", "crm_tui.db.migrations", "crm_tui.__main__")):
            importlib.import_module(module.name)
    for name in ("sqlalchemy.dialects.sqlite.pysqlite", "sqlalchemy.dialects.postgresql.psycopg",
                 "sqlalchemy.engine.reflection", "rich.console", "rich.progress", "rich.table",
                 "alembic.command", "openpyxl"):  # fmt: skip
        importlib.import_module(name)
    import phonenumbers

    phonenumbers.parse("+44 20 7946 0958")  # loads the metadata the commands use


def _serve() -> None:
    payload: dict[str, Any] = json.loads(sys.stdin.read())
    _warm()
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        for index, argv in enumerate(payload["cases"]):
            out, err = (os.path.join(scratch, f"{index}.{n}") for n in ("out", "err"))
            for name in (out, err):
                Path(name).touch()
            sys.stdout.flush()
            pid = os.fork()
            if pid == 0:
                _child(argv, payload["env"][index], payload["cwd"], out, err)
            code = _wait(pid)
            results.append(
                {
                    "code": code,
                    "stdout": Path(out).read_text(errors="replace"),
                    "stderr": Path(err).read_text(errors="replace"),
                }
            )
    sys.stdout.write(json.dumps(results))


if __name__ == "__main__":
    _serve()
