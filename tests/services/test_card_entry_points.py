"""Card numbers tried through every entry point never reach the disk.

One run types full card numbers into every text a service stores (customer
fields, addresses, contacts, notes, subscriptions, payments, orders, saved
cards, tags, segments, billing groups, status reasons) and imports a CSV
full of them; then exports every format and the person export. A byte
search of the SQLite file, its WAL and every file written (exports, refused
rows, anything under the data, config, cache and state folders) finds none.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from pathlib import Path

from sqlalchemy.engine import make_url

from crm_tui.config import Settings
from crm_tui.services.billing.inputs import (
    OrderCreate,
    OrderItemCreate,
    PaymentCreate,
    PaymentMethodCreate,
    SubscriptionCreate,
)
from crm_tui.services.customers.inputs import (
    AddressCreate,
    ContactCreate,
    CustomerCreate,
    CustomerUpdate,
    NoteCreate,
)
from crm_tui.services.errors import ValidationError
from crm_tui.services.registry import Services, open_services

CARDS = ["4111111111111111", "5555555555554444", "378282246310005", "6011111111111117"]


def spellings(number: str) -> list[str]:
    groups = [number[i : i + 4] for i in range(0, len(number), 4)]
    return [
        number,
        " ".join(groups),
        "-".join(groups),
        f"card {'.'.join(groups)} exp 12/29",
        f"{' '.join(groups)} 123",
        # Separators that got past the filter in the adversarial run (issue 18).
        "+" + " ".join(groups),
        "\u200b".join(groups),  # zero-width space
        "    ".join(groups),
        "\u00ad".join(groups),  # soft hyphen
        "\u2060".join(groups),  # word joiner
        "\n".join(groups),
    ]


TEXTS = [text for number in CARDS for text in spellings(number)]


def attempts(services: Services, cid: int, bid: int) -> list[Callable[[str], object]]:
    """Every way a clerk can type text that gets stored, given a person and a business."""
    s = services

    def version() -> int:
        return s.customers.get(cid).version

    return [
        lambda t: s.customers.create(CustomerCreate(first_name=t)),
        lambda t: s.customers.create(CustomerCreate(first_name="A", last_name=t)),
        lambda t: s.customers.create(CustomerCreate(kind="business", company_name=t)),
        lambda t: s.customers.update(cid, CustomerUpdate(last_name=t), expected_version=version()),
        lambda t: s.customers.update(cid, CustomerUpdate(owner=t), expected_version=version()),
        lambda t: s.customers.update(cid, CustomerUpdate(segment=t), expected_version=version()),
        lambda t: s.customers.update(
            bid, CustomerUpdate(registration_number=t), expected_version=1
        ),
        lambda t: s.customers.update(bid, CustomerUpdate(industry=t), expected_version=1),
        lambda t: s.customers.block(cid, t),
        lambda t: s.customers.set_tags(cid, [t[:60]]),
        lambda t: s.addresses.add(cid, AddressCreate(line1=t, city="Leeds")),
        lambda t: s.addresses.add(cid, AddressCreate(line1="1 Road", city=t)),
        lambda t: s.contacts.add(bid, ContactCreate(first_name=t)),
        lambda t: s.contacts.add(bid, ContactCreate(first_name="Bo", title=t)),
        lambda t: s.notes.add(cid, NoteCreate(title=t)),
        lambda t: s.notes.add(cid, NoteCreate(title="Call", body=t)),
        lambda t: s.billing.add_subscription(
            cid, SubscriptionCreate(product="Router", monthly_amount="1.00", asset_serial=t)
        ),
        lambda t: s.billing.add_subscription(
            cid, SubscriptionCreate(product=t, monthly_amount="1.00")
        ),
        lambda t: s.billing.record_payment(cid, PaymentCreate(amount="1.00", reference=t)),
        lambda t: s.billing.add_order(
            cid, OrderCreate(items=[OrderItemCreate(description=t, unit_price="1.00")])
        ),
        lambda t: s.billing.add_payment_method(
            cid,
            PaymentMethodCreate(
                brand="Visa", bin="411111", last4="1111", exp_month=1, exp_year=2031, holder_name=t
            ),
        ),  # fmt: skip
        lambda t: s.tags.create(t[:60]),
        lambda t: s.segments.create(t[:100]),
        lambda t: s.segments.create("Picks", description=t),
        lambda t: s.billing_groups.create(t[:100]),
    ]


def digits_forms(number: str) -> list[bytes]:
    """How a stored number would look on disk: plain, spaced, dashed, and in UTF-16."""
    groups = [number[i : i + 4] for i in range(0, len(number), 4)]
    texts = [number, " ".join(groups), "-".join(groups), ".".join(groups)]
    return [t.encode(enc) for t in texts for enc in ("utf-8", "utf-16-le")]


def every_file(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_no_card_number_reaches_any_file(sqlite_settings: Settings, tmp_path: Path) -> None:
    """Refused everywhere with a message; no card digits in the database, WAL, exports or logs."""
    from crm_tui.services.exports.person import write_person_json
    from crm_tui.services.exports.service import ExportService
    from crm_tui.services.imports.service import ImportService

    services = open_services(sqlite_settings)
    try:
        cid = services.customers.create(CustomerCreate(first_name="Ana", email="ana@example.pt")).id
        bid = services.customers.create(CustomerCreate(kind="business", company_name="Acme")).id
        stored: list[tuple[int, str]] = []
        ways = attempts(services, cid, bid)
        for index, attempt in enumerate(ways):
            for text in TEXTS:
                try:
                    attempt(text)
                except ValidationError as exc:
                    assert "card number" in exc.message, (index, text, exc.message)
                else:
                    stored.append((index, text))
        assert stored == []

        source = tmp_path / "with_cards.csv"
        with source.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["First name", "Last name", "E-mail", "Notes", "Card"])
            for n, text in enumerate(TEXTS):
                writer.writerow(["Imp", text, f"imp{n}@example.com", "", ""])
                writer.writerow(["Imp", "Ok", f"imq{n}@example.com", text, ""])
                writer.writerow(["Imp", "Ok", f"imr{n}@example.com", "", text])
        refused_file = tmp_path / "exports" / "refused.csv"
        refused_file.parent.mkdir()
        summary = ImportService(services.ctx).run(source, refused_path=refused_file)
        assert summary.created == 0 and summary.refused == 3 * len(TEXTS)
        source.unlink()  # the input file held them on purpose; it is not ours to check

        for fmt in ("csv", "xlsx", "vcf", "json"):
            ExportService(services.ctx).export(tmp_path / "exports" / f"all.{fmt}")
        write_person_json(services.ctx, cid, tmp_path / "exports" / "person.json")
        print(
            f"\ncard entry points: {len(ways)} ways x {len(TEXTS)} texts and "
            f"{summary.rows} import rows, all refused"
        )
    finally:
        services.close()

    database = Path(make_url(sqlite_settings.database_url).database or "")
    files = every_file(tmp_path)
    assert database in files and refused_file in files
    assert any(p.suffix == ".xlsx" for p in files)
    found = []
    for path in files:
        data = path.read_bytes()
        if path.suffix == ".xlsx":
            import zipfile

            with zipfile.ZipFile(path) as archive:
                data = b"".join(archive.read(name) for name in archive.namelist())
        for number in CARDS:
            if any(form in data for form in digits_forms(number)):
                found.append((path.name, number))
    assert found == []
    refused_text = refused_file.read_text(encoding="utf-8")
    assert refused_text.count("[card number removed]") >= 3 * len(TEXTS)
    assert not re.search(r"(?:\d[ .\-]?){13}", refused_text.replace("[card number removed]", ""))


def test_the_byte_search_would_see_a_stored_number(sqlite_settings: Settings) -> None:
    """A check on the check: a Luhn-failing lookalike that is stored is found on disk."""
    services = open_services(sqlite_settings)
    try:
        services.notes.add(
            services.customers.create(CustomerCreate(first_name="A")).id,
            NoteCreate(title="Call", body="4111 1111 1111 1112"),
        )
    finally:
        services.close()
    database = Path(make_url(sqlite_settings.database_url).database or "")
    data = database.read_bytes() + b"".join(
        p.read_bytes() for p in database.parent.glob(database.name + "-wal")
    )
    assert any(form in data for form in digits_forms("4111111111111112"))
