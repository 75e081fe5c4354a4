"""The fast CSV export (exports.fast_csv) writes byte for byte what the general exporter
writes (dict rows through Layout.texts and cells.neutralise), on both engines, over demo
customers and customers with hostile text in every kind of cell."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from crm_tui.models import (
    Address,
    BillingGroup,
    ContactPoint,
    Customer,
    CustomerSummary,
    CustomerTag,
    CustomField,
    Note,
    Tag,
)
from crm_tui.services.common import not_erased, not_merged
from crm_tui.services.demo.builder import DemoBuilder
from crm_tui.services.exports import children, csv_text, fast_csv
from crm_tui.services.exports.layout import Layout
from crm_tui.services.exports.service import ExportSelection, ExportService
from crm_tui.services.exports.sql_cells import SqlCells
from crm_tui.services.exports.writers import CsvWriter
from crm_tui.services.registry import Services

HOSTILE = ["a, b", 'say "hi"', "two\nlines", "cr\rhere", "tab\tin", "Zoë Ødegård 東京",
           "=1+2", "+cmd", "-2+3", "@SUM(A1)", "\tlead", "\rlead", "'=x", "'02134", "-12.50",
           "+447911123456", "'", "+", "", "naïve, \"quoted\"\r\n=end"]  # fmt: skip
FORMULA = {"=1+2", "+cmd", "-2+3", "@SUM(A1)", "\tlead", "\rlead", "'=x", "'02134", "'", "+"}


def _customers(services: Services) -> dict[int, str]:
    """One customer per hostile text, in every text cell and child row; id -> text."""
    when = datetime(2025, 3, 4, 5, 6, 7, 891011, tzinfo=UTC)
    out: dict[int, str] = {}
    with services.ctx.write() as session:
        group = BillingGroup(name='Group, "one"')
        session.add(group)
        session.flush()
        for number, text in enumerate(HOSTILE):
            customer = Customer(
                kind="business" if number % 2 else "individual", first_name=text,
                last_name=f"Last {number}", company_name=text or None, email=f"c{number}@example.com",
                phone=text if text.startswith("+") else "+447911000000", segment=text,
                owner=text, status_reason=text, contact_channels=text, website=text,
                billing_group_id=group.id if number % 3 == 0 else None,
                loyalty_points=-number, date_of_birth=date(1990, 1, 1 + number),
                email_key=f"c{number}@example.com", created_at=when,
            )  # fmt: skip
            session.add(customer)
            session.flush()
            assert customer.id is not None
            cid = customer.id
            out[cid] = text
            session.add(CustomerSummary(customer_id=cid, lifetime_value=Decimal(-number) / 7,
                                        outstanding_balance=Decimal("0.05"), order_count=number,
                                        last_purchase_at=when if number % 2 else None))  # fmt: skip
            # The first e-mail is not the primary for some: the primary's column stays empty.
            for index in range(number % 3 + 1):
                session.add(ContactPoint(customer_id=cid, kind="email", value=f"{index}{text}@x",
                                         value_key=f"{cid}-{index}", label="work" if index else text[:8],
                                         is_primary=index == 1 if number % 4 == 0 else index == 0))  # fmt: skip
            session.add(ContactPoint(customer_id=cid, kind="web", value=text or "w", value_key=f"w{cid}",
                                     is_primary=number % 5 != 0))  # fmt: skip
            for index in range(number % 3 + 1):
                session.add(Address(customer_id=cid, kind="shipping" if index else "billing",
                                    line1=f"{index} {text}", line2=text, city=text, region=text,
                                    postal_code=text, country="GB", is_default_billing=index == 1))  # fmt: skip
            for index in range(number % 4):
                session.add(Note(customer_id=cid, type="call", title=text, body=f"{index}\n{text}",
                                 follow_up_on=date(2026, 2, 1 + index), done=index == 1,
                                 pinned=index == 2, author=text, duration_minutes=index or None,
                                 outcome=text[:24] or None, created_at=when))  # fmt: skip
            if number % 2:
                session.add(CustomField(customer_id=cid, name=f"Field {text}"[:100],
                                        name_key=f"field {text}".casefold()[:100], value=text))  # fmt: skip
            # Added in the reverse of name order: the cell lists them by name.
            for name in (f"Zed {number}", f"Tag {number} {text}"):
                tag = Tag(name=name, name_key=name.casefold())
                session.add(tag)
                session.flush()
                assert tag.id is not None
                session.add(CustomerTag(customer_id=cid, tag_id=tag.id))
    return out


def _general(services: Services, path: Path) -> bytes:
    """Today's CSV: every row a dict written through Layout.texts."""
    service = ExportService(services.ctx)
    with services.ctx.read() as session:
        writer = CsvWriter(path, Layout(children.widths(session, [not_erased(), not_merged()])))
        for rows in service.batches(session, ExportSelection(), 7):
            writer.write(rows)
        writer.close()
    return path.read_bytes()


def test_fast_csv_matches_the_general_exporter(services: Services, tmp_path: Path) -> None:
    """Hostile text, numbered columns and demo customers: the same bytes, batch after batch."""
    DemoBuilder(services.ctx, seed=3, as_of=date(2026, 1, 15), invoices=False).run(25)
    _customers(services)
    result = ExportService(services.ctx).export(tmp_path / "fast.csv", batch=7)
    assert result.rows == 25 + len(HOSTILE)
    fast = (tmp_path / "fast.csv").read_bytes()
    assert fast == _general(services, tmp_path / "general.csv")
    assert "Zoë Ødegård 東京".encode() in fast and b"'=1+2" in fast


def test_only_formula_cells_take_the_general_way(services: Services) -> None:
    """Commas, quotes, line breaks, accents and phone numbers are written by the database's
    text; only customers with a cell to neutralise go through the general exporter."""
    texts = _customers(services)
    sent: list[int] = []

    def general(ids: list[int]) -> dict[int, list[str]]:
        sent.extend(ids)
        return {i: [] for i in ids}

    with services.ctx.read() as session:
        where = [not_erased(), not_merged()]
        batches = list(fast_csv.text_batches(session, where, None, children.widths(session, where),
                                             5, general))  # fmt: skip
    assert sum(len(b) for b in batches) == len(HOSTILE)
    assert {texts[i] for i in sent} == FORMULA


def test_segments_without_columns_are_not_read(services: Services, tmp_path: Path) -> None:
    """Demo customers have one e-mail, phone and web address each and no custom fields: those
    segments have no columns, their tables are not read, and the bytes are the same."""
    DemoBuilder(services.ctx, seed=5, as_of=date(2026, 1, 15), invoices=False).run(12)
    with services.ctx.read() as session:
        widths = children.widths(session, [not_erased(), not_merged()])
    assert max(widths.points.values()) == 1 and not widths.custom
    assert set(fast_csv.Tails(widths, SqlCells(True)).queries) <= {"addresses", "notes"}
    ExportService(services.ctx).export(tmp_path / "fast.csv", batch=5)
    assert (tmp_path / "fast.csv").read_bytes() == _general(services, tmp_path / "general.csv")


def test_csv_text_writes_what_csv_writer_writes() -> None:
    """csv_text.csv_text (csv.writer with no line terminator, rows joined with CRLF) against
    csv.writer itself: hostile text, CR and LF in cells (then the batch goes to csv.writer),
    numbers, None, bytes, one-cell and empty rows, no rows."""
    import random

    rng = random.Random(21)
    alphabet = ["a", ",", '"', "\r", "\n", "\r\n", "\x00", " ", "\t", "'", "=", "é", "東", "\u2028"]

    def value() -> object:
        roll = rng.random()
        if roll < 0.15:
            return None
        if roll < 0.2:
            return rng.choice([0, -5, 10**20, 1.5, float("nan"), True, b"x\n"])
        return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 5)))

    batches: list[list[list[object]]] = [
        [],
        [[""]],
        [[]],
        [[None, "a\nb"]],
        [["a\rb", "c"], ["d", "e"]],
    ]
    batches += [[list(HOSTILE)]]
    batches += [[[value() for _ in range(rng.randint(0, 5))] for _ in range(rng.randint(1, 5))]
                for _ in range(3000)]  # fmt: skip
    for rows in batches:
        assert csv_text.csv_text(rows) == csv_text.writer_text(rows), rows


def test_rows_the_database_gives_out_of_order_are_put_in_id_order(
    services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The batch query has no ORDER BY (SQLite gives `chosen`'s order): rows given in any
    other order are sorted by id, and the file is the same."""
    from sqlmodel import col

    DemoBuilder(services.ctx, seed=6, as_of=date(2026, 1, 15), invoices=False).run(15)
    made = fast_csv.customers_query

    def backwards(*args: Any) -> Any:
        batch = made(*args)
        return lambda *conditions, limit: batch(*conditions, limit=limit).order_by(
            col(Customer.id).desc()
        )

    monkeypatch.setattr(fast_csv, "customers_query", backwards)
    ExportService(services.ctx).export(tmp_path / "fast.csv", batch=4)
    assert (tmp_path / "fast.csv").read_bytes() == _general(services, tmp_path / "general.csv")
