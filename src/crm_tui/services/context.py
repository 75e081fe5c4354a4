"""What every service needs: the database, who is acting, and local rules."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from crm_tui.config_invoicing import InvoicingSettings
from crm_tui.db.engine import Database
from crm_tui.services.errors import ReadOnlyError


@dataclass(frozen=True)
class ServiceContext:
    """Shared by the service objects of one process."""

    db: Database
    actor: str
    default_region: str = "GB"
    read_only: bool = False
    invoicing: InvoicingSettings = field(default_factory=InvoicingSettings)
    # The currency every figure is in: the database's recorded one once
    # registry.open_services has brought it to the configured one (services.money.reporting).
    reporting_currency: str = "GBP"

    @contextmanager
    def write(self) -> Iterator[Session]:
        """One unit of work that writes; refused in read-only mode."""
        if self.read_only:
            raise ReadOnlyError()
        with self.db.write() as session:
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self.db.read() as session:
            yield session
