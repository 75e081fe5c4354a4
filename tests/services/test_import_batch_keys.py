"""How a batch finds its duplicates: on file (looked up by e-mail key, phone digits, or a
name with neither, many keys in one parameter) and earlier in the same batch (folded)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlmodel import col

from crm_tui.models import Customer
from crm_tui.services.imports.service import ImportService
from crm_tui.services.registry import Services


def _csv(path: Path, lines: list[str]) -> Path:
    path.write_text("Name,Phone,Email\n" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def _customers(services: Services) -> list[tuple[object, ...]]:
    with services.ctx.read() as session:
        return [
            (c.first_name, c.last_name, c.email_key, c.phone_digits, c.sort_name)
            for c in session.scalars(select(Customer).order_by(col(Customer.id)))
        ]


def test_a_row_folded_into_an_earlier_one_gets_its_derived_columns(
    services: Services, tmp_path: Path
) -> None:
    """A later row of the batch with the same e-mail updates the customer the earlier
    row creates: the phone digits and sort name follow the merged values."""
    path = _csv(tmp_path / "fold.csv", ["Ana Lima,,ana@example.com",
                                        "Ana Costa,+447400000009,ANA@example.com"])  # fmt: skip
    summary = ImportService(services.ctx).run(path, on_duplicate="update")
    assert (summary.created, summary.updated) == (1, 1)
    assert _customers(services) == [
        ("Ana", "Costa", "ana@example.com", "447400000009", "costa ana")
    ]


def test_customers_on_file_are_found_by_every_key(services: Services, tmp_path: Path) -> None:
    """A second import finds each customer of the first: by an e-mail written in another
    case (accented, so its key travels as JSON), by phone digits, and by a name alone."""
    first = ["Zoë Brown,,Zoë.Brown@example.com", "Ben Okafor,+447400000010,",
             "Kate Walsh,,", *(f"Person {i},,p{i}@example.com" for i in range(1500))]  # fmt: skip
    importer = ImportService(services.ctx)
    assert importer.run(_csv(tmp_path / "first.csv", first)).created == 1503
    again = ["Zoë Brown,,ZOË.BROWN@EXAMPLE.COM", "Benjamin Okafor,+44 7400 000010,",
             "Kate Walsh,,", "New Person,,new@example.com"]  # fmt: skip
    summary = importer.run(_csv(tmp_path / "again.csv", again), on_duplicate="skip")
    assert (summary.skipped, summary.created) == (3, 1)
    assert len(_customers(services)) == 1504
