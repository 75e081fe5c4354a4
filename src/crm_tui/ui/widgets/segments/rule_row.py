"""One rule of a dynamic segment: field, operator, value, and a remove button, on one line."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.suggester import SuggestFromList
from textual.widgets import Button, Input, Select

from crm_tui.services.segments.fields import FIELDS, NO_VALUE_OPS, FieldSpec, FieldType
from crm_tui.services.segments.rules import Rule

FIELD_OPTIONS = [(spec.label, spec.name) for spec in FIELDS.values()]


def _value_text(value: str | list[str] | None) -> str:
    if value is None:
        return ""
    return ", ".join(value) if isinstance(value, list) else value


class RuleRow(Horizontal):
    """Edits one `Rule`; posts `Changed` on every edit and `RemoveRequested` from its button."""

    DEFAULT_CSS = """
    RuleRow {
        height: 1;
        margin-bottom: 1;
    }
    RuleRow .rule-field { width: 24; }
    RuleRow .rule-op { width: 22; margin-left: 1; }
    RuleRow .rule-value { width: 1fr; margin-left: 1; }
    RuleRow .rule-remove { width: 5; min-width: 5; margin-left: 1; }
    RuleRow.-invalid .rule-value { text-style: underline; }
    """

    @dataclass
    class Changed(Message):
        """The rule was edited."""

        row: RuleRow

    @dataclass
    class RemoveRequested(Message):
        """The remove button was pressed."""

        row: RuleRow

    def __init__(
        self,
        rule: Rule | None = None,
        *,
        suggestions: dict[str, list[str]] | None = None,
        id: str | None = None,  # noqa: A002 - Textual's name for it
    ) -> None:
        super().__init__(id=id)
        self.initial = rule or Rule(field="", op="", value=None)
        self.suggestions = suggestions or {}

    def compose(self) -> ComposeResult:
        field = self.initial.field if self.initial.field in FIELDS else None
        yield Select(
            FIELD_OPTIONS,
            prompt="field…",
            value=field if field is not None else Select.NULL,
            compact=True,
            classes="rule-field",
        )
        spec = FIELDS.get(self.initial.field)
        ops = self._op_options(spec)
        op = self.initial.op if spec is not None and self.initial.op in spec.ops else None
        yield Select(
            ops,
            prompt="compare…",
            value=op if op is not None else Select.NULL,
            compact=True,
            classes="rule-op",
        )
        yield Input(
            _value_text(self.initial.value),
            placeholder=spec.hint if spec else "value",
            compact=True,
            classes="rule-value",
        )
        yield Button("✕", compact=True, classes="rule-remove", tooltip="Remove this rule")

    def on_mount(self) -> None:
        self._apply_spec(FIELDS.get(self.initial.field), keep_op=self.initial.op)

    @staticmethod
    def _op_options(spec: FieldSpec | None) -> list[tuple[str, str]]:
        if spec is None:
            return []
        return [(spec.op_label(op), op) for op in spec.ops]

    @property
    def field_select(self) -> Select[str]:
        return self.query_one(".rule-field", Select)

    @property
    def op_select(self) -> Select[str]:
        return self.query_one(".rule-op", Select)

    @property
    def value_input(self) -> Input:
        return self.query_one(".rule-value", Input)

    def rule(self) -> Rule:
        """The rule as typed (validation is the service's job)."""
        field = self.field_select.value
        op = self.op_select.value
        field_name = field if isinstance(field, str) else ""
        op_name = op if isinstance(op, str) else ""
        value: str | None = self.value_input.value
        if op_name in NO_VALUE_OPS:
            value = None
        return Rule(field=field_name, op=op_name, value=value)

    def set_suggestions(self, suggestions: dict[str, list[str]]) -> None:
        self.suggestions = suggestions
        field = self.field_select.value
        self._apply_suggester(FIELDS.get(field) if isinstance(field, str) else None)

    def _apply_spec(self, spec: FieldSpec | None, *, keep_op: str | None = None) -> None:
        op_select = self.op_select
        current = keep_op if keep_op is not None else op_select.value
        with op_select.prevent(Select.Changed):
            op_select.set_options(self._op_options(spec))
            if spec is not None:
                op_select.value = (
                    current if isinstance(current, str) and current in spec.ops else spec.ops[0]
                )
        self.value_input.placeholder = spec.hint if spec else "value"
        self._apply_suggester(spec)
        self._apply_op()

    def _apply_suggester(self, spec: FieldSpec | None) -> None:
        words: Sequence[str] = ()
        if spec is not None:
            words = (
                spec.choices
                if spec.type == FieldType.CHOICE
                else self.suggestions.get(spec.name, [])
            )
        self.value_input.suggester = SuggestFromList(words, case_sensitive=False) if words else None

    def _apply_op(self) -> None:
        op = self.op_select.value
        self.value_input.disabled = isinstance(op, str) and op in NO_VALUE_OPS

    @on(Select.Changed, ".rule-field")
    def field_changed(self, event: Select.Changed) -> None:
        event.stop()
        value = event.value
        self._apply_spec(FIELDS.get(value) if isinstance(value, str) else None)
        self.post_message(self.Changed(self))

    @on(Select.Changed, ".rule-op")
    def op_changed(self, event: Select.Changed) -> None:
        event.stop()
        self._apply_op()
        self.post_message(self.Changed(self))

    @on(Input.Changed, ".rule-value")
    def value_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.post_message(self.Changed(self))

    @on(Button.Pressed, ".rule-remove")
    def remove_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.post_message(self.RemoveRequested(self))
