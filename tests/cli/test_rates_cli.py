"""`crm rates set|list|import`, and amounts with their currency in `crm show` and `crm lookup`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from crm_tui.cli.main import cli
from crm_tui.config import Settings
from crm_tui.services.billing.inputs import PaymentCreate
from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.registry import open_services


def crm(settings: Settings, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", settings.database_url, *args], catch_exceptions=False)


@pytest.fixture
def paid(sqlite_settings: Settings) -> Settings:
    """Ana paid GBP 100.00, EUR 50.00 and USD 20.00 in January 2026; no rates yet."""
    svc = open_services(sqlite_settings)
    cid = svc.customers.create(CustomerCreate(first_name="Ana", last_name="Reis")).id
    for amount, currency, day in (("100.00", "GBP", "2026-01-05"), ("50.00", "EUR", "2026-01-10"),
                                  ("20.00", "USD", "2026-01-15")):  # fmt: skip
        svc.billing.record_payment(
            cid, PaymentCreate(amount=amount, currency=currency, paid_at=day)
        )
    svc.close()
    return sqlite_settings


def test_set_then_list_then_show(paid: Settings) -> None:
    """A rate set from the shell moves the figures at once; show prints each currency."""
    result = crm(paid, "rates", "set", "eur", "0.85", "--from", "2026-01-01")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("1 EUR = 0.85 GBP from 2026-01-01; recomputed 1 payment(s)")
    listed = crm(paid, "rates", "list")
    assert listed.exit_code == 0
    assert "Reporting currency: GBP" in listed.output
    assert "1 EUR" in listed.output and "0.85" in listed.output
    assert "No rate: 1 paid payment(s) in USD (USD 20.00)" in listed.stderr
    card = crm(paid, "show", "C-000001")
    assert "Lifetime value  GBP 142.50" in card.output  # 100.00 + 50 x 0.85
    assert "paid in EUR   EUR 50.00 = GBP 42.50" in card.output
    assert "USD 20.00 = GBP 0.00 (1 payment with no rate left out)" in card.output
    figures = json.loads(crm(paid, "show", "C-000001", "--json").output)["figures"]
    assert (figures["currency"], figures["lifetime_value"]) == ("GBP", "142.50")
    row = json.loads(crm(paid, "lookup", "ana", "--json").output)
    assert (row["lifetime_value"], row["currency"]) == ("142.50", "GBP")
    assert crm(paid, "lookup", "ana").output.rstrip("\n").endswith("142.50\tGBP")


def test_import_is_all_or_nothing(paid: Settings, tmp_path: Path) -> None:
    """A file with one bad line sets nothing and names the line; a good one sets every rate."""
    bad = tmp_path / "bad.csv"
    bad.write_text("currency,rate,from\nEUR,0.85,2026-01-01\nUSD,-2,2026-01-01\n")
    refused = crm(paid, "rates", "import", str(bad))
    assert refused.exit_code == 2
    assert refused.stderr.strip() == f"crm: Line 3 of {bad}: A rate must be more than zero, not -2."
    assert crm(paid, "rates", "list").exit_code == 1  # nothing was set
    good = tmp_path / "rates.csv"
    good.write_text("Currency,Rate,From\nEUR,0.85,2026-01-01\nUSD,0.79,2026-01-01\n")
    done = crm(paid, "rates", "import", str(good))
    assert done.output.strip() == (
        "Set 2 rate(s) into GBP; recomputed 2 payment(s) and their customers' figures."
    )
    rows = json.loads(crm(paid, "rates", "list", "--json").output)
    assert [(r["currency"], r["rate"], r["from"]) for r in rows] == [
        ("EUR", "0.85", "2026-01-01"), ("USD", "0.79", "2026-01-01"),
    ]  # fmt: skip
    figures = json.loads(crm(paid, "show", "C-000001", "--json").output)["figures"]
    assert figures["lifetime_value"] == "158.30"  # 100.00 + 42.50 + 15.80


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["XYZ", "1"], "crm: 'XYZ' is not an ISO 4217 currency code, such as EUR."),
        (["EUR", "-1"], "crm: A rate must be more than zero, not -1."),
        (["EUR", "0"], "crm: A rate must be more than zero, not 0."),
        (["EUR", "1", "--from", "2026-02-30"],
         "crm: '2026-02-30' is not a date; write the rate's first day as YYYY-MM-DD."),
        (["GBP", "1"], "crm: GBP is the reporting currency; its rate is always 1."),
    ],
)  # fmt: skip
def test_bad_rates_exit_2_with_one_sentence(paid: Settings, args: list[str], message: str) -> None:
    """Refusals come from the service layer, one sentence on stderr, exit code 2."""
    result = crm(paid, "rates", "set", *args)
    assert (result.exit_code, result.stderr.strip()) == (2, message)


def test_db_check_flags_payments_with_no_rate(paid: Settings) -> None:
    """The check stays sound (exit 0) but says which payments count for nothing."""
    result = crm(paid, "db", "check")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert any(line.startswith("! 1 paid payment(s) in EUR (EUR 50.00") for line in lines)
    assert any("`crm rates set USD RATE --from 2026-01-15`" in line for line in lines)
    assert lines[-1].startswith("The database is sound")
