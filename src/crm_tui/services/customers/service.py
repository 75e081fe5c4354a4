"""Creating, editing and changing the status of customers; erasing on request."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crm_tui.models import (
    Customer,
    CustomerSummary,
    format_number,
    parse_number,
)
from crm_tui.models.enums import CustomerKind, CustomerStatus
from crm_tui.models.types import utcnow
from crm_tui.services import history
from crm_tui.services.common import display_name, lock_customer
from crm_tui.services.context import ServiceContext
from crm_tui.services.customers import children, contact_points
from crm_tui.services.customers.child_rows import refuse_overlap
from crm_tui.services.customers.inputs import CustomerCreate, CustomerUpdate
from crm_tui.services.customers.phone_region import (
    PhoneReading,
    needs_region,
    read_phone,
    region_for_edit,
    region_for_new,
)
from crm_tui.services.customers.rules import (
    EDITABLE_FIELDS,
    PERSON_NAME_FIELDS,
    check_whole,
    clean_all,
    clean_field,
    derived_columns,
    name_warning,
)
from crm_tui.services.customers.statements import (
    by_id,
    id_by_email,
    id_by_phone,
    tag_names_statement,
)
from crm_tui.services.customers.tagging import set_customer_tags
from crm_tui.services.customers.unique_email import check_email_free, flush_checking_email
from crm_tui.services.emails import email_key
from crm_tui.services.errors import (
    NotFound,
    ValidationError,
)
from crm_tui.services.phones import parse_phone
from crm_tui.services.search import document as search_doc
from crm_tui.services.validation import clean_text, undecodable

if TYPE_CHECKING:
    from crm_tui.services.customers.erase import EraseResult


@dataclass(frozen=True)
class CustomerRead:
    """A customer as the UI and CLI see it: plain values, safe after the session closes."""

    id: int
    number: str
    kind: str
    status: str
    status_reason: str | None
    merged_into_id: int | None
    first_name: str | None
    last_name: str | None
    company_name: str | None
    email: str | None
    phone: str | None
    date_of_birth: date | None
    registration_number: str | None
    vat_id: str | None
    business_type: str | None
    industry: str | None
    website: str | None
    payment_terms: str | None
    billing_group_id: int | None
    segment: str | None
    loyalty_points: int
    language: str | None
    currency: str | None
    contact_channels: str
    owner: str | None
    created_at: datetime
    updated_at: datetime
    erased_at: datetime | None
    version: int
    tags: tuple[str, ...] = ()

    @property
    def display_name(self) -> str:
        return display_name(self.kind, self.first_name, self.last_name, self.company_name)

    def field_values(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in EDITABLE_FIELDS}


_READ_FIELDS = {f.name for f in fields(CustomerRead)} - {"number", "tags"}


def to_read(customer: Customer, tags: Iterable[str] = ()) -> CustomerRead:
    assert customer.id is not None
    values = {name: getattr(customer, name) for name in _READ_FIELDS}
    return CustomerRead(number=format_number(customer.id), tags=tuple(tags), **values)


def tag_names(session: Session, customer_id: int) -> list[str]:
    return list(session.scalars(tag_names_statement(customer_id)))


def split_name(name: str) -> tuple[str, str | None]:
    """'Ana Lima' -> ('Ana', 'Lima'); 'Cher' -> ('Cher', None)."""
    parts = name.strip().split(None, 1)
    return (parts[0], parts[1] if len(parts) > 1 else None)


class CustomerService:
    """Every change to a customer's own fields, with history and conflict checks."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    # --- reading -------------------------------------------------------------

    def get(self, customer_id: int) -> CustomerRead:
        with self.ctx.read() as session:
            customer = session.scalars(by_id(customer_id)).first()
            if customer is None:
                raise NotFound(f"There is no customer {format_number(customer_id)}.")
            return to_read(customer, tag_names(session, customer_id))

    def count(self) -> int:
        with self.ctx.read() as session:
            return int(session.scalar(select(func.count()).select_from(Customer)) or 0)

    def resolve(self, reference: str) -> CustomerRead:
        """Find one customer by id, number (C-000123), e-mail or phone."""
        ref = reference.strip()
        if not ref or undecodable(ref):
            raise ValidationError(
                "reference", "Give a customer number, e-mail or phone (as valid text)."
            )
        with self.ctx.read() as session:
            customer_id = parse_number(ref)
            if customer_id is None and "@" in ref:
                customer_id = session.scalar(id_by_email(email_key(ref)))
            elif customer_id is None:
                try:
                    e164 = parse_phone(ref, self.ctx.default_region)
                except ValidationError:
                    e164 = None
                if e164:
                    customer_id = session.scalar(id_by_phone(e164.lstrip("+")))
            if customer_id is None or session.scalars(by_id(customer_id)).first() is None:
                raise NotFound(f"No customer matches {ref!r}.")
        return self.get(customer_id)

    def validate_field(self, field: str, raw: Any) -> Any:
        """Check one field as the user leaves it; raises ValidationError."""
        return clean_field(field, raw, self.ctx.default_region)

    def warning_for(self, field: str, raw: Any) -> str | None:
        """A reason to look twice at an accepted value (a person's name with digits or an @)."""
        return name_warning(raw) if field in PERSON_NAME_FIELDS else None

    # --- writing -------------------------------------------------------------

    def read_phone(
        self, raw: Any, countries: Sequence[object], *, address_to_come: bool
    ) -> PhoneReading:
        """A phone as a form reads it, in the country of the addresses typed so far."""
        return read_phone(raw, countries, self.ctx.default_region, address_to_come=address_to_come)

    def check_new(self, data: CustomerCreate) -> None:
        """Everything `create` checks before it writes (raises ValidationError)."""
        region = region_for_new(data, self.ctx.default_region)
        self._new_values(data, region)
        children.check_new(data, region)

    def create(self, data: CustomerCreate) -> CustomerRead:
        """A new customer with its tags, addresses, contacts and notes: one transaction.

        Phones are read in the country of its address (default billing first)."""
        region = region_for_new(data, self.ctx.default_region)
        values = self._new_values(data, region)
        writes = children.check_new(data, region)
        with self.ctx.write() as session:
            customer = Customer(**values, **derived_columns(values))
            check_email_free(session, customer.email_key, None)
            session.add(customer)
            flush_checking_email(session, customer)
            assert customer.id is not None
            session.add(CustomerSummary(customer_id=customer.id))
            history.record_customer(
                session,
                customer.id,
                actor=self.ctx.actor,
                action="create",
                version=1,
                changes={k: (None, v) for k, v in values.items() if v not in (None, "", 0)},
            )
            set_customer_tags(session, customer.id, data.tags, actor=self.ctx.actor)
            # The primaries from the e-mail, phone and website first: more points join them.
            contact_points.sync_primaries(session, customer)
            children.write(session, actor=self.ctx.actor, customer=customer, writes=writes)
            search_doc.refresh(session, customer.id)
            return to_read(customer, tag_names(session, customer.id))

    def quick_add(self, name: str, phone: str | None, email: str | None) -> CustomerRead:
        """POS-style add: a name plus at least one way to reach the customer."""
        cleaned = clean_text("name", name, required=True, max_len=400)
        assert cleaned is not None
        if not (phone or "").strip() and not (email or "").strip():
            raise ValidationError(
                "phone", "Give a phone number or an e-mail to reach the customer."
            )
        first, last = split_name(cleaned)
        return self.create(
            CustomerCreate(first_name=first, last_name=last, phone=phone, email=email)
        )

    def update(
        self, customer_id: int, data: CustomerUpdate, *, expected_version: int
    ) -> CustomerRead:
        """Apply the fields `data` sets, its tags and child changes: one transaction.

        A stale `expected_version` is fine when nobody else touched the same
        fields (the edits merge); otherwise ConflictError. Child edits carry
        their own versions.
        """
        region = self.ctx.default_region
        if needs_region(data):  # read in the country of the addresses as the edit leaves them
            with self.ctx.read() as session:
                region = region_for_edit(session, customer_id, data, region)
        cleaned = clean_all(data.own_fields(), region)
        writes = children.check_edits(data, region)
        with self.ctx.write() as session:
            customer = lock_customer(session, customer_id)
            self._refuse_if_gone(customer)
            if customer.status == CustomerStatus.MERGED:  # its e-mail key was freed on merge
                raise ValidationError(
                    "customer",
                    "This customer was merged into another; edit the surviving customer.",
                )
            self._apply_fields(session, customer, cleaned, expected_version)
            if data.tags is not None:
                set_customer_tags(session, customer_id, data.tags, actor=self.ctx.actor)
            children.write(session, actor=self.ctx.actor, customer=customer, writes=writes)
            return to_read(customer, tag_names(session, customer_id))

    def deactivate(self, customer_id: int) -> CustomerRead:
        return self._set_status(customer_id, CustomerStatus.INACTIVE, None)

    def reactivate(self, customer_id: int) -> CustomerRead:
        return self._set_status(customer_id, CustomerStatus.ACTIVE, None)

    def block(self, customer_id: int, reason: str) -> CustomerRead:
        cleaned = clean_text("status_reason", reason, required=True, max_len=500)
        return self._set_status(customer_id, CustomerStatus.BLOCKED, cleaned)

    def unblock(self, customer_id: int) -> CustomerRead:
        return self._set_status(customer_id, CustomerStatus.ACTIVE, None)

    def set_tags(self, customer_id: int, tags: Iterable[str]) -> CustomerRead:
        with self.ctx.write() as session:
            customer = lock_customer(session, customer_id)
            self._refuse_if_gone(customer)
            set_customer_tags(session, customer_id, tags, actor=self.ctx.actor)
            return to_read(customer, tag_names(session, customer_id))

    def erase(self, customer_id: int, *, confirm: str) -> EraseResult:
        """Data-protection erase: personal data goes, anonymised money records stay.

        `confirm` must be the customer's number (C-000123), so nothing is erased
        by a slip of a key. Customers merged into this one are erased with it;
        running it again on an erased customer finishes any cleanup left (see
        customers.erase).
        """
        if confirm.strip().upper() != format_number(customer_id):
            raise ValidationError(
                "confirm",
                f"Type the customer number {format_number(customer_id)} to confirm the erase.",
            )
        from crm_tui.services.customers.erase import erase_customer

        return erase_customer(self.ctx, customer_id)

    # --- internals -----------------------------------------------------------

    def _set_status(self, customer_id: int, status: str, reason: str | None) -> CustomerRead:
        with self.ctx.write() as session:
            customer = lock_customer(session, customer_id)
            self._refuse_if_gone(customer)
            if customer.status == CustomerStatus.MERGED:
                raise ValidationError("status", "A merged customer cannot change status.")
            diff: dict[str, tuple[object, object]] = {}
            if customer.status != status:
                diff["status"] = (customer.status, status)
            if customer.status_reason != reason:
                diff["status_reason"] = (customer.status_reason, reason)
            if not diff:
                return to_read(customer, tag_names(session, customer_id))
            customer.status = status
            customer.status_reason = reason
            customer.version += 1
            customer.updated_at = utcnow()
            history.record_customer(
                session,
                customer_id,
                actor=self.ctx.actor,
                action="update",
                version=customer.version,
                changes=diff,
            )
            return to_read(customer, tag_names(session, customer_id))

    def _new_values(self, data: CustomerCreate, region: str) -> dict[str, Any]:
        values = clean_all(data.own_fields(), region)
        values.setdefault("kind", CustomerKind.INDIVIDUAL.value)
        values.setdefault("status", CustomerStatus.ACTIVE.value)
        if values.get("kind") is None:
            raise ValidationError("kind", "The kind is required.")
        if values.get("status") is None:
            values["status"] = CustomerStatus.ACTIVE.value
        values["contact_channels"] = values.get("contact_channels") or ""
        values["loyalty_points"] = values.get("loyalty_points") or 0
        if not values.get("owner") and self.ctx.permissions.enforced:
            values["owner"] = self.ctx.permissions.login  # on a team's database, who made it
        check_whole(values)
        return values

    def _apply_fields(
        self, session: Session, customer: Customer, cleaned: dict[str, Any], expected_version: int
    ) -> None:
        """Set the customer's own changed fields, with history; nothing when none differ."""
        assert customer.id is not None
        current = {f: getattr(customer, f) for f in EDITABLE_FIELDS}
        status_changes = "status" in cleaned and cleaned["status"] != current["status"]
        if status_changes and current["status"] == CustomerStatus.MERGED:
            raise ValidationError("status", "A merged customer cannot change status.")
        merged = {**current, **cleaned}
        check_whole(merged)
        diff = {f: (current[f], merged[f]) for f in EDITABLE_FIELDS if current[f] != merged[f]}
        if customer.version != expected_version:
            refuse_overlap(session, "customer", customer, expected_version, diff)
        if not diff:
            return
        derived = derived_columns(merged)
        if "email" in diff:
            # Before the row changes: the check's query would autoflush it.
            check_email_free(session, derived["email_key"], customer.id)
        for field, (_old, new) in diff.items():
            setattr(customer, field, new)
        for column, value in derived.items():
            setattr(customer, column, value)
        customer.version += 1
        customer.updated_at = utcnow()
        flush_checking_email(session, customer)
        history.record_customer(
            session,
            customer.id,
            actor=self.ctx.actor,
            action="update",
            version=customer.version,
            changes=diff,
        )
        if set(diff) & {"email", "phone", "website", "kind"}:
            contact_points.sync_primaries(session, customer)
        if set(diff) & {"first_name", "last_name", "company_name", "email", "phone"}:
            search_doc.refresh(session, customer.id)

    @staticmethod
    def _refuse_if_gone(customer: Customer) -> None:
        if customer.erased_at is not None:
            raise ValidationError(
                "customer", "This customer's data was erased; it cannot be edited."
            )
