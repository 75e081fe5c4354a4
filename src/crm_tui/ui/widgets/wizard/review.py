"""The wizard's step indicator and its Review page.

Stored and typed text reaches the screen through `literal()` inside
`Content`/`Text` objects, so it is never parsed as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Button, Static

from crm_tui.text import literal


@dataclass(frozen=True)
class StepInfo:
    """One wizard step: its id in the switcher and its name."""

    key: str
    title: str
    short: str = ""  # for the one-line indicator; the title when empty


class StepIndicator(Static):
    """` 1 Basic › 2 Business › ...` with the current step highlighted, refused ones marked."""

    def show(self, steps: Sequence[StepInfo], current: str, invalid: set[str]) -> None:
        parts: list[str | tuple[str, str]] = []
        for index, step in enumerate(steps, 1):
            if index > 1:
                parts.append(("›", "dim"))
            label = f" {index} {step.short or step.title} "
            if step.key == current:
                parts.append((label, "bold reverse"))
            elif step.key in invalid:
                parts.append((label + "!", "bold red"))
            else:
                parts.append((label, ""))
        self.update(Content.assemble(*parts))


@dataclass(frozen=True)
class ReviewSection:
    """A block of the review page: the step to jump back to and its lines."""

    step: StepInfo
    rows: Sequence[tuple[str, str]] = field(default_factory=tuple)
    errors: Sequence[str] = field(default_factory=tuple)


class ReviewStep(VerticalScroll):
    """Everything on one page, each block with a button back to its step."""

    @dataclass
    class JumpRequested(Message):
        """The clerk asked to go back to `step` to change something."""

        step: str

    def compose(self) -> ComposeResult:
        yield Static(
            Content("Check everything, then ctrl+s saves. Enter on a block's button goes back."),
            classes="step-hint",
        )
        yield Vertical(id="review-sections")

    async def show(self, sections: Sequence[ReviewSection]) -> None:
        box = self.query_one("#review-sections", Vertical)
        await box.remove_children()
        await box.mount_all(ReviewBlock(n, section) for n, section in enumerate(sections, 1))

    @on(Button.Pressed, ".review-go")
    def _go(self, event: Button.Pressed) -> None:
        event.stop()
        key = (event.button.id or "").removeprefix("review-go-")
        self.post_message(self.JumpRequested(key))


class ReviewBlock(Vertical):
    """One step's values on the review page."""

    def __init__(self, number: int, section: ReviewSection) -> None:
        super().__init__(classes="review-block")
        self.number = number
        self.section = section

    def compose(self) -> ComposeResult:
        step = self.section.step
        with Horizontal(classes="review-head"):
            yield Static(Content(f"{self.number} {step.title}"), classes="review-title")
            yield Button(
                Content(f"Back to {step.short or step.title}"),
                id=f"review-go-{step.key}",
                classes="review-go",
                compact=True,
            )
        yield Static(_rows_text(self.section), classes="review-rows")


def _rows_text(section: ReviewSection) -> Text:
    text = Text(no_wrap=False)
    width = max((len(label) for label, _v in section.rows), default=0)
    for label, value in section.rows:
        text.append(f"  {label:<{width}}  ", style="dim")
        text.append(literal(value) if value else "—")
        text.append("\n")
    for error in section.errors:
        text.append(f"  ! {error}\n", style="bold red")
    if not section.rows and not section.errors:
        text.append("  nothing entered\n", style="dim italic")
    text.rstrip()
    return text
