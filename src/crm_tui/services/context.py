"""What every service needs: the database, who is acting, and local rules."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from crm_tui.config_invoicing import InvoicingSettings
from crm_tui.db.engine import Database
from crm_tui.services.errors import ReadOnlyError
from crm_tui.services.roles.detect import read_permissions
from crm_tui.services.roles.policy import Capability, Permissions
from crm_tui.services.roles.refusals import refusal_sentence, translated


@dataclass(frozen=True)
class ServiceContext:
    """Shared by the service objects of one process.

    `permissions` is the connected login's role (read when the services
    open); a write the role may not make is refused before it starts, and
    one PostgreSQL refuses anyway comes back as the same sentence.
    """

    db: Database
    actor: str
    default_region: str = "GB"
    read_only: bool = False
    invoicing: InvoicingSettings = field(default_factory=InvoicingSettings)
    # The currency every figure is in: the database's recorded one once
    # registry.open_services has brought it to the configured one (services.money.reporting).
    reporting_currency: str = "GBP"
    permissions: Permissions = field(default_factory=Permissions.unrestricted)
    live: str = "listen"  # see Settings.live
    live_url: str | None = None

    def require(self, needs: Capability = Capability.CHANGE) -> None:
        """Refuse now (read-only mode, or the role) what the write would be refused anyway."""
        if self.read_only and needs.writes:
            raise ReadOnlyError()
        self.permissions.require(needs)

    def permissions_now(self) -> Permissions:
        """The login's role as the database says now (an administrator may have changed
        it since the start); the one read at the start if the database cannot say."""
        try:
            return read_permissions(self.db.engine, local_login=self.permissions.login)
        except DBAPIError:
            return self.permissions

    def refusal(self, exc: BaseException, needs: Capability = Capability.CHANGE) -> str:
        """The sentence for a permission error PostgreSQL raised, naming the role held now."""
        return refusal_sentence(exc, self.permissions_now(), needs)

    @contextmanager
    def refusals(self, needs: Capability = Capability.CHANGE) -> Iterator[None]:
        """PostgreSQL's permission errors inside the block, as the role's sentence."""
        with translated(self.permissions_now, needs):
            yield

    @contextmanager
    def write(self, needs: Capability = Capability.CHANGE) -> Iterator[Session]:
        """One unit of work that writes; refused in read-only mode and when the role
        may not do `needs`."""
        self.require(needs)
        with translated(self.permissions_now, needs), self.db.write() as session:
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        with translated(self.permissions_now, Capability.READ), self.db.read() as session:
            yield session
