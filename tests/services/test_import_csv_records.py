"""Records as the CSV reader hands them on: short rows padded to the header, blank extra
cells dropped, a row with values past the header or with bytes that are not UTF-8 refused."""

from __future__ import annotations

from pathlib import Path

from crm_tui.services.imports.formats import SourceRecord, open_source

HEADER = b"First name,Last name,Email\n"


def _records(path: Path) -> list[SourceRecord]:
    with open_source(path) as source:
        return list(source.records())


def test_cells_are_fitted_to_the_header(tmp_path: Path) -> None:
    path = tmp_path / "rows.csv"
    path.write_bytes(HEADER + b"Ann,Lee,ann@example.com\nBo\nCy,Dee,cy@example.com,,  \n"
                     b"Di,Eve,di@example.com,stray\n")  # fmt: skip
    ann, bo, cy, di = _records(path)
    assert (ann.cells, ann.error) == (["Ann", "Lee", "ann@example.com"], None)
    assert (bo.cells, bo.error) == (["Bo", "", ""], None)
    assert (cy.cells, cy.error) == (["Cy", "Dee", "cy@example.com"], None)
    assert di.cells == ["Di", "Eve", "di@example.com"]
    assert di.error is not None and "has 4 cells but the header has 3" in di.error


def test_a_row_with_bytes_that_are_not_utf8_is_refused_in_any_cell(tmp_path: Path) -> None:
    path = tmp_path / "bytes.csv"
    good = b"".join(b"Name%d,Lee,n%d@example.com\n" % (i, i) for i in range(3000))
    path.write_bytes(HEADER + good + b"Ann,L\xffee,ann@example.com\nBo,Lee,b\xfe@example.com\n")
    records = _records(path)
    assert all(r.error is None for r in records[:3000])
    ann, bo = records[3000:]
    for record in (ann, bo):
        assert record.error is not None and "not valid UTF-8" in record.error
    assert ann.cells == ["Ann", "L\ufffdee", "ann@example.com"]
    assert bo.cells == ["Bo", "Lee", "b\ufffd@example.com"]
