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
"""

from __future__ import annotations

from typing import Any, ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import HorizontalGroup
from textual.widgets import Footer, Label
from textual.widgets._footer import FooterKey  # not exported; the Footer's own key widget

from crm_tui.ui.base import UsesCrm

PALETTE = "command_palette"


class CrmFooter(UsesCrm, Footer):
    """Footer keys on one line, or two (the global keys below) when one cannot hold them."""

    DEFAULT_CSS: ClassVar[str] = """
    CrmFooter {
        layout: vertical;
        height: auto;
        max-height: 2;
        HorizontalGroup.footer-row {
            height: 1;
            width: 1fr;
        }
        /* Both lines share the look of one footer line. */
        FooterKey.-command-palette {
            border-left: none;
        }
    }
    """

    def __init__(self, *, compact: bool = True, show_command_palette: bool = True) -> None:
        # Compact everywhere: the same look on every screen, and more keys per line.
        super().__init__(compact=compact, show_command_palette=show_command_palette)
        self._laid_out_for = 0

    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        screen_keys, global_keys = self._keys()
        width = self.app.size.width
        self._laid_out_for = width
        said = self.crm.badge()  # read-only, or a role short of manager
        badge = [Label(said, id="read-only-badge")] if said else []
        spare = width - (len(said) + 2 if said else 0)
        if _width(screen_keys) + _width(global_keys) <= spare:
            with HorizontalGroup(classes="footer-row"):
                yield from _keys_of(screen_keys + global_keys)
                yield from badge
            return
        with HorizontalGroup(classes="footer-row"):
            yield from _keys_of(_whole(screen_keys, width))
        with HorizontalGroup(classes="footer-row"):
            yield from _keys_of(_whole(global_keys, spare))
            yield from badge

    def on_resize(self, event: events.Resize) -> None:
        if self._bindings_ready and self.app.size.width != self._laid_out_for:
            self.refresh(recompose=True)

    def _keys(self) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        """The screen's keys and the app's (global) ones, as FooterKey arguments."""
        screen_keys: list[dict[str, Any]] = []
        global_keys: list[dict[str, Any]] = []
        seen: set[str] = set()
        palette: dict[str, Any] | None = None
        for node, binding, enabled, tooltip in self.screen.active_bindings.values():
            if binding.action == PALETTE or binding.key == self.app.COMMAND_PALETTE_BINDING:
                if self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE:
                    palette = self._key(binding, enabled, tooltip, "-command-palette", "palette")
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
        if palette is not None:
            global_keys.append(palette)
        return screen_keys, global_keys

    def _key(
        self,
        binding: Binding,
        enabled: bool,
        tooltip: str,
        classes: str = "",
        description: str | None = None,
    ) -> dict[str, Any]:
        return {
            "key": binding.key,
            "key_display": self.app.get_key_display(binding),
            "description": binding.description if description is None else description,
            "action": binding.action,
            "disabled": not enabled,
            "tooltip": tooltip,
            "classes": classes,
        }


def _width(keys: list[dict[str, Any]]) -> int:
    """Cells the keys take in the compact footer: "F1 Help" and one space after each."""
    return sum(len(k["key_display"]) + 1 + len(k["description"]) + 1 for k in keys)


def _whole(keys: list[dict[str, Any]], width: int) -> list[dict[str, Any]]:
    """The first keys that fit in `width` whole (never a key cut in half)."""
    kept: list[dict[str, Any]] = []
    for key in keys:
        if _width([*kept, key]) > width:
            break
        kept.append(key)
    return kept


def _keys_of(keys: list[dict[str, Any]]) -> ComposeResult:
    for key in keys:
        yield FooterKey(**key).data_bind(compact=Footer.compact)
