"""Opening a database and the service objects over it, for the CLI, app and tests."""

from __future__ import annotations

from dataclasses import dataclass

from crm_tui.config import Settings, default_database_path, to_database_url
from crm_tui.db import migrate
from crm_tui.db.engine import Database, make_engine
from crm_tui.services.addresses import AddressService
from crm_tui.services.billing import BillingService
from crm_tui.services.billing_groups import BillingGroupService
from crm_tui.services.bulk import BulkService
from crm_tui.services.contacts import ContactService
from crm_tui.services.context import ServiceContext
from crm_tui.services.customers import CustomerService
from crm_tui.services.dashboard import DashboardService
from crm_tui.services.duplicates import DuplicateFinder
from crm_tui.services.figures import FigureService
from crm_tui.services.history import HistoryService
from crm_tui.services.lookups import LookupService
from crm_tui.services.lookups_wizard import WizardLookupService
from crm_tui.services.notes import NoteService
from crm_tui.services.search import SearchService
from crm_tui.services.segments import SegmentService, segment_condition
from crm_tui.services.tags import TagService


@dataclass
class Services:
    """Every service over one database; one instance per process."""

    ctx: ServiceContext
    customers: CustomerService
    addresses: AddressService
    contacts: ContactService
    notes: NoteService
    billing: BillingService
    figures: FigureService
    history: HistoryService
    search: SearchService
    duplicates: DuplicateFinder
    wizard_lookups: WizardLookupService

    @classmethod
    def over(cls, ctx: ServiceContext) -> Services:
        return cls(
            ctx=ctx,
            customers=CustomerService(ctx),
            addresses=AddressService(ctx),
            contacts=ContactService(ctx),
            notes=NoteService(ctx),
            billing=BillingService(ctx),
            figures=FigureService(ctx),
            history=HistoryService(ctx),
            search=SearchService(ctx, segment_condition=segment_condition),
            duplicates=DuplicateFinder(ctx),
            wizard_lookups=WizardLookupService(ctx),
        )

    @property
    def bulk(self) -> BulkService:
        """Bulk tag/status/export; shares `search` so mark-all means what the list shows."""
        return BulkService(self.ctx, self.search)

    @property
    def lookups(self) -> LookupService:
        """Choices for the customer list's filters."""
        return LookupService(self.ctx)

    # Segments, tags, billing groups and dashboard figures: stateless, built on use.
    @property
    def segments(self) -> SegmentService:
        return SegmentService(self.ctx)

    @property
    def tags(self) -> TagService:
        return TagService(self.ctx)

    @property
    def billing_groups(self) -> BillingGroupService:
        return BillingGroupService(self.ctx)

    @property
    def dashboard(self) -> DashboardService:
        return DashboardService(self.ctx)

    def close(self) -> None:
        self.ctx.db.dispose()


def open_database(settings: Settings, *, migrate_schema: bool = True) -> Database:
    """Engine for the settings' URL; creates and migrates the schema when needed."""
    if settings.database_url == to_database_url(str(default_database_path())):
        default_database_path().parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url, must_exist=settings.read_only)
    if migrate_schema and not settings.read_only:
        migrate.ensure_current(engine)
    else:
        migrate.check_not_newer(engine)
    return Database(engine)


def open_services(settings: Settings, *, migrate_schema: bool = True) -> Services:
    db = open_database(settings, migrate_schema=migrate_schema)
    ctx = ServiceContext(
        db=db,
        actor=settings.clerk,
        default_region=settings.default_region,
        read_only=settings.read_only,
    )
    return Services.over(ctx)
