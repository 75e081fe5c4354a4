"""Quick add from the list: keys pressed, and ctrl+s to the new customer's screen painted.

The app runs headless under Pilot on a private copy of the benchmark's SQLite
database (the shared one is never written to). Each round opens the app on the
list, moves to the table, presses `a`, types a walk-in customer's three fields
with `tab` between them and presses `ctrl+s`. Frames are timestamped as the
compositor hands them to the display: "screen painted" is the first frame of
the customer detail screen, "filled in" the first frame showing the loaded
customer. The time includes the duplicate check and the save, each in a worker.
The first round is exactly "Ana Lima, +351 912 345 678, ana@example.pt"; later
rounds add other people so that no round is stopped by a duplicate warning.
"""

from __future__ import annotations

import asyncio
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url

from benchmarks.common import summary_row

PEOPLE = [
    ("Ana Lima", "+351 912 345 678", "ana@example.pt"),
    ("Bruno Teixeira", "+351 913 572 468", "bteixeira@example.pt"),
    ("Carla Dias", "+44 7911 123456", "carla.dias@example.co.uk"),
    ("Dmitri Volkov", "+49 151 23456789", "dvolkov@example.de"),
    ("Eleanor Whitfield", "+44 20 7946 0321", "e.whitfield@example.co.uk"),
    ("Farid Haddad", "+33 6 12 34 56 78", "farid.h@example.fr"),
    ("Greta Lindqvist", "+351 917 654 321", "greta.l@example.se"),
]
TIMEOUT_S = 20.0


def keys_for(name: str, phone: str, email: str) -> list[str]:
    """Every key a clerk presses from the list (table focused) to the saved customer."""
    return ["a", *name, "tab", *phone, "tab", *email, "ctrl+s"]


def _private_copy(db_url: str, folder: Path) -> str:
    """A consistent copy of the SQLite database (WAL included) via the backup API."""
    source_path = make_url(db_url).database
    if not source_path:
        raise ValueError("The quick add benchmark needs a SQLite file database.")
    target = folder / "quick-add.sqlite3"
    with sqlite3.connect(source_path) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    return f"sqlite:///{target}"


async def _one_round(db_url: str, person: tuple[str, str, str]) -> tuple[float, float, float]:
    """Milliseconds from ctrl+s to the dialog closing (duplicate check and save done),
    to the detail screen's first frame, and to its first frame with the customer."""
    from crm_tui.config import Settings
    from crm_tui.factory import make_app
    from crm_tui.services.registry import open_services
    from crm_tui.ui.modals.quick_add import QuickAddModal
    from crm_tui.ui.screens.customer_detail import CustomerDetailScreen
    from crm_tui.ui.widgets.detail.overview import OverviewTab

    services = open_services(Settings(database_url=db_url, clerk="bench"))
    app = make_app(services)
    frames: dict[str, float] = {}
    display = app._display
    overview_show = OverviewTab.show
    dismiss = QuickAddModal.dismiss

    def timed_display(screen: Any, renderable: Any) -> None:
        display(screen, renderable)
        if isinstance(screen, CustomerDetailScreen) and renderable is not None:
            now = time.perf_counter()
            frames.setdefault("painted", now)
            if "shown" in frames:
                frames.setdefault("filled", now)

    def timed_show(tab: OverviewTab, data: Any) -> None:
        overview_show(tab, data)
        frames.setdefault("shown", time.perf_counter())

    def timed_dismiss(modal: QuickAddModal, result: int | None = None) -> Any:
        frames.setdefault("closed", time.perf_counter())
        return dismiss(modal, result)

    # Timestamps only: frames, data and results are passed on untouched.
    app._display = timed_display  # type: ignore[method-assign]
    OverviewTab.show = timed_show  # type: ignore[method-assign,assignment]
    QuickAddModal.dismiss = timed_dismiss  # type: ignore[method-assign,assignment]
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.app.workers.wait_for_complete()
            await pilot.pause()
            await pilot.press("down")  # the list opens in its search box; go to the table
            *typing, save = keys_for(*person)
            await pilot.press(*typing)
            assert isinstance(app.screen, QuickAddModal), "quick add did not open"
            started = time.perf_counter()
            await pilot.press(save)
            deadline = started + TIMEOUT_S
            while "filled" not in frames and time.perf_counter() < deadline:
                await asyncio.sleep(0.001)
            if "filled" not in frames:
                raise RuntimeError(f"no customer screen after ctrl+s for {person[0]}")
            return (
                (frames["closed"] - started) * 1000,
                (frames["painted"] - started) * 1000,
                (frames["filled"] - started) * 1000,
            )
    finally:
        OverviewTab.show = overview_show  # type: ignore[method-assign]
        QuickAddModal.dismiss = dismiss  # type: ignore[method-assign]
        services.close()


def run(db_url: str, repeat: int = 5) -> list[dict[str, Any]]:
    """Key count and save-to-screen times; `db_url` must be a SQLite file (it is copied)."""
    rounds = PEOPLE[: max(1, min(repeat, len(PEOPLE)))]
    closed: list[float] = []
    painted: list[float] = []
    filled: list[float] = []
    with tempfile.TemporaryDirectory(prefix="crm-quick-add-") as folder:
        url = _private_copy(db_url, Path(folder))
        for person in rounds:
            saved, first, full = asyncio.run(_one_round(url, person))
            closed.append(saved)
            painted.append(first)
            filled.append(full)
    keys = keys_for(*PEOPLE[0])
    typed = sum(len(text) for text in PEOPLE[0])
    return [
        {
            "measure": "keys: Ana Lima, +351 912 345 678, ana@example.pt",
            "n": 1,
            "keys": len(keys),
            "typed_chars": typed,
            "other_keys": len(keys) - typed,
            "note": "a, tab, tab, ctrl+s (+1 'down' if the search box has focus)",
        },
        summary_row("ctrl+s -> checked, saved, dialog closed", closed),
        summary_row("ctrl+s -> detail screen painted", painted),
        summary_row("ctrl+s -> detail filled in", filled),
    ]


if __name__ == "__main__":  # pragma: no cover - a convenience for a single run
    import sys

    from benchmarks.common import print_table

    print_table("quick add", run(sys.argv[1]))
