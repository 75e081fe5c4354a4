"""The adversarial cases of issue 18, re-run as part of the reliability suite.

Each case drives the services (and, where the hole was in the command, the
real `crm` command through click) against a fresh database of the engine
given, and counts its tries and the tries that went wrong. CI runs them
small on both engines (tests/reliability/test_adversarial.py); `--full`
uses the issue's sizes (a 6,000-customer demo, 150 merged pairs, 20,001
cards, ...):

    python -m benchmarks.reliability.adversarial [--pg URL] [--full] [--only NAME]
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable
from pathlib import Path

from benchmarks.reliability.adversarial import drift, files, inputs, lifecycle, races
from benchmarks.reliability.adversarial.common import CaseResult, Size, engine_of

Case = Callable[[str, Path, Size], CaseResult]
CASES: dict[str, Case] = {
    "demo-stopped": lifecycle.demo_stopped,
    "demo-beside-clerk": lifecycle.demo_beside_clerk,
    "erase-merged": lifecycle.erase_merged,
    "erase-resumed": lifecycle.erase_resumed,
    "erase-with-reader": lifecycle.erase_with_reader,
    "imports-at-once": files.imports_at_once,
    "points-out-of-range": files.points_out_of_range,
    "cards-everywhere": inputs.cards_everywhere,
    "stray-quote": files.stray_quote,
    "tag-versus-merge": races.tag_versus_merge,
    "status-twice": races.status_twice,
    "status-versus-merge": races.status_versus_merge,
    "same-new-tag": races.same_new_tag,
    "numbers-past-limits": inputs.numbers_past_limits,
    "check-sees-drift": drift.check_sees_drift,
    "vcard-cut-short": files.vcard_cut_short,
    "vcard-parameters": files.vcard_parameters,
    "idna-emails": files.idna_emails,
}
SQLITE_ONLY = {"erase-resumed", "erase-with-reader"}


def run_case(name: str, url: str, folder: Path, size: Size) -> CaseResult:
    """One case; a crash of the case itself counts as one failed try."""
    try:
        return CASES[name](url, folder / name, size)
    except Exception as exc:  # reported, not raised: the table goes on
        crashed = CaseResult(name)
        crashed.attempt(False, f"the case crashed: {exc!r}")
        return crashed


def run(
    db_url: str, *, full: bool = False, only: list[str] | None = None
) -> list[dict[str, object]]:
    """Every case (or `only` these) on the engine of `db_url`; one table row per case."""
    rows = []
    engine = engine_of(db_url)
    with tempfile.TemporaryDirectory(prefix="crm-adversarial-") as folder:
        for name in only or list(CASES):
            if engine != "sqlite" and name in SQLITE_ONLY:
                continue
            rows.append(run_case(name, db_url, Path(folder), Size(full)).row(engine))
    return rows


def main() -> None:
    from benchmarks.common import print_table

    parser = argparse.ArgumentParser(prog="python -m benchmarks.reliability.adversarial")
    parser.add_argument("--pg", metavar="URL", help="also run on this PostgreSQL server")
    parser.add_argument("--full", action="store_true", help="the issue's sizes (slow)")
    parser.add_argument(
        "--only", action="append", choices=list(CASES), help="one case (repeatable)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        targets = [f"sqlite:///{Path(folder) / 'like.sqlite3'}"] + ([args.pg] if args.pg else [])
        for url in targets:
            print_table(
                f"adversarial cases on {engine_of(url)}", run(url, full=args.full, only=args.only)
            )


if __name__ == "__main__":
    main()
