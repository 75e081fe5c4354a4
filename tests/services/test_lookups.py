"""Filter choices for the customer list, on both engines."""

from __future__ import annotations

from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.lookups.filters import LookupService
from crm_tui.services.registry import Services


def test_filter_choices(services: Services) -> None:
    """Segments and owners come back distinct and sorted; tags by name."""
    for i, (segment, owner) in enumerate(
        [("VIP", "emma"), ("Regular", "alice"), ("VIP", None), (None, "alice")]
    ):
        services.customers.create(
            CustomerCreate(
                first_name=f"L{i}",
                email=f"l{i}@example.com",
                segment=segment,
                owner=owner,
                tags=["zeta", "Alpha"] if i == 0 else [],
            ),
        )
    choices = LookupService(services.ctx).filter_choices()
    assert choices.segments == ("Regular", "VIP")
    assert choices.owners == ("alice", "emma")
    assert choices.tags == ("Alpha", "zeta")
    assert choices.billing_groups == ()
