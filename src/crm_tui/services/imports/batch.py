"""Saving one batch of prepared import rows inside one transaction.

A batch is looked up with a few queries of many keys each (refs.customers_among:
e-mail keys, phone digits, and names for rows with neither), planned row by
row (create, update, skip, unchanged, refuse), then written: new customers
in one bulk insert (refs.inserting: COPY on PostgreSQL, which the server
works through while this process makes their other rows), and with them
their summary rows, search documents (the same `search_doc.build_doc` that
`search_doc.refresh` writes), history, addresses, tags and notes, per batch. Updates go through the ORM with
history per changed field and `search_doc.refresh`. The caller commits the
batch as a whole, so a crash leaves whole customers only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.models import (
    Address,
    ChangeRecord,
    ContactPoint,
    Customer,
    CustomerSearch,
    CustomerSummary,
    CustomerTag,
    CustomField,
    Note,
    format_number,
)
from crm_tui.models.enums import CustomerKind, CustomerStatus
from crm_tui.models.types import utcnow
from crm_tui.services import history
from crm_tui.services.card_numbers import mask_card_numbers
from crm_tui.services.common import live_customer, reserve_ids
from crm_tui.services.customers.contact_points import primaries_first, sync_primaries
from crm_tui.services.customers.rules import EDITABLE_FIELDS, check_whole, derived_columns
from crm_tui.services.errors import ValidationError
from crm_tui.services.imports.extras import add_extras, extras_needed, note_row, point_rows
from crm_tui.services.imports.refs import (
    billing_group_ids,
    customers_among,
    insert_rows,
    inserting,
    tag_ids_for,
)
from crm_tui.services.imports.row_search import search_text
from crm_tui.services.imports.rows import PreparedRow
from crm_tui.services.search import document as search_doc
from crm_tui.services.search.bulk_index import insert_documents
from crm_tui.services.validation import text_key

SEARCHED_FIELDS = {"first_name", "last_name", "company_name", "email", "phone"}
SAME_EMAIL, SAME_PHONE, SAME_NAME = "same e-mail", "same phone", "same name, no e-mail or phone"


@dataclass
class Outcome:
    """What happened to one row."""

    row: PreparedRow
    action: str  # create | update | unchanged | skip | refuse
    reason: str = ""
    customer_id: int | None = None
    match: str = ""  # "C-000012 (same e-mail)"


@dataclass
class _Pending:
    """A customer this batch will create (later rows of the file may update it)."""

    row: PreparedRow
    values: dict[str, Any]
    tags: list[str] = field(default_factory=list)
    outcome: Outcome | None = None
    # The row's own derived columns and search text (worked out while reading), until a
    # later row folds new values in; then they are worked out again from the merged values.
    derived: dict[str, Any] | None = None
    doc: tuple[str, str] | None = None


def _table(model: type[Any]) -> Table:
    return cast(Table, model.__table__)


def _keys(row: PreparedRow) -> list[str]:
    keys = []
    if row.email_key:
        keys.append("e:" + row.email_key)
    if row.phone_digits:
        keys.append("p:" + row.phone_digits)
    if not keys and row.sort_name:
        keys.append("n:" + row.sort_name)
    return keys


class BatchImporter:
    """Plans and writes batches; one instance per import run."""

    def __init__(
        self, *, actor: str, mode: str, dry_run: bool, source_name: str, run_id: int | None = None
    ) -> None:
        self.actor = actor
        self.run_id = run_id  # the import_run the new customers point at (migration 0018)
        self.mode = mode
        self.dry_run = dry_run
        # The file's name goes into history: a name holding a card number is masked.
        self.source_name = mask_card_numbers(source_name)
        # Dry runs write nothing, so rows repeated across batches are found here
        # (bounded: past the cap a repeat far apart in a huge file may count as new).
        self.seen: dict[str, int] = {}
        self.seen_cap = 2_000_000
        self.bulk = False  # a large import in a command's process (pipeline.fewer_checkpoints)

    # --- planning --------------------------------------------------------------

    def process(self, session: Session, rows: list[PreparedRow]) -> list[Outcome]:
        ok = [r for r in rows if r.ok]
        found = self._lookup(session, ok)
        pending: dict[str, _Pending] = {}
        outcomes: list[Outcome] = []
        search_refresh: set[int] = set()
        for row in rows:
            if not row.ok:
                outcomes.append(Outcome(row, "refuse", "; ".join(row.problems)))
                continue
            outcomes.append(self._plan(session, row, found, pending, search_refresh))
        if not self.dry_run:
            self._create(session, list({id(p): p for p in pending.values()}.values()))
            session.flush()
            for customer_id in sorted(search_refresh):
                search_doc.refresh(session, customer_id)
        return outcomes

    def _lookup(self, session: Session, rows: list[PreparedRow]) -> dict[str, Customer]:
        emails = sorted({r.email_key for r in rows if r.email_key})
        phones = sorted({r.phone_digits for r in rows if r.phone_digits})
        # A row is looked up by name only when it has neither e-mail nor phone (_keys).
        names = sorted(
            {r.sort_name for r in rows if r.sort_name and not r.email_key and not r.phone_digits}
        )
        found: dict[str, Customer] = {}
        live = live_customer()
        lock = not self.dry_run and session.get_bind().dialect.name == "postgresql"
        queries = []
        if emails:
            queries.append(("e:", "email_key", customers_among(
                session, Customer.email_key, emails, lock=lock)))  # fmt: skip
        if phones:
            queries.append(("p:", "phone_digits", customers_among(
                session, Customer.phone_digits, phones, live, lock=lock)))  # fmt: skip
        if names:
            queries.append(("n:", "sort_name", customers_among(
                session, Customer.sort_name, names, col(Customer.email_key).is_(None),
                col(Customer.phone_digits).is_(None), live, lock=lock)))  # fmt: skip
        for prefix, attr, query in queries:
            for customer in session.scalars(query):
                found.setdefault(prefix + str(getattr(customer, attr)), customer)
        return found

    def _plan(
        self,
        session: Session,
        row: PreparedRow,
        found: dict[str, Customer],
        pending: dict[str, _Pending],
        search_refresh: set[int],
    ) -> Outcome:
        why = {"e": SAME_EMAIL, "p": SAME_PHONE, "n": SAME_NAME}
        keys = _keys(row)
        for key in keys:
            existing = found.get(key)
            earlier = pending.get(key)
            seen_row = self.seen.get(key) if self.dry_run else None
            if existing is None and earlier is None and seen_row is None:
                continue
            reason = why[key[0]]
            if existing is not None:
                ref = f"{format_number(existing.id or 0)} ({reason})"
                if existing.status == CustomerStatus.MERGED:
                    return Outcome(row, "refuse", f"The e-mail belongs to merged customer {ref}.")
            else:
                number = earlier.row.number if earlier else seen_row
                ref = f"row {number} of this file ({reason})"
            if self.mode == "skip":
                return Outcome(
                    row,
                    "skip",
                    f"Already on file as {ref}.",
                    existing.id if existing else None,
                    ref,
                )
            if self.mode == "create":
                if key.startswith("e:"):
                    return Outcome(
                        row,
                        "refuse",
                        f"The e-mail {row.values.get('email')} already belongs to {ref}.",
                    )
                break  # a shared phone or name: create anyway, as asked
            if existing is not None:
                return self._update(session, existing, row, found, pending, search_refresh, ref)
            if earlier is not None:
                return self._fold(earlier, row, ref)
            return Outcome(row, "update", "", None, ref)  # dry run: an earlier batch's row
        return self._new(row, pending, keys)

    def _new(self, row: PreparedRow, pending: dict[str, _Pending], keys: list[str]) -> Outcome:
        values = {"status": CustomerStatus.ACTIVE.value, **row.values}
        item = _Pending(row, values, list(row.tags), derived=row.derived, doc=row.doc)
        item.outcome = Outcome(row, "create")
        for key in keys:
            pending.setdefault(key, item)
            if self.dry_run and len(self.seen) < self.seen_cap:
                self.seen.setdefault(key, row.number)
        return item.outcome

    def _fold(self, earlier: _Pending, row: PreparedRow, ref: str) -> Outcome:
        """A row repeating one created earlier in this batch: its values update that one."""
        merged = {**earlier.values, **{k: v for k, v in row.values.items() if v not in (None, "")}}
        try:
            check_whole(merged)
        except ValidationError as exc:
            return Outcome(row, "refuse", exc.message)
        earlier.values = merged
        earlier.derived = earlier.doc = None  # worked out again from the merged values
        earlier.tags.extend(t for t in row.tags if t not in earlier.tags)
        if not earlier.row.addresses:
            earlier.row.addresses = row.addresses
        earlier.row.custom = {**earlier.row.custom, **row.custom}
        held_notes = {(n["title"], n["body"]) for n in earlier.row.notes}
        earlier.row.notes.extend(n for n in row.notes if (n["title"], n["body"]) not in held_notes)
        held = {(p.kind, p.value_key) for p in earlier.row.points}
        earlier.row.points.extend(p for p in row.points if (p.kind, p.value_key) not in held)
        # The columns took this row's e-mail and phone: so do the primaries written.
        earlier.row.points = primaries_first(earlier.row.points, merged)
        earlier.row.phone_forms.update(row.phone_forms)
        return Outcome(row, "update", "", None, ref)

    def _update(
        self,
        session: Session,
        customer: Customer,
        row: PreparedRow,
        found: dict[str, Customer],
        pending: dict[str, _Pending],
        search_refresh: set[int],
        ref: str,
    ) -> Outcome:
        assert customer.id is not None
        changes = {k: v for k, v in row.values.items() if v not in (None, "")}
        if not row.kind_given and changes.get("kind") != CustomerKind.BUSINESS:
            changes.pop("kind", None)
        if row.billing_group:
            found_ids = billing_group_ids(session, {row.billing_group}, create=not self.dry_run)
            changes["billing_group_id"] = found_ids.get(
                row.billing_group, -1
            )  # -1: new in a dry run
        current = {f: getattr(customer, f) for f in EDITABLE_FIELDS}
        merged = {**current, **changes}
        try:
            check_whole(merged)
        except ValidationError as exc:
            return Outcome(row, "refuse", f"Updating {ref}: {exc.message}", customer.id, ref)
        diff = {f: (current[f], merged[f]) for f in EDITABLE_FIELDS if current[f] != merged[f]}
        new_key = derived_columns(merged)["email_key"]
        if "email" in diff and new_key and new_key != customer.email_key:
            owner = found.get("e:" + new_key) or session.scalar(
                select(Customer).where(col(Customer.email_key) == new_key)
            )
            if (owner is not None and owner.id != customer.id) or "e:" + new_key in pending:
                return Outcome(row, "refuse", f"The e-mail {merged['email']} already belongs to another customer.", customer.id, ref)  # fmt: skip
        extras = extras_needed(session, customer.id, row)
        if not diff and not any(extras.values()):
            return Outcome(row, "unchanged", "", customer.id, ref)
        if self.dry_run:
            return Outcome(row, "update", "", customer.id, ref)
        if diff:
            self._apply(session, customer, diff, merged, search_refresh)
        add_extras(session, customer.id, extras, self.actor)
        if extras["points"] or extras["custom"]:
            search_refresh.add(customer.id)
        return Outcome(row, "update", "", customer.id, ref)

    def _apply(
        self,
        session: Session,
        customer: Customer,
        diff: dict[str, tuple[Any, Any]],
        merged: dict[str, Any],
        search_refresh: set[int],
    ) -> None:
        """Write an update's changed fields, with their history line."""
        assert customer.id is not None
        for name, (_old, new) in diff.items():
            setattr(customer, name, new)
        for column, value in derived_columns(merged).items():
            setattr(customer, column, value)
        customer.version += 1
        customer.updated_at = utcnow()
        session.flush()
        history.record_customer(session, customer.id, actor=self.actor, action="update",
                                version=customer.version, changes=diff)  # fmt: skip
        if set(diff) & {"email", "phone", "website", "kind"}:
            sync_primaries(session, customer)
        if set(diff) & SEARCHED_FIELDS:
            search_refresh.add(customer.id)

    # --- writing new customers in bulk ----------------------------------------

    def _create(self, session: Session, items: list[_Pending]) -> None:
        if not items:
            return
        now = utcnow()
        groups = billing_group_ids(
            session, {i.row.billing_group for i in items if i.row.billing_group}
        )
        rows = []
        # Every new customer starts from the same columns (copied per row: 1.9 -> 0.8 us).
        blank: dict[str, Any] = dict.fromkeys(EDITABLE_FIELDS)
        blank.update(loyalty_points=0, contact_channels="", status=CustomerStatus.ACTIVE.value)
        for item in items:
            values = blank.copy()
            values.update({k: v for k, v in item.values.items() if v is not None})
            values["billing_group_id"] = groups.get(item.row.billing_group or "")
            derived = item.derived if item.derived is not None else derived_columns(values)
            values.update(derived, created_at=now, updated_at=now, version=1)
            values["import_run_id"] = self.run_id
            rows.append(values)
        table = _table(Customer)
        # Explicit ids: RETURNING in parameter order would cost one INSERT per row.
        ids = reserve_ids(session, Customer, len(rows))
        for cid, values in zip(ids, rows, strict=True):
            values["id"] = cid
        tag_ids = tag_ids_for(session, {t for i in items for t in i.tags})
        summaries, docs, changes, addresses, links = [], [], [], [], []
        texts: list[str] = []
        custom: list[dict[str, Any]] = []
        notes: list[dict[str, Any]] = []
        points: list[dict[str, Any]] = []
        # The server saves the customers while their other rows are made (refs.inserting).
        with inserting(session, table, rows):
            for cid, values, item in zip(ids, rows, items, strict=True):
                assert item.outcome is not None
                item.outcome.customer_id = cid
                summaries.append({"customer_id": cid})
                if item.doc is None:  # folded: the merged values' text
                    item.doc = search_text(item.row, values)
                doc = search_doc.doc_with_number(item.doc, cid)
                points.extend(point_rows(cid, item.row.points, now))
                docs.append({"customer_id": cid, "doc": doc})
                texts.append(doc)
                custom.extend({"customer_id": cid, "name": name, "name_key": text_key(name), "value": value,
                               "created_at": now, "version": 1} for name, value in item.row.custom.items())  # fmt: skip
                changes.append({"customer_id": cid, "entity": "customer", "entity_id": cid, "action": "create",
                                "field": "import", "old_value": None, "version": 1, "actor": self.actor,
                                "new_value": f"{self.source_name} row {item.row.number}", "changed_at": now})  # fmt: skip
                for address in item.row.addresses:
                    addresses.append({"customer_id": cid, "line2": None, "region": None, "postal_code": None,
                                      **address, "created_at": now, "version": 1})  # fmt: skip
                notes.extend({**note_row(cid, note, self.actor, now), "version": 1}
                             for note in item.row.notes)  # fmt: skip
                for key in dict.fromkeys(text_key(t) for t in item.tags):
                    links.append({"customer_id": cid, "tag_id": tag_ids[key]})
        if docs:
            insert_documents(session, ids, lambda: insert_rows(session, _table(CustomerSearch), docs),
                             texts)  # fmt: skip
        for model, batch in ((CustomerSummary, summaries), (ChangeRecord, changes),
                             (Address, addresses), (Note, notes), (CustomerTag, links),
                             (CustomField, custom), (ContactPoint, points)):  # fmt: skip
            if batch:
                insert_rows(session, _table(model), batch)
