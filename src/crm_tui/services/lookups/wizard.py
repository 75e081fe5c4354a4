"""Choices the customer wizard offers as completions.

Closed vocabularies come from the rules (currencies, payment terms, country
codes); open ones (industries, segments, languages, business types) from the
values in use on the most recent customers plus a few common defaults.
Sampling the latest rows keeps this one bounded query at any table size.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import phonenumbers
from sqlalchemy import select
from sqlmodel import col

from crm_tui.models import BillingGroup, Customer, Tag
from crm_tui.models.enums import PaymentTerms
from crm_tui.services.context import ServiceContext
from crm_tui.services.validation import CURRENCIES

SAMPLE_ROWS = 5_000
MAX_CHOICES = 200
COMMON_COUNTRIES = ("GB", "PT", "ES", "FR", "DE", "IE", "NL", "IT", "BE", "US", "CH")
COMMON_CURRENCIES = ("GBP", "EUR", "USD", "CHF")
COMMON_LANGUAGES = ("en", "pt", "es", "fr", "de", "it", "nl")
COMMON_SEGMENTS = ("Regular", "VIP", "Wholesale", "Corporate")
COMMON_BUSINESS_TYPES = ("Ltd", "LLP", "PLC", "Sole trader", "Partnership", "Charity")
COMMON_INDUSTRIES = (
    "Retail", "Hospitality", "Healthcare", "Construction", "Education", "Logistics",
    "Software", "Manufacturing", "Legal", "Agriculture",
)  # fmt: skip


@dataclass(frozen=True)
class BillingGroupChoice:
    """A billing group as the wizard lists it."""

    id: int
    name: str


@dataclass(frozen=True)
class WizardLookups:
    """Every list of completions, most likely first."""

    billing_groups: tuple[BillingGroupChoice, ...] = ()
    tags: tuple[str, ...] = ()
    industries: tuple[str, ...] = COMMON_INDUSTRIES
    business_types: tuple[str, ...] = COMMON_BUSINESS_TYPES
    segments: tuple[str, ...] = COMMON_SEGMENTS
    languages: tuple[str, ...] = COMMON_LANGUAGES
    currencies: tuple[str, ...] = COMMON_CURRENCIES
    countries: tuple[str, ...] = COMMON_COUNTRIES
    payment_terms: tuple[str, ...] = tuple(t.value for t in PaymentTerms)

    def billing_group_id(self, name: str) -> int | None:
        """The id of the group named `name` (any case), or None."""
        wanted = name.strip().casefold()
        for group in self.billing_groups:
            if group.name.casefold() == wanted:
                return group.id
        return None

    def billing_group_name(self, group_id: int | None) -> str:
        for group in self.billing_groups:
            if group.id == group_id:
                return group.name
        return "" if group_id is None else str(group_id)


def _merge(*sources: tuple[str, ...] | list[str], limit: int = MAX_CHOICES) -> tuple[str, ...]:
    """Distinct values (first spelling wins, any case), in order of the sources."""
    seen: dict[str, str] = {}
    for source in sources:
        for value in source:
            if value and value.casefold() not in seen:
                seen[value.casefold()] = value
    return tuple(list(seen.values())[:limit])


def _by_use(values: list[str | None]) -> list[str]:
    counts = Counter(v for v in values if v)
    return [value for value, _n in counts.most_common()]


class WizardLookupService:
    """Loads the wizard's completion lists in one short read."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def load(self) -> WizardLookups:
        with self.ctx.read() as session:
            groups = tuple(
                BillingGroupChoice(id=int(gid or 0), name=name)
                for gid, name in session.execute(
                    select(col(BillingGroup.id), col(BillingGroup.name))
                    .order_by(col(BillingGroup.name))
                    .limit(MAX_CHOICES * 5)
                )
            )
            tags = tuple(
                session.scalars(select(col(Tag.name)).order_by(col(Tag.name_key)).limit(500))
            )
            recent = session.execute(
                select(
                    col(Customer.industry),
                    col(Customer.business_type),
                    col(Customer.segment),
                    col(Customer.language),
                    col(Customer.currency),
                )
                .order_by(col(Customer.id).desc())
                .limit(SAMPLE_ROWS)
            ).all()
        region = self.ctx.default_region.upper()
        countries = _merge(
            (region,), COMMON_COUNTRIES, sorted(phonenumbers.SUPPORTED_REGIONS), limit=1000
        )
        used_currencies = [c for c in _by_use([r[4] for r in recent]) if c in CURRENCIES]
        return WizardLookups(
            billing_groups=groups,
            tags=tags,
            industries=_merge(_by_use([r[0] for r in recent]), COMMON_INDUSTRIES),
            business_types=_merge(_by_use([r[1] for r in recent]), COMMON_BUSINESS_TYPES),
            segments=_merge(_by_use([r[2] for r in recent]), COMMON_SEGMENTS),
            languages=_merge(_by_use([r[3] for r in recent]), COMMON_LANGUAGES),
            currencies=_merge(used_currencies, COMMON_CURRENCIES, sorted(CURRENCIES)),
            countries=countries,
        )
