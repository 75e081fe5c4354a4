"""A customer whose e-mail was cleared but who keeps an older one: the export's primary
columns stay empty (the older one is not promoted on the way out), the older one keeps
its numbered column, and nothing is lost in any format."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import vobject

from crm_tui.services.customers.inputs import CustomerCreate, CustomerUpdate
from crm_tui.services.exports.service import ExportService
from crm_tui.services.registry import Services


def _cleared(services: Services) -> int:
    """Ana's e-mail changed (the old one stays as a second e-mail), then cleared."""
    ana = services.customers.create(CustomerCreate(first_name="Ana", email="ana@old.example"))
    changed = services.customers.update(
        ana.id, CustomerUpdate(email="ana@new.example"), expected_version=ana.version
    )
    cleared = services.customers.update(
        ana.id, CustomerUpdate(email=None), expected_version=changed.version
    )
    assert cleared.email is None
    assert [p.value for p in services.contact_points.list(ana.id) if p.kind == "email"] == [
        "ana@old.example"
    ]
    return ana.id


def test_csv_leaves_the_cleared_primary_empty(services: Services, tmp_path: Path) -> None:
    _cleared(services)
    path = tmp_path / "out.csv"
    ExportService(services.ctx).export(path, fmt="csv")
    with path.open(newline="", encoding="utf-8-sig") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["E-mail"] == "" and row["E-mail - Label"] == ""
    assert row["E-mail 2 - Value"] == "ana@old.example"


def test_json_and_vcard_keep_the_older_email_not_as_primary(
    services: Services, tmp_path: Path
) -> None:
    _cleared(services)
    ExportService(services.ctx).export(tmp_path / "out.json", fmt="json")
    (record,) = json.loads((tmp_path / "out.json").read_text(encoding="utf-8"))
    emails = [p for p in record["contact_points"] if p["kind"] == "email"]
    assert record["email"] is None
    assert [(p["value"], p["primary"]) for p in emails] == [("ana@old.example", False)]
    ExportService(services.ctx).export(tmp_path / "out.vcf", fmt="vcf")
    card = vobject.readOne((tmp_path / "out.vcf").read_text(encoding="utf-8"))
    (email,) = card.contents["email"]
    assert email.value == "ana@old.example" and "PREF" not in email.params.get("TYPE", [])
