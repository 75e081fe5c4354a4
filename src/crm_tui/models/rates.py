"""Exchange rates into the reporting currency, and which currency the stored figures are in.

`exchange_rate` holds "one unit of `currency` is worth `rate` units of
`quote`" from `valid_from` until the next rate of the same pair. `quote` is
the reporting currency the rate was set for, so rates stay true when the
business changes its reporting currency (the old ones simply stop applying).
`reporting_currency` has one row: the currency every stored reporting
amount (payment.reporting_amount, the summary's money figures) is in.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, UniqueConstraint
from sqlmodel import Field, SQLModel

from crm_tui.models.types import Rate, UTCDateTime, utcnow


class ExchangeRate(SQLModel, table=True):
    """One unit of `currency` is worth `rate` units of `quote` from `valid_from` on."""

    __tablename__ = "exchange_rate"
    __table_args__ = (
        UniqueConstraint("currency", "quote", "valid_from", name="uq_exchange_rate_pair_day"),
    )

    id: int | None = Field(default=None, primary_key=True)
    currency: str = Field(max_length=3)
    quote: str = Field(max_length=3)
    valid_from: date
    rate: Decimal = Field(sa_type=Rate)
    set_by: str = Field(default="", max_length=120)
    set_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class ReportingCurrency(SQLModel, table=True):
    """The one row naming the currency of every stored reporting amount."""

    __tablename__ = "reporting_currency"
    __table_args__ = (CheckConstraint("id = 1", name="ck_reporting_currency_one_row"),)

    id: int = Field(default=1, primary_key=True)
    currency: str = Field(max_length=3)
    changed_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
