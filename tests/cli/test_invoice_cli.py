"""`crm invoice list|run|pdf` through the click entry point, on a SQLite file.

The PDF is checked by extracting its text with pypdf: the invoice number, the
buyer, the lines and the total must be there, and the file must be private.
"""

from __future__ import annotations

import io
import json
import stat
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from pypdf import PdfReader

from crm_tui.cli.main import cli
from crm_tui.config import Settings
from crm_tui.services.billing.inputs import SubscriptionCreate
from crm_tui.services.customers.inputs import AddressCreate, CustomerCreate, NoteCreate
from crm_tui.services.invoices import LineInput
from crm_tui.services.registry import open_services

HOSTILE = "Evil [bold]x[/] \x1b[31mred\u202e"


def crm(settings: Settings, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", settings.database_url, *args], catch_exceptions=False)


@pytest.fixture
def billed(sqlite_settings: Settings) -> Settings:
    """A business with an address and a subscription, a hostile-named person owing an old invoice."""
    svc = open_services(sqlite_settings)
    firm = svc.customers.create(
        CustomerCreate(kind="business", company_name="Lima Lda", email="office@lima.example", vat_id="PT501234567", payment_terms="Net 14")
    ).id  # fmt: skip
    svc.addresses.add(
        firm,
        AddressCreate(line1="Rua das Flores 7", city="Porto", postal_code="4050-262", country="PT"),
    )
    svc.billing.add_subscription(
        firm, SubscriptionCreate(product="Fibre", monthly_amount="30.00", start_date="2026-01-01")
    )
    svc.notes.add(
        firm, NoteCreate(title="Pay by transfer", body="IBAN on file", visibility="customer")
    )
    person = svc.customers.create(CustomerCreate(first_name=HOSTILE, email="evil@example.com")).id
    old = svc.invoices.create_draft(person, [LineInput("Repair", "45.00")])
    svc.invoices.issue(old.id, on=date.today() - timedelta(days=40))
    svc.close()
    return sqlite_settings


def test_run_dry_then_real_then_again(billed: Settings) -> None:
    """A dry run counts, the run issues, the same month again issues nothing."""
    month = date.today().strftime("%Y-%m")
    dry = crm(billed, "invoice", "run", "--month", month, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert f"{month}: would issue 1 invoices with 1 lines (36.00 GBP)." in dry.output
    real = crm(billed, "invoice", "run", "--month", month)
    assert f"{month}: issued 1 invoices with 1 lines (36.00 GBP)." in real.output
    again = crm(billed, "invoice", "run", "--month", month)
    assert f"{month}: issued 0 invoices with 0 lines." in again.output


def test_run_refuses_a_bad_month(billed: Settings) -> None:
    """A month that is not YYYY-MM is refused in one sentence with exit 2."""
    result = crm(billed, "invoice", "run", "--month", "2026-13")
    assert result.exit_code == 2
    assert "The month '2026-13' is not a month; type e.g. 2026-11." in result.output


def test_list_overdue_json_and_literal_text(billed: Settings) -> None:
    """--overdue lists the late invoice with its days overdue; stored text is shown literally."""
    listed = crm(billed, "invoice", "list", "--overdue", "--json")
    assert listed.exit_code == 0, listed.output
    [row] = json.loads(listed.output)
    assert (row["number"], row["owed"], row["days_overdue"]) == (
        f"INV-{(date.today() - timedelta(days=40)).year}-000001",
        "45.00",
        40,
    )
    table = crm(billed, "invoice", "list")
    assert "\x1b" not in table.output and "\u202e" not in table.output
    assert "\\x1b[31m" in table.output
    assert crm(billed, "invoice", "list", "--status", "paid").exit_code == 1


def test_pdf_has_the_invoice_in_extractable_text(billed: Settings, tmp_path: Path) -> None:
    """The PDF names the seller, buyer (VAT, address), lines, total, due date and visible notes."""
    month = date.today().strftime("%Y-%m")
    crm(billed, "invoice", "run", "--month", month)
    number = json.loads(crm(billed, "invoice", "list", "--json").output)[0]["number"]
    target = tmp_path / "out.pdf"
    result = crm(billed, "invoice", "pdf", number, "--out", str(target))
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    text = "\n".join(
        page.extract_text() for page in PdfReader(io.BytesIO(target.read_bytes())).pages
    )
    for expected in (number, "Lima Lda", "PT501234567", "Rua das Flores 7", "Fibre", "36.00",
                     "Net 14", "Pay by transfer: IBAN on file"):  # fmt: skip
        assert expected in text, (expected, text)
    again = crm(billed, "invoice", "pdf", number, "--out", str(target))
    assert again.exit_code == 2 and "already exists" in again.output


def test_pdf_of_hostile_names_prints_them_escaped(billed: Settings, tmp_path: Path) -> None:
    """Control and bidi characters in a name are printed as escapes, not as themselves."""
    number = json.loads(crm(billed, "invoice", "list", "--json").output)[0]["number"]
    target = tmp_path / "evil.pdf"
    assert crm(billed, "invoice", "pdf", number, "--out", str(target)).exit_code == 0
    text = PdfReader(io.BytesIO(target.read_bytes())).pages[0].extract_text()
    assert "Evil [bold]x[/]" in text and "\u202e" not in text and "\x1b" not in text


def test_pdf_of_unknown_number_exits_1(billed: Settings) -> None:
    """A number never issued is not found (exit 1)."""
    result = crm(billed, "invoice", "pdf", "INV-2020-000009")
    assert result.exit_code == 1
    assert "There is no invoice INV-2020-000009." in result.output
