"""The wizard's completion lists."""

from __future__ import annotations

from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.registry import Services


def test_lookups_offer_values_in_use(services: Services) -> None:
    """Values on recent customers come first; defaults and closed lists fill in."""
    services.customers.create(
        CustomerCreate(
            kind="business",
            company_name="Acme",
            industry="Robotics",
            currency="SEK",
            tags=["Priority"],
        ),
    )
    lookups = services.wizard_lookups.load()
    assert lookups.industries[0] == "Robotics"
    assert "Retail" in lookups.industries
    assert lookups.currencies[0] == "SEK"
    assert lookups.tags == ("Priority",)
    assert lookups.countries[0] == "GB"
    assert "PT" in lookups.countries
    assert lookups.billing_group_id("nope") is None
