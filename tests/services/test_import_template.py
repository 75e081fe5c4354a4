"""The import template: every column import reads, one example row that imports as it is."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from crm_tui.cli.main import cli
from crm_tui.config import Settings
from crm_tui.services.imports.service import ImportService
from crm_tui.services.imports.template import write_template
from crm_tui.services.registry import Services


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_template_imports_as_it_is(services: Services, tmp_path: Path, fmt: str) -> None:
    """The example row makes one customer with nothing refused and nothing left out."""
    path = write_template(tmp_path / f"template.{fmt}", fmt)
    summary = ImportService(services.ctx).run(path)
    assert (summary.created, summary.refused, dict(summary.not_imported)) == (1, 0, {})
    assert summary.values_kept == summary.values
    ana = services.customers.resolve("ana@lima-trading.example.pt")
    assert (ana.kind, ana.vat_id, ana.payment_terms, str(ana.date_of_birth)) == (
        "business", "PT123456789", "Net 30", "1985-04-12",
    )  # fmt: skip
    kinds = sorted(p.kind for p in services.contact_points.list(ana.id))
    assert kinds == ["email", "email", "phone", "phone", "web", "web"]
    assert [a.city for a in services.addresses.list(ana.id)] == ["Lisboa", "Porto"]
    assert [(f.name, f.value) for f in services.custom_fields.list(ana.id)] == [("Locker", "B-17")]


def test_template_command(sqlite_settings: Settings, tmp_path: Path) -> None:
    """`crm import --template csv FILE` writes the file privately; never over another."""
    target = tmp_path / "start.csv"
    args = ["--db", sqlite_settings.database_url, "import", "--template", "csv", str(target)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert target.stat().st_mode & 0o777 == 0o600
    assert target.read_text(encoding="utf-8-sig").startswith("Kind,Status,First name")
    again = CliRunner().invoke(cli, args)
    assert again.exit_code == 2 and again.stderr.startswith("crm: ")
