"""Adversarial cases 3, 5 and 9: imports at once, out-of-range points, stray quotes, vCards."""

from __future__ import annotations

import threading
import tracemalloc
from pathlib import Path

from sqlalchemy import ColumnElement, func, select
from sqlmodel import col

from benchmarks.reliability.adversarial.common import CaseResult, Size, clerk, fresh, raised
from crm_tui.models import Customer
from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.errors import DuplicateEmail
from crm_tui.services.imports.service import ImportService
from crm_tui.services.registry import Services

HEADER = "First name,Last name,Email,Loyalty points\n"


def _count(services: Services, *where: ColumnElement[bool]) -> int:
    with services.ctx.read() as session:
        return int(session.scalar(select(func.count()).select_from(Customer).where(*where)) or 0)


def imports_at_once(url: str, folder: Path, size: Size) -> CaseResult:
    """Two imports of the same new e-mails at once: no crash, each e-mail once."""
    result = CaseResult("3a. two imports of the same new e-mails at once")
    rows = size.pick(400, 2_000)
    with fresh(url, folder / "imports-at-once") as services:
        for attempt in range(size.pick(2, 5)):
            path = folder / f"same-{attempt}.csv"
            lines = [
                f"Ann{i},Same{attempt},same{attempt}.{i}@import.example,{i}\n" for i in range(rows)
            ]
            path.write_text(HEADER + "".join(lines), encoding="utf-8")
            clerks = [clerk(services, f"importer{n}") for n in range(2)]
            barrier = threading.Barrier(2)
            errors: list[BaseException] = []

            threads = [
                threading.Thread(target=_import_at_once, args=(c, path, barrier, errors, size))
                for c in clerks
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            for c in clerks:
                c.close()
            made = _count(services, col(Customer.email).like(f"same{attempt}.%"))
            result.attempt(not errors and made == rows, f"{errors[:1]!r}, {made} of {rows} saved")
    return result


def _import_at_once(
    clerk_services: Services,
    path: Path,
    barrier: threading.Barrier,
    errors: list[BaseException],
    size: Size,
) -> None:
    barrier.wait()
    error = raised(lambda: ImportService(clerk_services.ctx).run(
        path, on_duplicate="update", batch=size.pick(100, 1_000)))  # fmt: skip
    if error is not None:
        errors.append(error)


def points_out_of_range(url: str, folder: Path, size: Size) -> CaseResult:
    """Loyalty points a column cannot hold are left out; the row and its neighbours are kept (issue 16)."""
    result = CaseResult("3b. out-of-range loyalty points are left out, the row kept")
    del size
    with fresh(url, folder / "points") as services:
        for n, points in enumerate(["3000000000", str(2**31), str(2**63), "1" + "0" * 23, "-5"]):
            path = folder / f"points-{n}.csv"
            path.write_text(HEADER + f"Good,One,good{n}a@points.example,10\n"
                            f"Bad,Two,bad{n}@points.example,{points}\n"
                            f"Good,Three,good{n}b@points.example,20\n", encoding="utf-8")  # fmt: skip
            error = raised(lambda p=path: ImportService(services.ctx).run(p))  # type: ignore[misc]
            good = _count(services, col(Customer.email).like(f"good{n}%"))
            bad = _count(services, col(Customer.email) == f"bad{n}@points.example",
                         col(Customer.loyalty_points) == 0)  # fmt: skip
            result.attempt(error is None and good == 2 and bad == 1,
                           f"{points}: {error!r}, good {good}, bad {bad}")  # fmt: skip
    return result


def stray_quote(url: str, folder: Path, size: Size) -> CaseResult:
    """A first name `"Stray` in row 2 of 20: reported at its line, nothing after it imported."""
    result = CaseResult("5. a stray quote does not swallow the file")
    with fresh(url, folder / "stray") as services:
        for n in range(size.pick(3, 10)):
            at = 2 + n  # the row with the stray quote
            lines = [f"Row{i},Quote{n},q{n}.{i}@stray.example,{i}\n" for i in range(1, 21)]
            lines[at - 1] = f'"Stray,Quote{n},q{n}.{at}@stray.example,{at}\n'
            path = folder / f"stray-{n}.csv"
            path.write_text(HEADER + "".join(lines), encoding="utf-8")
            summary = ImportService(services.ctx).run(path)
            saved = _count(services, col(Customer.last_name) == f"Quote{n}")
            swallowed = _count(services, col(Customer.first_name).like("%Row%"),
                               col(Customer.first_name).like("%\n%"))  # fmt: skip
            halted = getattr(summary, "halted_at", None)
            ok = saved == at - 1 and swallowed == 0 and halted == at + 1
            result.attempt(ok, f"saved {saved} (want {at - 1}), halted at {halted}")
    return result


def _card(n: int, email: str) -> str:
    return f"BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Card {n}\r\nN:{n};Card;;;\r\nEMAIL:{email}\r\nEND:VCARD\r\n"


def vcard_cut_short(url: str, folder: Path, size: Size) -> CaseResult:
    """A card missing END:VCARD is reported, not dropped: every card is counted."""
    result = CaseResult("9a. a card without END:VCARD is reported")
    cards = size.pick(500, 20_001)
    with fresh(url, folder / "vcard-short") as services:
        for at in (1, cards // 2, cards):
            text = "".join(_card(n, f"v{at}.{n}@vcard.example") for n in range(1, cards + 1))
            broken = _card(at, f"v{at}.{at}@vcard.example").replace("END:VCARD\r\n", "")
            text = text.replace(_card(at, f"v{at}.{at}@vcard.example"), broken)
            path = folder / f"short-{at}.vcf"
            path.write_text(text, encoding="utf-8")
            summary = ImportService(services.ctx).run(path, batch=1_000)
            result.attempt(summary.rows == cards and summary.refused == 1,
                           f"{summary.rows} of {cards} counted, {summary.refused} refused")  # fmt: skip
    return result


def vcard_parameters(url: str, folder: Path, size: Size) -> CaseResult:
    """A 1.9 MB card of 200,000 parameters is refused in bounded memory."""
    result = CaseResult("9b. a card of 200k parameters stays in bounded memory")
    params = size.pick(200_000, 200_000)
    with fresh(url, folder / "vcard-params") as services:
        path = folder / "params.vcf"
        path.write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Many\r\nNOTE" + ";X=abcdef" * params
                        + ":hi\r\nEND:VCARD\r\n" + _card(2, "after@vcard.example"), encoding="utf-8")  # fmt: skip
        tracemalloc.start()
        try:
            summary = ImportService(services.ctx).run(path)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        ok = peak < 64 * 1024 * 1024 and summary.refused == 1 and summary.created == 1
        result.attempt(ok, f"peak {peak / 2**20:.0f} MiB, refused {summary.refused}, "
                           f"created {summary.created}")  # fmt: skip
    return result


def idna_emails(url: str, folder: Path, size: Size) -> CaseResult:
    """ann@bücher.example and ann@xn--bcher-kva.example are one customer."""
    result = CaseResult("9c. IDNA forms of one e-mail are one customer")
    del size
    with fresh(url, folder / "idna") as services:
        pairs = [("ann@bücher.example", "ann@xn--bcher-kva.example"),
                 ("bo@XN--BCHER-KVA.example", "bo@BÜCHER.example"),
                 ("cy@münchen.de", "cy@xn--mnchen-3ya.de")]  # fmt: skip
        for first, second in pairs:
            services.customers.create(CustomerCreate(first_name="Idna", email=first))
            error = raised(
                lambda s=second: services.customers.create(
                    CustomerCreate(first_name="Idna", email=s)
                )  # type: ignore[misc]
            )
            result.attempt(isinstance(error, DuplicateEmail),
                           f"{second} created beside {first}")  # fmt: skip
    return result
