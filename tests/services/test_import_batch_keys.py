"""How a batch finds its duplicates: on file (looked up by e-mail key, phone digits, or a
name with neither, many keys in one parameter) and earlier in the same batch (folded)."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlmodel import col

from crm_tui.models import Customer
from crm_tui.services.imports.refs import customers_among
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


def test_customers_among_finds_by_key_in_id_order_on_both_engines(
    services: Services, tmp_path: Path
) -> None:
    """customers_among (one lookup of many keys; on PostgreSQL a probe per key) finds the
    customers whose column holds one of the keys and who meet the conditions, each once,
    in id order, locked or not; keys on file nowhere, repeated or empty find nothing."""
    lines = [f"Person {n},+4474000000{n:02d},p{n}@example.com" for n in range(12)]
    ImportService(services.ctx).run(_csv(tmp_path / "people.csv", lines))
    wanted = ["p7@example.com", "p2@example.com", "p7@example.com", "nobody@example.com", ""]
    for lock in (False, True):
        with services.ctx.write() as session:
            query = customers_among(session, Customer.email_key, wanted, lock=lock)
            found = [(c.first_name, c.last_name) for c in session.scalars(query)]
            assert found == [("Person", "2"), ("Person", "7")]
            digits = customers_among(session, Customer.phone_digits, ["447400000003"],
                                     col(Customer.last_name) == "3", lock=lock)  # fmt: skip
            assert [c.email_key for c in session.scalars(digits)] == ["p3@example.com"]
            refused = customers_among(session, Customer.phone_digits, ["447400000003"],
                                      col(Customer.last_name) == "4", lock=lock)  # fmt: skip
            assert list(session.scalars(refused)) == []
