"""The customer detail header: who this is, always in view."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from crm_tui.services.customers.service import CustomerRead
from crm_tui.services.search.values import CustomerRow
from crm_tui.text import literal
from crm_tui.ui.widgets.detail.base import day

STATUS_STYLES = {
    "active": "bold green",
    "inactive": "bold yellow",
    "prospect": "bold cyan",
    "churned": "bold magenta",
    "blocked": "bold white on red",
    "merged": "bold",
}


def title_line(name: str, person: str, status: str, kind: str, number: str) -> Text:
    """`Name  (contact person)   STATUS   kind  C-000042`, stored text shown literally."""
    title = Text(no_wrap=True, overflow="ellipsis")
    title.append(literal(name), style="bold")
    if person:
        title.append(f"  ({literal(person)})", style="dim")
    title.append("  ")
    title.append(f" {status.upper()} ", style=STATUS_STYLES.get(status, ""))
    title.append(f"  {kind}  ", style="dim")
    title.append(number, style="bold")
    return title


def glimpse_for(customer_id: int, row: CustomerRow | None) -> CustomerRow | None:
    """The list's row for the header's first frame, if it is this customer's."""
    return row if row is not None and row.id == customer_id else None


class DetailHeader(Vertical):
    """Name or company, kind, status (blocked with its reason stands out), segment,
    tags, number, owner and customer since.

    Opened from the list, the first frame already says who this is (`glimpse`,
    the list's row: name, status, kind, number); the rest follows with the
    Overview's data.
    """

    def __init__(self, glimpse: CustomerRow | None = None, *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self.glimpse = glimpse

    def compose(self) -> ComposeResult:
        yield Static(self._opening_title(), id="header-title")
        yield Static("", id="header-meta")
        yield Static("", id="header-banner")

    def _opening_title(self) -> Text:
        """The title before the customer is read: the list's row, or "Loading customer…"."""
        row = self.glimpse
        if row is None:
            return Text("Loading customer…", style="dim")
        return title_line(row.display_name, "", row.status, row.kind, row.number)

    def reset(self, glimpse: CustomerRow | None) -> None:
        """Another customer in a kept screen: the list's row, or "Loading customer…"."""
        self.glimpse = glimpse
        self.query_one("#header-title", Static).update(self._opening_title())
        self.query_one("#header-meta", Static).update("")
        self.query_one("#header-banner", Static).display = False

    def show(self, customer: CustomerRead) -> None:
        person = ""
        if customer.kind == "business":
            person = " ".join(p for p in (customer.first_name, customer.last_name) if p)
        title = title_line(
            customer.display_name, person, customer.status, customer.kind, customer.number
        )
        self.query_one("#header-title", Static).update(title)

        meta = Text(no_wrap=True, overflow="ellipsis")
        parts = [
            ("Segment", customer.segment or "—"),
            ("Owner", customer.owner or "—"),
            ("Since", day(customer.created_at)),
            ("Tags", ", ".join(customer.tags) or "—"),
        ]
        for index, (label, value) in enumerate(parts):
            if index:
                meta.append("  ·  ", style="dim")
            meta.append(f"{label} ", style="dim")
            meta.append(literal(value))
        self.query_one("#header-meta", Static).update(meta)

        banner = self.query_one("#header-banner", Static)
        if customer.status == "blocked":
            banner.update(Text(f"BLOCKED: {literal(customer.status_reason) or 'no reason given'}"))
            banner.display = True
        elif customer.status == "merged" and customer.merged_into_id is not None:
            banner.update(Text(f"Merged into C-{customer.merged_into_id:06d}; edit that customer."))
            banner.display = True
        else:
            banner.display = False
