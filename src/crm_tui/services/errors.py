"""Typed domain errors. Each carries one sentence a clerk can act on."""

from __future__ import annotations

from dataclasses import dataclass


class CrmError(Exception):
    """Base of every error the services raise on purpose."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ValidationError(CrmError):
    """An input was refused; `field` names it so the UI can show it beside the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class ChildRefused(ValidationError):
    """A refused value in an address, contact or note saved together with its customer.

    `field` and the message are the child's own; `index` places a new child among
    the new ones of its kind in the input, `row_id` names a stored one.
    """

    def __init__(
        self,
        entity: str,
        field: str,
        message: str,
        *,
        index: int | None = None,
        row_id: int | None = None,
    ) -> None:
        super().__init__(field, message)
        self.entity = entity
        self.index = index
        self.row_id = row_id


class NotFound(CrmError):
    """The customer (or child row) does not exist."""


class DuplicateEmail(ValidationError):
    """Another customer already has this e-mail (compared case-insensitively)."""

    def __init__(self, email: str, existing_id: int) -> None:
        from crm_tui.models.customer import format_number

        super().__init__(
            "email",
            f"The e-mail {email} already belongs to customer {format_number(existing_id)}.",
        )
        self.existing_id = existing_id


class ReadOnlyError(CrmError):
    """A write was attempted while the app runs with --read-only."""

    def __init__(self) -> None:
        super().__init__("The database is open read-only (--read-only), so nothing can be saved.")


@dataclass(frozen=True)
class FieldConflict:
    """One field changed by someone else since the edit began."""

    field: str
    then: str | None  # the value when the edit began
    now: str | None  # the value saved by the other clerk
    yours: str | None  # the value this edit wanted to save


class ConflictError(CrmError):
    """The row changed under the edit, on a field this edit also changes."""

    def __init__(
        self,
        entity: str,
        conflicts: list[FieldConflict],
        current_version: int,
        *,
        row_id: int | None = None,
    ) -> None:
        names = ", ".join(c.field for c in conflicts) or "this record"
        super().__init__(
            f"Someone else changed {names} of this {entity} since you opened it; "
            "reload or re-apply your change."
        )
        self.entity = entity
        self.conflicts = conflicts
        self.current_version = current_version
        self.row_id = row_id  # which row, when one save touches several


class PermissionRefused(CrmError):
    """The connected login's role may not do this (said before trying, or after
    PostgreSQL itself refused it)."""
