"""Entry points to the segments, tags, billing-group and dashboard screens.

Each function takes the running app (it needs `app.services`) and pushes a
screen or runs a short flow of dialogs; DB work happens in thread workers.
Wire them to keys and command-palette entries in the app and the list:

    open_dashboard(app)                  `d` on the list; palette "Dashboard"
    open_segments(app, on_pick=...)      palette "Segments"; on_pick(segment_id)
                                         lets `enter` filter the list by a segment
    open_tags(app)                       palette "Tags"
    open_billing_groups(app)             palette "Billing groups"
    add_to_segment(app, ids)             list bulk action on marked rows
    remove_from_segment(app, ids)        list bulk action on marked rows
    add_to_billing_group(app, ids)       list bulk action on marked rows
                                         (the write runs on the screen underneath,
                                         which says what it did and shows it)
    edit_customer_segments(app, id)      detail screen: the customer's static segments

`group_commands(app)` yields the palette entries for the four screens, for
`CrmApp.get_system_commands`: `yield from group_commands(self)`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date

from textual.app import SystemCommand

from crm_tui.services.roles import Capability
from crm_tui.ui.base import CrmAppBase, CrmScreen
from crm_tui.ui.modals.dialog import DialogText

# Screens and dialogs are imported when first opened: the list paints without them.

NEW_ITEM = -1


def _write(app: CrmAppBase, job: Callable[[], str], description: str) -> None:
    """Run `job` (a service write returning its sentence) on the screen underneath the
    dialogs; that screen says the sentence and shows the change."""
    screen = app.screen
    if not isinstance(screen, CrmScreen):
        raise TypeError(f"a write needs a crm-tui screen underneath, not {type(screen).__name__}")
    screen.run_write(job, description)


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


# --- screens -------------------------------------------------------------------------


def open_dashboard(app: CrmAppBase, *, as_of: date | None = None) -> None:
    from crm_tui.ui.screens.dashboard import DashboardScreen

    app.push_screen(DashboardScreen(as_of=as_of))


def open_segments(
    app: CrmAppBase, *, on_pick: Callable[[int], None] | None = None, as_of: date | None = None
) -> None:
    from crm_tui.ui.screens.segments import SegmentsScreen

    app.push_screen(SegmentsScreen(on_pick=on_pick, as_of=as_of))


def open_tags(app: CrmAppBase) -> None:
    from crm_tui.ui.screens.tags import TagsScreen

    app.push_screen(TagsScreen())


def open_billing_groups(app: CrmAppBase) -> None:
    from crm_tui.ui.screens.billing_groups import BillingGroupsScreen

    app.push_screen(BillingGroupsScreen())


def group_commands(app: CrmAppBase) -> Iterator[SystemCommand]:
    """Command-palette entries for the dashboard, segments, tags and billing groups."""
    yield SystemCommand(
        "Dashboard", "Figures and charts of the customer base", lambda: open_dashboard(app)
    )
    yield SystemCommand(
        "Segments", "Rule-based and hand-picked groups of customers", lambda: open_segments(app)
    )
    yield SystemCommand(
        "Tags", "Create, rename, recolour, merge and delete tags", lambda: open_tags(app)
    )
    yield SystemCommand(
        "Billing groups", "Business customers invoiced together", lambda: open_billing_groups(app)
    )


# --- bulk actions on marked customers ------------------------------------------------


def _pick_static_segment(
    app: CrmAppBase, title: str, on_chosen: Callable[[int], None], *, allow_new: bool
) -> None:
    """Ask which hand-picked segment (the dialog reads them in a worker)."""
    from crm_tui.models.enums import SegmentKind
    from crm_tui.ui.modals.choice import ChoiceModal
    from crm_tui.ui.modals.prompt import PromptModal

    def load() -> list[tuple[int, DialogText]]:
        segments = [s for s in app.services.segments.list() if s.kind == SegmentKind.STATIC]
        items: list[tuple[int, DialogText]] = [(s.id, s.name) for s in segments]
        if allow_new:
            items.append((NEW_ITEM, "New hand-picked segment…"))
        return items

    def chosen(segment_id: int | None) -> None:
        if segment_id is None:
            return
        if segment_id != NEW_ITEM:
            on_chosen(segment_id)
            return

        def create(name: str) -> int:
            return app.services.segments.create(name, kind=SegmentKind.STATIC).id

        app.push_screen(
            PromptModal("New hand-picked segment", placeholder="segment name", check=create),
            lambda new_id: on_chosen(new_id) if isinstance(new_id, int) else None,
        )

    empty = "There are no hand-picked segments yet."
    app.push_screen(ChoiceModal(title, load=load, empty=empty), chosen)


def add_to_segment(app: CrmAppBase, customer_ids: Sequence[int]) -> None:
    """Ask for a hand-picked segment (or a new one) and add the customers to it."""
    ids = list(customer_ids)
    if not ids or app.refuse_unless(Capability.SETTINGS):
        return

    def add(segment_id: int) -> None:
        def job() -> str:
            added = app.services.segments.add_members(segment_id, ids)
            return f"Added {_plural(added, 'customer')} to the segment."

        _write(app, job, "Add customers to a segment")

    _pick_static_segment(
        app, f"Add {_plural(len(ids), 'customer')} to segment", add, allow_new=True
    )


def remove_from_segment(app: CrmAppBase, customer_ids: Sequence[int]) -> None:
    """Ask for a hand-picked segment and take the customers out of it."""
    ids = list(customer_ids)
    if not ids or app.refuse_unless(Capability.SETTINGS):
        return

    def remove(segment_id: int) -> None:
        def job() -> str:
            removed = app.services.segments.remove_members(segment_id, ids)
            return f"Removed {_plural(removed, 'customer')} from the segment."

        _write(app, job, "Remove customers from a segment")

    _pick_static_segment(
        app, f"Remove {_plural(len(ids), 'customer')} from segment", remove, allow_new=False
    )


def add_to_billing_group(app: CrmAppBase, customer_ids: Sequence[int]) -> None:
    """Ask for a billing group and put the (business) customers in it."""
    ids = list(customer_ids)
    if not ids or app.refuse_if_read_only():
        return

    def chosen(group_id: int | None) -> None:
        if group_id is None:
            return

        def job() -> str:
            result = app.services.billing_groups.add_members(group_id, ids)
            text = f"Added {_plural(result.added, 'customer')} to the billing group"
            if result.already:
                text += f"; {result.already:,} already in it"
            if result.refused:
                text += f"; {result.refused:,} skipped (not business customers)"
            return text + "."

        _write(app, job, "Add customers to a billing group")

    def load() -> list[tuple[int, DialogText]]:
        return [(g.id, g.name) for g in app.services.billing_groups.list()]

    from crm_tui.ui.modals.choice import ChoiceModal

    title = f"Add {_plural(len(ids), 'customer')} to billing group"
    empty = "There are no billing groups yet; create one first."
    app.push_screen(ChoiceModal(title, load=load, empty=empty), chosen)


def edit_customer_segments(app: CrmAppBase, customer_id: int) -> None:
    """The detail screen's hook: tick the hand-picked segments this customer belongs to."""

    if app.refuse_unless(Capability.SETTINGS):
        return
    from crm_tui.ui.modals.customer_segments import CustomerSegmentsModal

    app.push_screen(CustomerSegmentsModal(customer_id))
