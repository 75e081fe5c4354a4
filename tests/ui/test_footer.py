"""The footer: one line when it fits, the global keys on a line of their own when not, a
badge for limited writes, and keys that work with the mouse."""

from __future__ import annotations

from crm_tui.services.registry import Services
from crm_tui.ui.modals.help import HelpModal
from crm_tui.ui.screens.customer_detail import CustomerDetailScreen
from crm_tui.ui.widgets.crm_footer import CrmFooter, FooterKey, footer_lines
from tests.ui.test_keyboard_model import on_the_list, settle, top


def key(key_display: str, description: str, disabled: bool = False) -> FooterKey:
    return FooterKey(key_display.lower(), key_display, description, disabled, "")


SCREEN_KEYS = [key("esc", "Back"), key("n", "New"), key("e", "Edit"), key("s", "Status")]
GLOBAL_KEYS = [key("q", "Quit"), key("F1", "Help"), key("F2", "Quick add"), key("F3", "New")]
PALETTE = key("^p", "palette")


def texts(keys: tuple[FooterKey, ...]) -> list[str]:
    return [k.description for k in keys]


def test_one_line_when_everything_fits() -> None:
    lines = footer_lines(SCREEN_KEYS, GLOBAL_KEYS, PALETTE, None, 120)
    assert len(lines) == 1
    assert texts(lines[0].keys) == ["Back", "New", "Edit", "Status", "Quit", "Help", "Quick add",
                                    "New"]  # fmt: skip
    assert lines[0].palette is PALETTE


def test_global_keys_get_their_own_line_and_only_whole_keys_are_shown() -> None:
    """At 40 columns: the screen's keys above, the global ones below; a key that does not
    fit is left out whole (the palette key, last, first of all)."""
    lines = footer_lines(SCREEN_KEYS, GLOBAL_KEYS, PALETTE, None, 40)
    assert [texts(line.keys) for line in lines] == [
        ["Back", "New", "Edit", "Status"],
        ["Quit", "Help", "Quick add", "New"],
    ]
    assert lines[1].palette is None  # "q Quit F1 Help F2 Quick add F3 New " is 35 cells
    narrow = footer_lines(SCREEN_KEYS, GLOBAL_KEYS, PALETTE, None, 20)
    assert [texts(line.keys) for line in narrow] == [["Back", "New"], ["Quit", "Help"]]


def test_the_badge_takes_room_on_the_global_line() -> None:
    """A badge (" read-only ") leaves less room: what fitted on one line now takes two."""
    width = sum(k.width for k in SCREEN_KEYS + GLOBAL_KEYS + [PALETTE])
    assert len(footer_lines(SCREEN_KEYS, GLOBAL_KEYS, PALETTE, None, width)) == 1
    lines = footer_lines(SCREEN_KEYS, GLOBAL_KEYS, PALETTE, "read-only", width)
    assert len(lines) == 2 and lines[1].badge == "read-only"


async def test_the_list_footer_at_80_columns_and_a_click_on_a_key(demo_services: Services) -> None:
    """At 80x24 the list's keys fit one line; a press on F1 opens the help, as the key
    does; the footer is one widget, not one per key."""
    async with on_the_list(demo_services) as (pilot, screen):
        footer = screen.query_one(CrmFooter)
        assert footer.size.height == 1
        assert not footer.children
        shown = [k.key_display for k in footer.shown_keys]
        assert shown.index("F1") > shown.index("esc")  # the global keys come after
        row, x = _where(footer, "F1")
        await pilot.click(CrmFooter, offset=(x, row))
        await settle(pilot)
        assert isinstance(top(pilot), HelpModal)


async def test_a_customer_footer_follows_the_tab(demo_services: Services) -> None:
    """The detail screen's keys take two lines at 80 columns, the global ones below, and
    change with the tab (Pin on Notes, Mark paid on Payments)."""
    async with on_the_list(demo_services) as (pilot, _screen):
        pilot.app.push_screen(CustomerDetailScreen(demo_services.customers.resolve("C-000001").id))
        await settle(pilot)
        footer = pilot.app.screen.query_one(CrmFooter)
        assert footer.size.height == 2
        assert [k.key_display for k in footer.shown_keys][-1] == "^p"  # the palette, last
        assert "Pin" not in [k.description for k in footer.shown_keys]
        await pilot.press("5")
        await settle(pilot)
        assert "Pin" in [k.description for k in footer.shown_keys]
        await pilot.press("4")
        await settle(pilot)
        assert "Mark paid" in [k.description for k in footer.shown_keys]


def _where(footer: CrmFooter, key_display: str) -> tuple[int, int]:
    """(row, column) of a key on the footer."""
    for row, spans in enumerate(footer._spans):
        for start, _end, shown in spans:
            if shown.key_display == key_display:
                return row, start
    raise AssertionError(f"{key_display} is not on the footer")


async def test_a_screen_that_goes_before_its_footer_repaints(demo_services: Services) -> None:
    """Esc right after a key that changed the footer's keys: the rebuild it scheduled
    comes round once its screen is gone, and does nothing (it raised NoScreen, which
    took the app down in a real terminal)."""
    async with on_the_list(demo_services) as (pilot, _screen):
        detail = CustomerDetailScreen(demo_services.customers.resolve("C-000001").id)
        await pilot.app.push_screen(detail)
        await settle(pilot)
        footer = detail.query_one(CrmFooter)
        footer.bindings_changed(detail)  # a focus move or a tab switch, say
        pilot.app.pop_screen()
        await settle(pilot)
        assert pilot.app.is_running and not detail.is_attached
        assert pilot.app.return_code is None
