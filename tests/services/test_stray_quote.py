"""A quote that does not balance is reported at its line; nothing after it is imported
unless the user accepts (issue 18, hole 5).

A first name `"Stray` in row 2 of 20 reported "2 rows, created 2" and 19
people ended up inside one customer's first name.
"""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select
from sqlmodel import col

from crm_tui.cli.main import cli
from crm_tui.config import Settings
from crm_tui.models import Customer
from crm_tui.services.imports.service import ImportService
from crm_tui.services.registry import Services

HEADER = "First name,Last name,Email,City\n"


def stray_file(tmp_path: Path, at: int = 2, rows: int = 20) -> Path:
    lines = [f"Row{i},Quote,q.{i}@stray.example,Leeds\n" for i in range(1, rows + 1)]
    lines[at - 1] = f'"Stray,Quote,q.{at}@stray.example,Leeds\n'
    path = tmp_path / "stray.csv"
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    return path


def test_stray_quote_stops_the_import_at_its_line(services: Services, tmp_path: Path) -> None:
    """Row 1 saved; line 3 (row 2) refused and named; rows 3-20 not imported."""
    summary = ImportService(services.ctx).run(stray_file(tmp_path))
    assert (summary.created, summary.refused, summary.halted_at) == (1, 1, 3)
    assert "Line 3 opens a quote" in summary.halt_reason
    assert services.customers.count() == 1


def test_accepting_imports_the_rows_after_it(services: Services, tmp_path: Path) -> None:
    """With the user's yes, rows 3-20 are read as rows; the stray row stays refused."""
    asked: list[int] = []

    def accept(line: int, _reason: str) -> bool:
        asked.append(line)
        return True

    summary = ImportService(services.ctx).run(stray_file(tmp_path), accept_stray_quotes=accept)
    assert asked == [3]
    assert (summary.created, summary.refused, summary.halted_at) == (19, 1, None)
    with services.ctx.read() as session:
        names = list(session.scalars(select(col(Customer.first_name))))
    assert len(names) == 19 and not any("\n" in (n or "") for n in names)


def test_a_real_multiline_cell_is_not_a_stray_quote(services: Services, tmp_path: Path) -> None:
    """A quoted address over two lines imports as one cell."""
    path = tmp_path / "multi.csv"
    path.write_text(HEADER + 'Ann,Lee,ann@multi.example,"Flat 2\nLeeds"\n'
                    "Bo,Lee,bo@multi.example,York\n", encoding="utf-8")  # fmt: skip
    summary = ImportService(services.ctx).run(path)
    assert (summary.created, summary.refused, summary.halted_at) == (2, 0, None)


def test_cli_reports_the_line_and_the_flag(sqlite_settings: Settings, tmp_path: Path) -> None:
    """`crm import` exits 2 naming the line; --accept-stray-quotes imports the rest."""
    url = sqlite_settings.database_url
    path = stray_file(tmp_path, at=5)
    first = CliRunner().invoke(cli, ["--db", url, "import", str(path)])
    assert first.exit_code == 2, first.output
    assert "Line 6 opens a quote" in first.output and "--accept-stray-quotes" in first.output
    second = CliRunner().invoke(cli, ["--db", url, "import", str(path), "--accept-stray-quotes"])
    assert second.exit_code == 0, second.output
