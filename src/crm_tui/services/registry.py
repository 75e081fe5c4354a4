"""Opening a database and the service objects over it, for the CLI, app and tests.

Services are built on first use and their modules imported then, so a
one-shot command such as `crm lookup` pays only for what it touches.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from crm_tui.config import Settings
from crm_tui.services.context import ServiceContext
from crm_tui.services.opening import Access, open_database

if TYPE_CHECKING:
    from crm_tui.services.billing.figures import FigureService
    from crm_tui.services.billing.groups import BillingGroupService
    from crm_tui.services.billing.service import BillingService
    from crm_tui.services.bulk.service import BulkService
    from crm_tui.services.customers.addresses import AddressService
    from crm_tui.services.customers.contact_points import ContactPointService
    from crm_tui.services.customers.contacts import ContactService
    from crm_tui.services.customers.custom_fields import CustomFieldService
    from crm_tui.services.customers.notes import NoteService
    from crm_tui.services.customers.service import CustomerService
    from crm_tui.services.dashboard.service import DashboardService
    from crm_tui.services.exports.service import ExportService
    from crm_tui.services.history import HistoryService
    from crm_tui.services.invoices.reminders import ReminderService
    from crm_tui.services.invoices.reports import ReportService
    from crm_tui.services.invoices.run import BillingRun
    from crm_tui.services.invoices.service import InvoiceService
    from crm_tui.services.lookups.filters import LookupService
    from crm_tui.services.lookups.wizard import WizardLookupService
    from crm_tui.services.merge.duplicates import DuplicateFinder
    from crm_tui.services.money.rates import RateService
    from crm_tui.services.search import SearchService
    from crm_tui.services.segments.service import SegmentService
    from crm_tui.services.tags import TagService


class Services:
    """Every service over one database; one instance per process."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    @classmethod
    def over(cls, ctx: ServiceContext) -> Services:
        return cls(ctx)

    @cached_property
    def customers(self) -> CustomerService:
        from crm_tui.services.customers.service import CustomerService

        return CustomerService(self.ctx)

    @cached_property
    def addresses(self) -> AddressService:
        from crm_tui.services.customers.addresses import AddressService

        return AddressService(self.ctx)

    @cached_property
    def contacts(self) -> ContactService:
        from crm_tui.services.customers.contacts import ContactService

        return ContactService(self.ctx)

    @cached_property
    def contact_points(self) -> ContactPointService:
        from crm_tui.services.customers.contact_points import ContactPointService

        return ContactPointService(self.ctx)

    @cached_property
    def custom_fields(self) -> CustomFieldService:
        from crm_tui.services.customers.custom_fields import CustomFieldService

        return CustomFieldService(self.ctx)

    @cached_property
    def notes(self) -> NoteService:
        from crm_tui.services.customers.notes import NoteService

        return NoteService(self.ctx)

    @cached_property
    def billing(self) -> BillingService:
        from crm_tui.services.billing.service import BillingService

        return BillingService(self.ctx)

    @cached_property
    def figures(self) -> FigureService:
        from crm_tui.services.billing.figures import FigureService

        return FigureService(self.ctx)

    @cached_property
    def history(self) -> HistoryService:
        from crm_tui.services.history import HistoryService

        return HistoryService(self.ctx)

    @cached_property
    def search(self) -> SearchService:
        from crm_tui.services.search import SearchService
        from crm_tui.services.segments.membership import segment_condition

        return SearchService(self.ctx, segment_condition=segment_condition)

    @cached_property
    def duplicates(self) -> DuplicateFinder:
        from crm_tui.services.merge.duplicates import DuplicateFinder

        return DuplicateFinder(self.ctx)

    @cached_property
    def wizard_lookups(self) -> WizardLookupService:
        from crm_tui.services.lookups.wizard import WizardLookupService

        return WizardLookupService(self.ctx)

    @property
    def bulk(self) -> BulkService:
        """Bulk tag/status/export; shares `search` so mark-all means what the list shows."""
        from crm_tui.services.bulk.service import BulkService

        return BulkService(self.ctx, self.search)

    @property
    def exports(self) -> ExportService:
        """The one exporter (the list's `x`, bulk export, `crm export`); shares `search`."""
        from crm_tui.services.exports.service import ExportService

        return ExportService(self.ctx, self.search)

    @property
    def lookups(self) -> LookupService:
        """Choices for the customer list's filters."""
        from crm_tui.services.lookups.filters import LookupService

        return LookupService(self.ctx)

    # Segments, tags, billing groups and dashboard figures: stateless, built on use.
    @property
    def segments(self) -> SegmentService:
        from crm_tui.services.segments.service import SegmentService

        return SegmentService(self.ctx)

    @property
    def tags(self) -> TagService:
        from crm_tui.services.tags import TagService

        return TagService(self.ctx)

    @property
    def billing_groups(self) -> BillingGroupService:
        from crm_tui.services.billing.groups import BillingGroupService

        return BillingGroupService(self.ctx)

    @property
    def invoices(self) -> InvoiceService:
        from crm_tui.services.invoices.service import InvoiceService

        return InvoiceService(self.ctx)

    @property
    def billing_run(self) -> BillingRun:
        """The monthly billing run, at the tax rate from config."""
        from crm_tui.services.invoices.run import BillingRun

        return BillingRun(self.ctx, tax_rate=self.ctx.invoicing.tax_rate)

    @property
    def reports(self) -> ReportService:
        from crm_tui.services.invoices.reports import ReportService

        return ReportService(self.ctx)

    @property
    def reminders(self) -> ReminderService:
        from crm_tui.services.invoices.reminders import ReminderService

        return ReminderService(self.ctx)

    @property
    def rates(self) -> RateService:
        from crm_tui.services.money.rates import RateService

        return RateService(self.ctx)

    @property
    def dashboard(self) -> DashboardService:
        from crm_tui.services.dashboard.service import DashboardService

        return DashboardService(self.ctx)

    def close(self) -> None:
        self.ctx.db.dispose()


def open_services(settings: Settings, access: Access = "create") -> Services:
    """Services over the settings' database, opened for `access` (see services.opening)."""
    from crm_tui.config import os_login
    from crm_tui.services.roles import Capability
    from crm_tui.services.roles.detect import read_permissions

    db = open_database(settings, access)
    from crm_tui.services.money import reporting
    from crm_tui.services.opening import effective_access

    try:
        permissions = read_permissions(db.engine, local_login=os_login())
        currency = reporting.settle(
            db,
            settings.currency(),
            explicit=settings.reporting_currency_explicit,
            writable=effective_access(settings, access) != "read"
            and permissions.allows(Capability.SETTINGS),
        )
    except BaseException:
        db.dispose()
        raise
    ctx = ServiceContext(
        db=db,
        actor=settings.clerk,
        default_region=settings.default_region,
        read_only=settings.read_only,
        invoicing=settings.invoicing,
        reporting_currency=currency,
        permissions=permissions,
        live=settings.live,
        live_url=settings.live_url,
    )
    return Services.over(ctx)
