"""What every adversarial case shares: its result, sizes, and a fresh database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import make_url

from benchmarks.reliability.scratch import scratch_database
from crm_tui.config import Settings
from crm_tui.services.registry import Services, open_services


@dataclass
class CaseResult:
    """Tries of one case and how many of them failed (with the first few reasons)."""

    case: str
    tries: int = 0
    failures: int = 0
    notes: list[str] = field(default_factory=list)

    def attempt(self, ok: bool, why: str = "") -> None:
        self.tries += 1
        if not ok:
            self.failures += 1
            if why and len(self.notes) < 3:
                self.notes.append(why[:200])

    def row(self, engine: str) -> dict[str, object]:
        return {"case": self.case, "engine": engine, "tries": self.tries,
                "failures": self.failures, "first failure": "; ".join(self.notes)[:120]}  # fmt: skip


@dataclass(frozen=True)
class Size:
    """How hard each case pushes: CI-sized by default, the issue's sizes with `full`."""

    full: bool = False

    def pick(self, ci: int, full: int) -> int:
        return full if self.full else ci


def engine_of(url: str) -> str:
    return make_url(url).get_backend_name()


@contextmanager
def fresh(like_url: str, folder: Path, clerk: str = "adversary") -> Iterator[Services]:
    """Services over a new, migrated database on the same engine (dropped after)."""
    folder.mkdir(parents=True, exist_ok=True)
    with scratch_database(like_url, folder) as url:
        services = open_services(Settings(database_url=url, clerk=clerk, default_region="GB"))
        try:
            yield services
        finally:
            services.close()


def clerk(services: Services, name: str) -> Services:
    """Another clerk's services on the same database."""
    url = services.ctx.db.engine.url.render_as_string(hide_password=False)
    return open_services(Settings(database_url=url, clerk=name, default_region="GB"))


def raised(call: Callable[[], object]) -> BaseException | None:
    try:
        call()
    except Exception as exc:  # the cases count what escapes
        return exc
    return None
