"""The invoice form: a typed line for a new draft, or one more line on the selected draft."""

from __future__ import annotations

from typing import Any

from crm_tui.services.invoices import InvoiceRead, LineInput
from crm_tui.services.registry import Services
from crm_tui.ui.modals.item_form import FormField, ItemFormModal
from crm_tui.ui.widgets.detail.forms import CURRENCY_CHOICES

LINE_FIELDS = [
    FormField("description", "Description", placeholder="e.g. Installation"),
    FormField("quantity", "Quantity", placeholder="e.g. 1"),
    FormField("unit_price", "Unit price", placeholder="e.g. 49.90"),
    FormField("tax_rate", "Tax %", placeholder="e.g. 20"),
]


def invoice_line_form(
    services: Services, customer_id: int, draft: InvoiceRead | None
) -> ItemFormModal:
    """Add a line to `draft`, or start a new draft (currency and notes asked too)."""

    def line(values: dict[str, Any]) -> LineInput:
        return LineInput(
            description=values.get("description", ""),
            unit_price=values.get("unit_price", ""),
            quantity=values.get("quantity", ""),
            tax_rate=values.get("tax_rate", ""),
        )

    defaults = {"quantity": "1", "tax_rate": str(services.ctx.invoicing.tax_rate.normalize())}
    if draft is not None:
        return ItemFormModal(
            f"Add a line to {draft.label}", LINE_FIELDS,
            lambda values, _v: services.invoices.add_lines(draft.id, [line(values)]),
            values=defaults,
        )  # fmt: skip
    fields = [
        *LINE_FIELDS,
        FormField("currency", "Currency", "choice", CURRENCY_CHOICES),
        FormField("notes", "Notes printed", "long"),
    ]
    return ItemFormModal(
        "New invoice (draft)", fields,
        lambda values, _v: services.invoices.create_draft(
            customer_id, [line(values)], currency=values.get("currency") or None,
            notes=values.get("notes") or None,
        ),
        values={**defaults, "currency": "GBP"},
    )  # fmt: skip
