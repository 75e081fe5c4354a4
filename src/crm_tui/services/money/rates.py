"""Exchange rates the user sets or imports, and payments that have none.

Every change is one transaction that also recomputes the stored reporting
amounts it moves (see recompute): figures are never left at an old rate; and
payment credit that was waiting for the rate settles the open invoices in
other currencies it now can (billing.settlement).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.models import ExchangeRate, Payment
from crm_tui.models.enums import PaymentStatus
from crm_tui.models.types import RATE_PLACES
from crm_tui.services.billing import settlement, summary
from crm_tui.services.common import as_money
from crm_tui.services.context import ServiceContext
from crm_tui.services.errors import ValidationError
from crm_tui.services.money import recompute, reporting
from crm_tui.services.money.codes import iso_currency
from crm_tui.services.roles.policy import Capability
from crm_tui.services.validation import parse_date

MAX_RATE = Decimal("1000000")  # exclusive; NUMERIC(18,8) holds up to 10^10
MAX_IMPORT_BYTES = 10 * 1024 * 1024
HEADERS = {"currency": "currency", "rate": "rate", "from": "from", "valid_from": "from"}


@dataclass(frozen=True)
class RateRead:
    """One stored rate: 1 `currency` = `rate` `quote` from `valid_from` on."""

    currency: str
    quote: str
    valid_from: date
    rate: Decimal
    set_by: str
    set_at: datetime


@dataclass(frozen=True)
class RateInput:
    """A rate as typed or read from a file, before it is checked."""

    currency: object
    rate: object
    valid_from: object


@dataclass(frozen=True)
class RatesSaved:
    """What a set or an import wrote: the rates, and the payments recomputed."""

    rates: tuple[RateRead, ...]
    payments_recomputed: int


@dataclass(frozen=True)
class Unpriced:
    """Paid payments in `currency` with no rate for their day (left out of every figure)."""

    currency: str
    payments: int
    amount: Decimal
    first_day: date | None
    last_day: date | None


def parse_rate(raw: object, field: str = "rate") -> Decimal:
    text = str(raw if raw is not None else "").strip()
    try:
        rate = Decimal(text)
    except InvalidOperation:
        raise ValidationError(
            field, f"{text!r} is not a rate; write a number such as 0.85."
        ) from None
    if not rate.is_finite():
        raise ValidationError(field, f"{text!r} is not a rate; write a number such as 0.85.")
    if rate <= 0:
        raise ValidationError(field, f"A rate must be more than zero, not {text}.")
    if rate >= MAX_RATE:
        raise ValidationError(field, f"A rate must be less than {MAX_RATE:,}, not {text}.")
    if rate != rate.quantize(RATE_PLACES):
        raise ValidationError(field, f"A rate has at most 8 decimal places; {text} has more.")
    return rate


def parse_day(raw: object, field: str = "valid_from") -> date:
    try:
        day = parse_date(raw, field, required=True)
    except ValidationError:
        text = str(raw or "").strip()
        raise ValidationError(
            field, f"{text!r} is not a date; write the rate's first day as YYYY-MM-DD."
        ) from None
    assert day is not None
    if day > date.today():
        raise ValidationError(
            field,
            f"A rate cannot start after today ({date.today().isoformat()}); "
            f"set the {day.isoformat()} rate on that day.",
        )
    return day


class RateService:
    """Set, list and import rates into the reporting currency; find payments without one."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    @property
    def currency(self) -> str:
        """The reporting currency every figure is in."""
        return self.ctx.reporting_currency

    def check(self, data: RateInput) -> tuple[str, Decimal, date]:
        """One rate checked: an ISO 4217 code other than the reporting one, rate, day."""
        code = iso_currency(data.currency)
        if code == self.currency:
            raise ValidationError(
                "currency", f"{code} is the reporting currency; its rate is always 1."
            )
        return code, parse_rate(data.rate), parse_day(data.valid_from)

    def set(self, data: RateInput) -> RatesSaved:
        """Store one rate (replacing the same currency and day) and recompute what it moves."""
        return self._save([self.check(data)])

    def import_csv(self, path: Path) -> RatesSaved:
        """Every rate in a CSV file (currency, rate, from), all or none."""
        return self._save(self._read_csv(path))

    def stored(self, currency: str | None = None) -> list[RateRead]:
        """The rates into the reporting currency, by currency and day."""
        code = iso_currency(currency) if currency else None
        with self.ctx.read() as session:
            query = select(ExchangeRate).where(col(ExchangeRate.quote) == self.currency)
            if code:
                query = query.where(col(ExchangeRate.currency) == code)
            query = query.order_by(col(ExchangeRate.currency), col(ExchangeRate.valid_from))
            return [_read(row) for row in session.scalars(query)]

    def unpriced(self) -> list[Unpriced]:
        """Paid payments with no reporting amount, per currency (one grouped query)."""
        with self.ctx.read() as session:
            return unpriced(session)

    def _save(self, checked: Sequence[tuple[str, Decimal, date]]) -> RatesSaved:
        with self.ctx.write(Capability.SETTINGS) as session:
            if reporting.currency(session) != self.currency:  # pragma: no cover (a race)
                raise ValidationError(
                    "currency", "The reporting currency changed meanwhile; try again."
                )
            saved = [self._upsert(session, code, rate, day) for code, rate, day in checked]
            codes = {c for c, _r, _d in checked}
            count = recompute.payments(session, codes)
            summary.refresh_money(session, recompute.customers_in(codes))
            # Credit left waiting for one of these rates settles the invoices it can now.
            for customer_id in settlement.waiting_for_rates(session, codes):
                settlement.settle(session, customer_id, self.ctx.actor)
                summary.refresh(session, customer_id)
            return RatesSaved(tuple(saved), count)

    def _upsert(self, session: Session, code: str, rate: Decimal, day: date) -> RateRead:
        row = session.scalar(
            select(ExchangeRate).where(
                col(ExchangeRate.currency) == code,
                col(ExchangeRate.quote) == self.currency,
                col(ExchangeRate.valid_from) == day,
            )
        )
        if row is None:
            row = ExchangeRate(currency=code, quote=self.currency, valid_from=day, rate=rate)
            session.add(row)
        row.rate = rate
        row.set_by = self.ctx.actor[:120]
        session.flush()
        return _read(row)

    def _read_csv(self, path: Path) -> list[tuple[str, Decimal, date]]:
        try:
            if path.stat().st_size > MAX_IMPORT_BYTES:
                raise ValidationError("file", f"{path} is larger than 10 MB; split it.")
            with path.open(newline="", encoding="utf-8-sig") as fh:
                rows = list(csv.reader(fh))
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else "it is not UTF-8 text"
            raise ValidationError("file", f"{path} cannot be read: {reason}.") from None
        return list(self._checked_rows(path, rows))

    def _checked_rows(
        self, path: Path, rows: list[list[str]]
    ) -> Iterable[tuple[str, Decimal, date]]:
        if not rows:
            raise ValidationError("file", f"{path} is empty; it needs currency,rate,from lines.")
        names = [HEADERS.get(h.strip().lower(), "") for h in rows[0]]
        if {"currency", "rate", "from"} - set(names):
            raise ValidationError(
                "file", f"{path} needs a header line naming the columns currency, rate and from."
            )
        seen: dict[tuple[str, date], int] = {}
        for number, row in enumerate(rows[1:], start=2):
            if not any(cell.strip() for cell in row):
                continue
            values = dict(zip(names, row, strict=False))
            try:
                checked = self.check(
                    RateInput(values.get("currency"), values.get("rate"), values.get("from"))
                )
            except ValidationError as exc:
                raise ValidationError(exc.field, f"Line {number} of {path}: {exc}") from None
            key = (checked[0], checked[2])
            if key in seen:
                raise ValidationError(
                    "file",
                    f"Line {number} of {path} gives {key[0]} from {key[1]} again "
                    f"(line {seen[key]} did already).",
                )
            seen[key] = number
            yield checked
        if not seen:
            raise ValidationError("file", f"{path} has a header but no rates.")


def unpriced(session: Session | Connection) -> list[Unpriced]:
    """Paid payments whose day has no rate into the reporting currency, per currency."""
    day = func.min(col(Payment.paid_at)), func.max(col(Payment.paid_at))
    rows = session.execute(
        select(
            col(Payment.currency),
            func.count(),
            func.coalesce(func.sum(col(Payment.amount)), 0),
            *day,
        )
        .where(
            col(Payment.status) == PaymentStatus.PAID,
            col(Payment.reporting_amount).is_(None),
        )
        .group_by(col(Payment.currency))
        .order_by(col(Payment.currency))
    )
    return [
        Unpriced(
            currency=code,
            payments=int(count),
            amount=as_money(amount),
            first_day=first.date() if first else None,
            last_day=last.date() if last else None,
        )
        for code, count, amount, first, last in rows
    ]


def _read(row: ExchangeRate) -> RateRead:
    return RateRead(
        currency=row.currency,
        quote=row.quote,
        valid_from=row.valid_from,
        rate=row.rate,
        set_by=row.set_by,
        set_at=row.set_at,
    )
