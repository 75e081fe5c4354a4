"""What the small dialogs share: their stylesheet and how a caller's text is shown.

A plain `str` given to a dialog is shown literally (never parsed as markup),
so stored names can go straight in; a `Content` or rich `Text` is for
deliberate styling.
"""

from __future__ import annotations

from pathlib import PurePath

from rich.text import Text
from textual.content import Content

from crm_tui.ui.styles import stylesheet

DIALOG_CSS: list[str | PurePath] = [stylesheet("dialogs.tcss")]

DialogText = str | Content | Text


def shown(text: DialogText) -> Content | Text:
    """`text` ready for a Static: a str becomes literal Content."""
    return Content(text) if isinstance(text, str) else text
