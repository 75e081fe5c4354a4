"""One customer's invoices on a screen of their own (`i` on the customer, or the palette)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType

from crm_tui.ui.base import CrmScreen
from crm_tui.ui.screens.reports import ReportsScreen
from crm_tui.ui.styles import stylesheet
from crm_tui.ui.widgets.crm_footer import CrmFooter
from crm_tui.ui.widgets.detail.invoices import InvoicesTab

WRITES = {"new", "issue", "void", "credit"}


class CustomerInvoicesScreen(CrmScreen[None]):
    """List, open, issue, void and credit a customer's invoices; write their PDFs."""

    CSS_PATH: ClassVar = [str(stylesheet("customer_detail.tcss"))]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back"),
        Binding("n", "new", "New"),
        Binding("i", "issue", "Issue"),
        Binding("v", "void", "Void"),
        Binding("k", "credit", "Credit note"),
        Binding("d", "pdf", "PDF"),
        Binding("r", "reports", "Reports"),
        Binding("ctrl+r", "reload", "Refresh"),
    ]

    def __init__(self, customer_id: int) -> None:
        super().__init__()
        self.customer_id = customer_id

    def compose(self) -> ComposeResult:
        yield InvoicesTab(self.customer_id, id="invoices")
        yield CrmFooter()

    @property
    def body(self) -> InvoicesTab:
        return self.query_one(InvoicesTab)

    def on_mount(self) -> None:
        self.body.load()
        self.body.focus_main()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        return self.crm.write_allowed(action, WRITES)

    def action_back(self) -> None:
        self.dismiss(None)

    def action_reload(self) -> None:
        self.body.load()

    def action_new(self) -> None:
        self.body.add_item()

    def action_issue(self) -> None:
        self.body.issue()

    def action_void(self) -> None:
        self.body.remove_item()

    def action_credit(self) -> None:
        self.body.credit()

    def action_pdf(self) -> None:
        self.body.pdf()

    def action_reports(self) -> None:
        """This customer's revenue, invoices and payments reports."""
        self.app.push_screen(ReportsScreen(self.customer_id))
