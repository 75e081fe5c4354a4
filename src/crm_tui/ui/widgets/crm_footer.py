"""The footer every screen uses: the screen's keys, and the app's global keys always in view.

At 80 columns a screen's keys and the global ones (F1 help, F2 quick add,
F3 new customer, F4 dashboard, F5 import, q quit, ctrl+p palette) do not fit
on one line, and Textual's Footer cut the line wherever the width ran out:
the global keys, the ones that work from anywhere, were the ones lost. So the
global keys get a line of their own whenever one line cannot hold both, and
the screen's keys take the line above, as many whole keys as fit (the help
screen, F1 or ?, lists every one). A wide terminal still gets one line.
When writes are off or limited (--read-only, a viewer or clerk role) the keys
it may not use are gone and a badge on the right says why.

One widget paints both lines. Textual's Footer is a container of one widget
per key, and mounting, styling and laying out twenty of them was the largest
part of opening a screen (a customer: about 40% of the time to its first
frame); here a burst of binding changes costs one repaint. A key still works
with the mouse: a press on it sends its key, a disabled one rings the bell.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.geometry import Size
from textual.screen import Screen
from textual.widget import Widget

from crm_tui.ui.base import UsesCrm

PALETTE = "command_palette"


@dataclass(frozen=True)
class FooterKey:
    """One key as the footer shows it: `key_display description`, one space after."""

    key: str
    key_display: str
    description: str
    disabled: bool
    tooltip: str

    @property
    def width(self) -> int:
        return len(self.key_display) + 1 + len(self.description) + 1


@dataclass(frozen=True)
class FooterLine:
    """Keys from the left; on the right the badge, then the palette key."""

    keys: tuple[FooterKey, ...]
    badge: str | None = None
    palette: FooterKey | None = None


def _width(keys: list[FooterKey]) -> int:
    """Cells the keys take: "F1 Help" and one space after each."""
    return sum(key.width for key in keys)


def _whole(keys: list[FooterKey], width: int) -> tuple[FooterKey, ...]:
    """The first keys that fit in `width` whole (never a key cut in half)."""
    kept: list[FooterKey] = []
    for key in keys:
        if _width([*kept, key]) > width:
            break
        kept.append(key)
    return tuple(kept)


def footer_lines(
    screen_keys: list[FooterKey],
    global_keys: list[FooterKey],
    palette: FooterKey | None,
    badge: str | None,
    width: int,
) -> list[FooterLine]:
    """One line when everything fits beside the badge, else the screen's keys above the
    global ones (each as many whole keys as fit; the palette key goes last)."""
    spare = width - (len(badge) + 2 if badge else 0)
    every_global = global_keys + ([palette] if palette else [])
    if _width(screen_keys) + _width(every_global) <= spare:
        return [FooterLine(tuple(screen_keys + global_keys), badge, palette)]
    kept = _whole(every_global, spare)
    shown_palette = palette if palette in kept else None
    return [
        FooterLine(_whole(screen_keys, width)),
        FooterLine(tuple(k for k in kept if k is not palette), badge, shown_palette),
    ]


class CrmFooter(UsesCrm, Widget, can_focus=False):
    """Footer keys on one line, or two (the global keys below) when one cannot hold them."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "crm-footer--key",
        "crm-footer--description",
        "crm-footer--badge",
        "crm-footer--hover",
    }
    DEFAULT_CSS: ClassVar[str] = """
    CrmFooter {
        dock: bottom;
        height: auto;
        max-height: 2;
        color: $footer-foreground;
        background: $footer-background;
        .crm-footer--key {
            color: $footer-key-foreground;
            text-style: bold;
        }
        .crm-footer--description {
            color: $footer-description-foreground;
        }
        .crm-footer--badge {
            background: $warning;
            color: $text;
            text-style: bold;
        }
        .crm-footer--hover {
            background: $block-hover-background;
        }
    }
    """

    def __init__(self, *, show_command_palette: bool = True) -> None:
        super().__init__()
        self.show_command_palette = show_command_palette
        self.lines: list[FooterLine] = []
        self._spans: list[list[tuple[int, int, FooterKey]]] = []
        self._hover: FooterKey | None = None
        self._rebuild_pending = False

    # --- what it shows ---------------------------------------------------------

    @property
    def badge(self) -> str | None:
        """The badge on the right (read-only, or the role), when one is shown."""
        return next((line.badge for line in self.lines if line.badge), None)

    @property
    def shown_keys(self) -> list[FooterKey]:
        """Every key on the footer, left to right and top to bottom."""
        return [key for spans in self._spans for _start, _end, key in spans]

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self.bindings_changed)
        self._schedule()  # the keys as they are now; a later signal may change them

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def bindings_changed(self, screen: Screen[Any]) -> None:
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self._schedule()

    def on_resize(self, event: events.Resize) -> None:
        self._schedule()

    def _schedule(self) -> None:
        """Rebuild once per burst of changes (a screen opening sends several), after the
        layout pass under way: a layout asked for inside one is lost."""
        if not self._rebuild_pending:
            self._rebuild_pending = True
            self.call_after_refresh(self._rebuild)

    def _rebuild(self) -> None:
        self._rebuild_pending = False
        if not self.is_attached:  # its screen went (Esc) before the rebuild came round
            return
        width = self.app.size.width
        screen_keys, global_keys, palette = self._keys()
        self.lines = footer_lines(screen_keys, global_keys, palette, self.crm.badge(), width)
        self._spans = [self._line_spans(line, width) for line in self.lines]
        self.refresh(layout=self.size.height != len(self.lines))

    def _keys(self) -> tuple[list[FooterKey], list[FooterKey], FooterKey | None]:
        """The screen's keys, the app's (global) ones and the palette key."""
        screen_keys: list[FooterKey] = []
        global_keys: list[FooterKey] = []
        seen: set[str] = set()
        palette: FooterKey | None = None
        for node, binding, enabled, tooltip in self.screen.active_bindings.values():
            if binding.action == PALETTE or binding.key == self.app.COMMAND_PALETTE_BINDING:
                if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
                    palette = self._key(binding, enabled, tooltip, "palette")
                continue
            if not binding.show or binding.action in seen:
                continue
            is_global = node is self.app
            # The screen's own `?` says what F1 says, on the global line already.
            if not is_global and binding.action == "app.help":
                continue
            seen.add(binding.action)
            target = global_keys if is_global else screen_keys
            target.append(self._key(binding, enabled, tooltip))
        return screen_keys, global_keys, palette

    def _key(
        self, binding: Binding, enabled: bool, tooltip: str, description: str | None = None
    ) -> FooterKey:
        return FooterKey(
            key=binding.key,
            key_display=self.app.get_key_display(binding),
            description=binding.description if description is None else description,
            disabled=not enabled,
            tooltip=tooltip,
        )

    @staticmethod
    def _line_spans(line: FooterLine, width: int) -> list[tuple[int, int, FooterKey]]:
        """(first cell, cell after, key) of each key on the line, palette at the right edge."""
        spans = []
        x = 0
        for key in line.keys:
            spans.append((x, x + key.width - 1, key))
            x += key.width
        if line.palette is not None:  # one blank cell after it, at the right edge
            spans.append((width - line.palette.width, width - 1, line.palette))
        return spans

    # --- painting ----------------------------------------------------------------

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return len(self.lines)

    def render(self) -> Text:
        width = self.size.width
        key_style = self.get_component_rich_style("crm-footer--key")
        description_style = self.get_component_rich_style("crm-footer--description")
        hover = self.get_component_rich_style("crm-footer--hover")
        out = Text(no_wrap=True, overflow="crop", end="")
        for index, line in enumerate(self.lines):
            if index:
                out.append("\n")
            row = Text(no_wrap=True, overflow="crop", end="")
            right = Text(no_wrap=True, overflow="crop", end="")
            for key in line.keys:
                self._append_key(row, key, key_style, description_style, hover)
            if line.badge:
                right.append(f" {line.badge} ", self.get_component_rich_style("crm-footer--badge"))
            if line.palette is not None:
                self._append_key(right, line.palette, key_style, description_style, hover)
            gap = width - row.cell_len - right.cell_len
            if gap > 0:
                row.append(" " * gap)
            out.append_text(row)
            out.append_text(right)
        return out

    def _append_key(
        self,
        text: Text,
        key: FooterKey,
        key_style: Style,
        description_style: Style,
        hover: Style,
    ) -> None:
        extra = Style(dim=True) if key.disabled else Style()
        if key is self._hover:
            extra += hover
        text.append(key.key_display, key_style + extra)
        text.append(" " + key.description, description_style + extra)
        text.append(" ")

    # --- mouse --------------------------------------------------------------------

    def _key_at(self, x: int, y: int) -> FooterKey | None:
        if not 0 <= y < len(self._spans):
            return None
        return next((key for start, end, key in self._spans[y] if start <= x < end), None)

    def on_mouse_down(self, event: events.MouseDown) -> None:
        key = self._key_at(event.x, event.y)
        if key is None:
            return
        if key.disabled:
            self.app.bell()
        else:
            self.app.simulate_key(key.key)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        key = self._key_at(event.x, event.y)
        if key is not self._hover:
            self._hover = key
            self.tooltip = key.tooltip if key is not None and key.tooltip else None
            self.refresh()

    def on_leave(self, event: events.Leave) -> None:
        if self._hover is not None:
            self._hover = None
            self.tooltip = None
            self.refresh()
