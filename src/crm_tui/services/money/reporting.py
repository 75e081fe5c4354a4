"""Which currency the stored reporting amounts are in, and moving them to another.

The database records its reporting currency (table `reporting_currency`).
Every stored reporting figure (payment.reporting_amount, the summary's money
sums) is in that currency; the configured one (config.reporting_currency)
becomes it when the database is opened for writing:

- nothing recorded yet (a new database, or one just migrated to 0008): the
  configured currency is recorded and every amount computed;
- recorded and different, and the config names a currency explicitly: the
  business changed its reporting currency, so every amount is recomputed;
- recorded and different, but the configured one is only the locale's
  default: the recorded one stays (one clerk's locale on a shared database
  must not rewrite everyone's figures);
- read-only: whatever is recorded is what the figures are in.

Each move is one transaction, so figures are never half in one currency.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.db.engine import Database
from crm_tui.models import ReportingCurrency
from crm_tui.models.types import utcnow

FALLBACK = "GBP"  # what the app reported in before a currency was recorded


def recorded_statement() -> Select[Any]:
    """SELECT of the recorded reporting currency (also run by the lean read path)."""
    return select(col(ReportingCurrency.currency))


def recorded(session: Session | Connection) -> str | None:
    """The currency the stored reporting amounts are in, or None before the first write."""
    found = session.scalar(recorded_statement())
    return None if found is None else str(found)


def currency(session: Session | Connection) -> str:
    """The reporting currency to compute in (recorded, else the app's old GBP)."""
    return recorded(session) or FALLBACK


def settle(db: Database, configured: str, *, explicit: bool, writable: bool) -> str:
    """Bring the database to the reporting currency it should use; returns that currency."""
    with db.read() as session:
        current = recorded(session)
    if not writable:
        return current or configured
    if current == configured or (current is not None and not explicit):
        return current
    try:
        with db.write() as session:
            current = recorded(session)  # again, inside the transaction that may change it
            if current == configured or (current is not None and not explicit):
                return current
            switch(session, configured)
    except IntegrityError:  # another process recorded one first (PostgreSQL)
        with db.read() as session:
            return recorded(session) or configured
    return configured


def switch(session: Session, target: str) -> None:
    """Record `target` and recompute every reporting amount and figure in it."""
    row = session.get(ReportingCurrency, 1)
    if row is None:
        session.add(ReportingCurrency(id=1, currency=target))
    else:
        row.currency = target
        row.changed_at = utcnow()
    session.flush()
    from crm_tui.services.money import recompute  # it uses billing.summary, which uses us

    recompute.everything(session)
