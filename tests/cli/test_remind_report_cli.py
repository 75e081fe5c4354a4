"""`crm remind` (to an .eml outbox) and `crm report` through the click entry point."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from openpyxl import load_workbook

from crm_tui.cli.main import cli
from crm_tui.config import Settings
from crm_tui.services.billing.inputs import PaymentCreate
from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.invoices import LineInput
from crm_tui.services.money.rates import RateInput
from crm_tui.services.registry import open_services

ON = date(2026, 3, 1)


def crm(settings: Settings, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", settings.database_url, *args], catch_exceptions=False)


@pytest.fixture
def ledger(sqlite_settings: Settings) -> Settings:
    """Ana owes a GBP invoice and paid part of a EUR one; =Bob (formula-like name) has no e-mail."""
    svc = open_services(sqlite_settings)
    ana = svc.customers.create(CustomerCreate(first_name="Ana", email="ana@example.pt")).id
    bob = svc.customers.create(CustomerCreate(first_name="=1+1", last_name="Bob")).id
    for cid, price, currency, day in ((ana, "100.00", "GBP", ON), (bob, "20.00", "GBP", ON),
                                      (ana, "50.00", "EUR", date(2026, 4, 2))):  # fmt: skip
        draft = svc.invoices.create_draft(cid, [LineInput("Service", price)], currency=currency)
        svc.invoices.issue(draft.id, on=day)
    svc.billing.record_payment(
        ana, PaymentCreate(amount="30.00", currency="EUR", paid_at="2026-04-03")
    )
    svc.close()
    return sqlite_settings


def test_remind_writes_the_outbox_and_skips_with_reasons(ledger: Settings, tmp_path: Path) -> None:
    """Reminders due go to .eml files; a customer without e-mail is skipped with the reason."""
    out = tmp_path / "outbox"
    result = crm(ledger, "remind", "--on", "2026-03-15", "--outbox", str(out))
    assert result.exit_code == 0, result.output
    assert "Sent reminder 1 for INV-2026-000001 to 'ana@example.pt'." in result.output
    assert "Skipped INV-2026-000002: the customer has no e-mail address." in result.output
    assert [p.name for p in out.iterdir()] == ["INV-2026-000001-reminder-1.eml"]
    again = crm(ledger, "remind", "--on", "2026-03-15", "--outbox", str(out))
    assert "Sent 0 reminders" in again.output


def test_remind_with_nothing_due_exits_1(ledger: Settings) -> None:
    """Before any level is reached nothing is due: exit 1."""
    assert crm(ledger, "remind", "--on", "2026-03-02", "--dry-run").exit_code == 1


def test_revenue_by_month_keeps_currencies_apart(ledger: Settings) -> None:
    """Revenue per month and currency: GBP and EUR are separate rows, never added."""
    result = crm(ledger, "report", "revenue", "--by", "month", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [(r["Month"], r["Currency"], r["Invoiced"], r["Paid"], r["Owed"]) for r in rows] == [
        ("2026-03", "GBP", "120.00", "0.00", "120.00"),
        ("2026-04", "EUR", "50.00", "30.00", "20.00"),
    ]


def test_invoices_report_of_one_customer_csv(ledger: Settings) -> None:
    """The invoices report of one customer lists only theirs, formula-like text neutralised."""
    result = crm(ledger, "report", "invoices", "--customer", "C-000002")
    rows = list(csv.reader(io.StringIO(result.output)))
    assert rows[0][:4] == ["Number", "Kind", "Customer", "Name"]
    assert [(r[0], r[3]) for r in rows[1:]] == [("INV-2026-000002", "'=1+1 Bob")]


def test_payments_report_to_xlsx(ledger: Settings, tmp_path: Path) -> None:
    """The payment history as XLSX: amounts are numbers, the settled part shown."""
    target = tmp_path / "payments.xlsx"
    result = crm(ledger, "report", "payments", "--from", "2026-04-01", "--out", str(target))
    assert result.exit_code == 0, result.output
    sheet = load_workbook(target).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][5:8] == ("Amount", "Amount in GBP", "Settled invoices")
    assert rows[1][3:8] == ("paid", "EUR", 30, None, 30)  # no EUR rate: no GBP amount
    assert target.stat().st_mode & 0o777 == 0o600


def test_payments_report_has_reporting_amounts(ledger: Settings, tmp_path: Path) -> None:
    """With a EUR rate, each payment's GBP amount at the rate of its day stands beside the
    EUR one, in CSV, JSON and XLSX (a number there)."""
    svc = open_services(ledger)
    svc.rates.set(RateInput("EUR", "0.85", "2026-04-01"))
    svc.close()
    shown = crm(ledger, "report", "payments", "--from", "2026-04-01")
    rows = list(csv.reader(io.StringIO(shown.output)))
    assert rows[0][4:8] == ["Currency", "Amount", "Amount in GBP", "Settled invoices"]
    assert rows[1][4:8] == ["EUR", "30.00", "25.50", "30.00"]
    as_json = json.loads(crm(ledger, "report", "payments", "--format", "json").output)
    assert [(p["Amount"], p["Amount in GBP"]) for p in as_json] == [("30.00", "25.50")]
    target = tmp_path / "payments.xlsx"
    assert crm(ledger, "report", "payments", "--out", str(target)).exit_code == 0
    sheet = load_workbook(target).active
    assert sheet is not None
    assert list(sheet.iter_rows(values_only=True))[1][5:7] == (30, 25.5)


def test_report_refuses_backwards_period(ledger: Settings) -> None:
    """--to before --from is refused in one sentence (exit 2)."""
    result = crm(ledger, "report", "revenue", "--from", "2026-05-01", "--to", "2026-04-01")
    assert result.exit_code == 2 and "cannot end before it starts" in result.output
