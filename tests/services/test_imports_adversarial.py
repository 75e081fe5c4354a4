"""Imports that crashed or lost rows in the adversarial run (issue 18, holes 3 and 9).

Two imports of the same new e-mails at once on PostgreSQL: the COPY path
raised psycopg's own UniqueViolation, so the row-by-row retry never ran and
a 1,000-row batch was lost. Loyalty points a column cannot hold crashed the
import. A vCard without END:VCARD vanished from the count, and a card of
200,000 parameters took 722 MB.
"""

from __future__ import annotations

import threading
import tracemalloc
from pathlib import Path

import pytest
from sqlalchemy import ColumnElement, func, select
from sqlmodel import col

from crm_tui.config import Settings
from crm_tui.models import Customer
from crm_tui.services.imports.service import ImportService
from crm_tui.services.imports.vcard import MAX_CARD_PARAMS
from crm_tui.services.registry import Services, open_services

HEADER = "First name,Last name,Email,Loyalty points\n"


def count(services: Services, *where: ColumnElement[bool]) -> int:
    with services.ctx.read() as session:
        return int(session.scalar(select(func.count()).select_from(Customer).where(*where)) or 0)


def test_two_imports_of_the_same_new_emails_at_once(
    services: Services, settings: Settings, tmp_path: Path
) -> None:
    """Both finish without an error; each e-mail is one customer; no row is lost."""
    rows = 300
    path = tmp_path / "same.csv"
    path.write_text(HEADER + "".join(f"Ann{i},Same,same.{i}@import.example,{i}\n"
                                     for i in range(rows)), encoding="utf-8")  # fmt: skip
    clerks = [open_services(settings.with_(clerk=f"importer{n}")) for n in range(2)]
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []
    outcomes: list[tuple[int, int, int]] = []

    def run(clerk: Services) -> None:
        barrier.wait()
        try:
            done = ImportService(clerk.ctx).run(path, on_duplicate="update", batch=50)
            outcomes.append((done.created, done.updated + done.unchanged, done.refused))
        except Exception as exc:  # asserted below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(c,)) for c in clerks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for clerk in clerks:
        clerk.close()
    assert errors == []
    assert count(services, col(Customer.email).like("same.%")) == rows
    assert sum(created for created, _same, _refused in outcomes) == rows
    assert all(refused == 0 for _c, _s, refused in outcomes)


@pytest.mark.parametrize("points", ["3000000000", str(2**31), str(2**63), "1" + "0" * 23, "-5"])
def test_points_out_of_range_are_left_out_of_that_row_only(
    services: Services, tmp_path: Path, points: str
) -> None:
    """Points out of range are left out and listed with the range (issue 16: an optional
    value never refuses the customer); the rows beside it keep theirs."""
    path = tmp_path / "points.csv"
    path.write_text(HEADER + "Good,One,good.a@points.example,10\n"
                    f"Bad,Two,bad@points.example,{points}\n"
                    "Good,Three,good.b@points.example,20\n", encoding="utf-8")  # fmt: skip
    summary = ImportService(services.ctx).run(path)
    assert (summary.created, summary.refused) == (3, 0)
    assert summary.values_file is not None
    (line,) = summary.values_file.read_text(encoding="utf-8-sig").splitlines()[1:]
    assert line.startswith("3,") and "loyalty points" in line
    assert "at most" in line or "less than" in line
    assert services.customers.resolve("bad@points.example").loyalty_points == 0
    assert services.customers.resolve("good.b@points.example").loyalty_points == 20


def card(n: int) -> str:
    return (f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Card {n}\r\nN:{n};Card;;;\r\n"
            f"EMAIL:card{n}@vcard.example\r\nEND:VCARD\r\n")  # fmt: skip


@pytest.mark.parametrize("broken", [1, 50, 100])
def test_a_card_without_end_is_reported_not_dropped(
    services: Services, tmp_path: Path, broken: int
) -> None:
    """100 cards, one missing END:VCARD: 100 counted, that one refused with its number."""
    text = "".join(card(n) for n in range(1, 101))
    text = text.replace(card(broken), card(broken).replace("END:VCARD\r\n", ""))
    path = tmp_path / "cards.vcf"
    path.write_text(text, encoding="utf-8")
    summary = ImportService(services.ctx).run(path)
    assert (summary.rows, summary.created, summary.refused) == (100, 99, 1)
    assert "END:VCARD" in summary.examples[0][1] and str(broken) in summary.examples[0][1]


def test_a_card_of_200k_parameters_is_refused_in_bounded_memory(
    services: Services, tmp_path: Path
) -> None:
    """The 1.9 MB card is refused with a sentence, in a few MB; the next card is imported."""
    path = tmp_path / "params.vcf"
    path.write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Many\r\nNOTE" + ";X=abcdef" * 200_000
                    + ":hi\r\nEND:VCARD\r\n" + card(2), encoding="utf-8")  # fmt: skip
    assert path.stat().st_size > 1_750_000
    tracemalloc.start()
    try:
        summary = ImportService(services.ctx).run(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert (summary.created, summary.refused) == (1, 1)
    assert f"{MAX_CARD_PARAMS:,} parameters" in summary.examples[0][1]
    assert peak < 48 * 1024 * 1024, f"peak {peak / 2**20:.0f} MiB"
