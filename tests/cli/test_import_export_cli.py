"""`crm import`, `crm export` and `crm merge` as a user runs them (SQLite)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from crm_tui.cli.main import cli
from crm_tui.config import Settings
from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.registry import open_services

DATA = Path(__file__).resolve().parent.parent / "data" / "imports"


def _crm(settings: Settings, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--db", settings.database_url, *args])
    return result.exit_code, result.stdout, result.stderr


def test_import_summary_and_refused_file(sqlite_settings: Settings, tmp_path: Path) -> None:
    """An import prints counts and reasons and writes the refused rows beside the file."""
    source = tmp_path / "google.csv"
    source.write_bytes((DATA / "google_contacts.csv").read_bytes())
    code, out, err = _crm(sqlite_settings, "import", str(source))
    assert code == 0, err
    assert (
        "Google Contacts" in out and "created           2" in out and "refused           2" in out
    )
    assert (tmp_path / "google.refused.csv").exists()


def test_dry_run_and_modes(sqlite_settings: Settings, tmp_path: Path) -> None:
    """--dry-run writes nothing; --on-duplicate update updates what is on file."""
    source = tmp_path / "outlook.csv"  # what is not imported is listed beside it
    source.write_bytes((DATA / "outlook.csv").read_bytes())
    outlook = (str(source), "--date-order", "dmy")
    code, out, _err = _crm(sqlite_settings, "import", *outlook, "--dry-run")
    assert code == 0 and "Dry run" in out
    services = open_services(sqlite_settings)
    assert services.customers.count() == 0
    services.close()
    assert _crm(sqlite_settings, "import", *outlook)[0] == 0
    code, out, _err = _crm(sqlite_settings, "import", *outlook, "--on-duplicate", "update")
    assert code == 0 and "unchanged         2" in out


def test_mapping_option(sqlite_settings: Settings, tmp_path: Path) -> None:
    """--mapping HEADER=FIELD maps unknown columns; a bad one is one sentence, exit 2."""
    source = tmp_path / "odd.csv"
    source.write_text("Who,Mail\nAna Lima,ana@example.pt\n", encoding="utf-8")
    code, _out, err = _crm(sqlite_settings, "import", str(source))
    assert code == 2 and "No column" in err and "Traceback" not in err
    code, out, err = _crm(
        sqlite_settings,
        "import",
        str(source),
        "--mapping",
        "who=full_name",
        "--mapping",
        "Mail=email",
    )
    assert code == 0, err
    code, _out, err = _crm(sqlite_settings, "import", str(source), "--mapping", "Who=shoe size")
    assert code == 2 and err.startswith("crm: ") and err.count("\n") == 1


def test_hostile_files_exit_2(sqlite_settings: Settings, tmp_path: Path) -> None:
    """Garbage or a missing file: one clear sentence on stderr and exit code 2."""
    (tmp_path / "junk.csv").write_bytes(bytes(range(256)) * 20)
    for path in (tmp_path / "junk.csv", tmp_path / "missing.csv"):
        code, _out, err = _crm(sqlite_settings, "import", str(path))
        assert code == 2 and err.startswith("crm: ") and "Traceback" not in err


def test_export_formats_and_person(sqlite_settings: Settings, tmp_path: Path) -> None:
    """Export writes each format; --customer writes one person's data as JSON."""
    source = tmp_path / "shopify.csv"  # the refused rows land beside the file
    source.write_bytes((DATA / "shopify_customers.csv").read_bytes())
    _crm(sqlite_settings, "import", str(source))
    for fmt in ("csv", "xlsx", "vcf", "json"):
        code, out, err = _crm(sqlite_settings, "export", str(tmp_path / f"all.{fmt}"))
        assert code == 0 and "Exported 3 customers" in out, err
    code, _out, err = _crm(sqlite_settings, "export", str(tmp_path / "all.csv"))
    assert code == 2 and "already exists" in err
    code, _out, _err = _crm(
        sqlite_settings, "export", str(tmp_path / "none.csv"), "--query", "zzzzqq"
    )
    assert code == 1
    code, out, err = _crm(
        sqlite_settings, "export", str(tmp_path / "p.json"), "--customer", "sofia.rossi@example.it"
    )
    assert code == 0, err
    data = json.loads((tmp_path / "p.json").read_text(encoding="utf-8"))
    assert data["customer"]["email"] == "sofia.rossi@example.it"
    assert {"address", "customer_tag", "change_history"} <= set(data["related"])


def test_merge_command(sqlite_settings: Settings) -> None:
    """crm merge shows the plan, merges with --yes and refuses without a terminal."""
    services = open_services(sqlite_settings)
    a = services.customers.create(
        CustomerCreate(first_name="Ana", last_name="Lima", phone="+447911123456")
    )
    b = services.customers.create(
        CustomerCreate(first_name="Anna", last_name="Lima", email="anna@example.com")
    )
    services.close()
    code, _out, err = _crm(sqlite_settings, "merge", a.number, b.number)
    assert code == 2 and "--yes" in err
    code, out, err = _crm(
        sqlite_settings, "merge", a.number, b.number, "--take", f"first_name={b.id}", "--yes"
    )
    assert code == 0, err
    assert "Merged 1 customer into" in out
    services = open_services(sqlite_settings)
    assert services.customers.get(a.id).first_name == "Anna"
    assert services.customers.get(b.id).status == "merged"
    services.close()
    code, _out, err = _crm(sqlite_settings, "merge", a.number, "C-999999", "--yes")
    assert code == 1
