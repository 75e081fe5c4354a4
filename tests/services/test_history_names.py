"""History names the rows a change refers to (the card "Visa •••• 4242"), on both engines."""

from __future__ import annotations

from crm_tui.services.billing.inputs import PaymentCreate, PaymentMethodCreate
from crm_tui.services.customers.inputs import CustomerCreate, CustomerUpdate
from crm_tui.services.registry import Services

VISA = PaymentMethodCreate(
    brand="Visa", bin="424242", last4="4242", exp_month=12, exp_year=2030, holder_name="Ana Lima"
)


def test_card_named_in_payment_and_card_lines_even_once_removed(services: Services) -> None:
    """A payment's card field reads "card: Visa •••• 4242"; the card's own lines name it too,
    also after the card was removed."""
    ana = services.customers.create(CustomerCreate(first_name="Ana")).id
    card = services.billing.add_payment_method(ana, VISA)
    services.billing.record_payment(ana, PaymentCreate(amount="12.00", payment_method_id=card.id))
    services.billing.remove_payment_method(card.id)
    log = services.history.for_customer(ana)
    [paid_with] = [e for e in log if e.entity == "payment" and e.field == "payment_method_id"]
    assert (paid_with.field_label, paid_with.new_shown) == ("card", "Visa •••• 4242")
    assert paid_with.new_value == str(card.id)  # the log itself keeps the id
    card_lines = [e for e in log if e.entity == "payment_method"]
    assert {e.subject for e in card_lines} == {"card Visa •••• 4242"}
    assert {e.action for e in card_lines} == {"create", "delete"}
    assert not any("payment method id" in e.field_label for e in log)


def test_billing_group_and_plain_fields(services: Services) -> None:
    """A billing group is named; plain fields keep their values and read without underscores."""
    acme = services.customers.create(CustomerCreate(kind="business", company_name="Acme")).id
    group = services.billing_groups.create("North stores")
    services.billing_groups.add_members(group.id, [acme])
    customer = services.customers.get(acme)
    services.customers.update(
        acme, CustomerUpdate(loyalty_points=5), expected_version=customer.version
    )
    log = services.history.for_customer(acme)
    [joined] = [e for e in log if e.field == "billing_group_id"]
    assert (joined.subject, joined.field_label, joined.new_shown) == (
        "",
        "billing group",
        "North stores",
    )
    [points] = [e for e in log if e.field == "loyalty_points"]
    assert (points.field_label, points.new_shown) == ("loyalty points", "5")
