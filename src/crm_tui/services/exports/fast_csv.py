"""The rows of a CSV export as text made in the database, a keyset batch at a time.

One query per batch reads the customers with everything their fixed columns
need joined in the database: the summary figures, the billing group's name,
the tags (aggregated in name order), the first address and the first e-mail,
phone and web address of each kind, each cell already the text the CSV holds
(`sql_cells`). The numbered columns (more e-mails, phones and web addresses,
more addresses, notes, custom fields) come from one range query per table,
also as text, and go after the row in `layout` order. No ORM object, dict or
Python formatting per row: the driver's tuples go to csv.writer as they come.

A customer with a cell `cells.neutralise` might change (`RISKY`, searched in
the batch's written text) or a value stored in a form `sql_cells` does not
read is written by the general exporter (`slow`), so its cells follow
`cells.neutralise` and `cells.cell_text` exactly;
tests/services/test_export_fast_csv.py compares the two byte for byte.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator, Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Integer, Select, bindparam, case, func, literal_column, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session, aliased
from sqlmodel import col

from crm_tui.models import (
    Address,
    BillingGroup,
    ContactPoint,
    Customer,
    CustomerSummary,
    CustomerTag,
    CustomField,
    Note,
    Tag,
)
from crm_tui.services.exports.cells import COLUMNS
from crm_tui.services.exports.children import Widths
from crm_tui.services.exports.csv_text import TextBatch, csv_text, writer_text
from crm_tui.services.exports.sql_cells import SqlCells

SlowFn = Callable[[list[int]], dict[int, list[str]]]

# A cell csv.writer wrote that `cells.neutralise` might change: one starting (after
# its comma, and its quote if quoted) with a formula character or an apostrophe,
# unless it is a plain signed number such as a phone's +447946000958. The first cell
# (the customer number) never does. A quoted cell is never a plain number, and one
# starting with CR is always quoted (an unquoted CR ends the line). Over-matching only
# sends a row the slow way. The lookahead first: most commas fail it at once (a third
# of the time of the search without it).
RISKY = re.compile(
    r',(?=[=@\t\'"+-])(?:[=@\t\']|"[=@\t\'\r+-]|[+-](?![0-9]+(?:\.[0-9]+)?(?:,|\r\n)))'
)

_MONEY = {"lifetime_value", "outstanding_balance"}
_MOMENTS = {"last_purchase_at", "created_at"}
_NUMBERS = {"loyalty_points", "active_subscriptions", "order_count"}
_SUMMARY = _MONEY | {"active_subscriptions", "order_count", "last_purchase_at"}
_POINT_COLUMNS = {"email": "email", "phone": "phone", "website": "web"}  # column -> kind
_ADDRESS_COLUMNS = ("line1", "line2", "city", "region", "postal_code", "country")
_POINT_KINDS = tuple(_POINT_COLUMNS.values())


def _first(model: Any, flag: Any, *also: Any) -> Any:
    """The id of the customer's first row of `model`: ORDER BY flag DESC, id LIMIT 1 (the
    flag is NOT NULL) as the lowest id with the flag, else the lowest id. Both read the
    customer_id index in id order: no sort per customer."""
    mine = (model.customer_id == col(Customer.id), *also)
    flagged = select(model.id).where(*mine, flag).order_by(model.id).limit(1)
    lowest = select(func.min(model.id)).where(*mine)
    return func.coalesce(flagged.scalar_subquery(), lowest.scalar_subquery())


def customers_query(cells: SqlCells, where: list[Any]) -> Callable[..., Select[Any]]:
    """The batch query: id, the COLUMNS cells in order, and the fall-back flag, for the
    first `limit` customers of `where` and the conditions given (in any order)."""
    address = aliased(Address)
    points = {kind: aliased(ContactPoint) for kind in _POINT_KINDS}
    firsts = [_first(Address, col(Address.is_default_billing)).label("address")]
    firsts += [_first(ContactPoint, col(ContactPoint.is_primary), col(ContactPoint.kind) == kind)
               .label(kind) for kind in _POINT_KINDS]  # fmt: skip
    out = [_cell(cells, key, address, points).label(key) for _head, key in COLUMNS]
    flag = cells.flag().label("fall_back")

    def batch(*conditions: Any, limit: int) -> Select[Any]:
        # The first rows' ids per customer in a derived table of the batch, then
        # joined by primary key: a join on the correlated subquery itself has
        # SQLite scan the child table for every customer.
        chosen = (
            select(col(Customer.id).label("id"), *firsts).where(*where, *conditions)
            .order_by(col(Customer.id)).limit(limit).subquery()
        )  # fmt: skip
        query = (
            select(col(Customer.id), *out, flag).select_from(chosen)
            .join(Customer, col(Customer.id) == chosen.c.id)
            .outerjoin(CustomerSummary, col(CustomerSummary.customer_id) == chosen.c.id)
            .outerjoin(BillingGroup, col(BillingGroup.id) == col(Customer.billing_group_id))
            .outerjoin(address, col(address.id) == chosen.c.address)
        )  # fmt: skip
        for kind, point in points.items():
            query = query.outerjoin(point, col(point.id) == chosen.c[kind])
        # Not sorted here: SQLite sorted the wide rows in a temporary b-tree, and they come
        # in `chosen`'s order anyway; CsvBatches.read puts them in id order if not.
        return query

    return batch


def _cell(cells: SqlCells, key: str, address: Any, points: dict[str, Any]) -> Any:
    if key == "number":
        return cells.customer_number(col(Customer.id))
    column = key.removesuffix("_label")
    if column in _POINT_COLUMNS:
        point = points[_POINT_COLUMNS[column]]
        if key.endswith("_label"):  # the first of its kind's label, if it is the primary
            return cells.text(case((point.is_primary, point.label)))
        # No point of the kind: the customer's own field; a first that is not the
        # primary: an empty column (children.points' (None, None)).
        return cells.text(
            case((point.id.is_(None), getattr(Customer, key)), (point.is_primary, point.value))
        )
    if key == "address_label":
        return cells.text(address.kind)
    if key in _ADDRESS_COLUMNS:
        return cells.text(getattr(address, key))
    if key == "billing_group":
        return cells.text(col(BillingGroup.name))
    if key == "tags":
        return cells.text(_tags(cells.sqlite))
    source = getattr(CustomerSummary if key in _SUMMARY else Customer, key)
    if key in _MONEY:
        return cells.money(source)
    if key in _MOMENTS:
        return cells.moment(source)
    if key in _NUMBERS:
        return cells.number(source)
    if key == "date_of_birth":
        return cells.day(source)
    return cells.text(source)


def _tags(sqlite: bool) -> Any:
    """The customer's tag names joined by ", " in name_key order (as ExportService._tags)."""
    tags = (
        select(col(Tag.name), col(Tag.name_key))
        .join(CustomerTag, col(CustomerTag.tag_id) == col(Tag.id))
        .where(col(CustomerTag.customer_id) == col(Customer.id))
    )
    if sqlite:
        # SQLite 3.40 has no ORDER BY inside an aggregate; group_concat reads the
        # rows of an ordered subquery in its order.
        ordered = tags.order_by(col(Tag.name_key)).correlate(Customer).subquery()
        return select(func.group_concat(ordered.c.name, ", ")).scalar_subquery()
    joined = func.string_agg(col(Tag.name), aggregate_order_by(literal_column("', '"),
                                                                col(Tag.name_key)))  # fmt: skip
    return tags.with_only_columns(joined).scalar_subquery()


def _others(model: Any, *same: str) -> Any:
    """The customer has another row of `model` (with the same `same` columns): only then
    does a row add numbered columns, so the rest never reach Python."""
    other = aliased(model)
    return (
        select(other.id)
        .where(other.customer_id == model.customer_id, other.id != model.id,
               *(getattr(other, name) == getattr(model, name) for name in same))
        .exists()
    )  # fmt: skip


def _children(cells: SqlCells) -> dict[str, Select[Any]]:
    """The batch's rows that fill numbered columns, as text, one range query per table
    (customers :low to :high), each row ending in its flag."""
    low, high = bindparam("low", type_=Integer), bindparam("high", type_=Integer)

    def ranged(model: Any, *columns: Any) -> Select[Any]:
        named = [column.label(f"cell{index}") for index, column in enumerate(columns)]
        return select(model.customer_id, *named, cells.flag().label("fall_back")).where(
            model.customer_id.between(low, high)
        )

    point = ranged(ContactPoint, col(ContactPoint.kind), cells.text(ContactPoint.label),
                   cells.text(ContactPoint.value), col(ContactPoint.is_primary))  # fmt: skip
    # A kind's only point, when it is the primary, is all in the fixed columns.
    point = point.where(~col(ContactPoint.is_primary) | _others(ContactPoint, "kind"))
    address = ranged(
        Address, *(cells.text(getattr(Address, f)) for f in ("kind", *_ADDRESS_COLUMNS))
    )
    address = address.where(_others(Address))
    n = Note
    note = ranged(Note, cells.text(n.title), cells.text(n.body), cells.text(n.type),
                  cells.moment(n.created_at), cells.day(n.follow_up_on), cells.yes(n.done),
                  cells.yes(n.pinned), cells.text(n.visibility), cells.text(n.author),
                  cells.number(n.duration_minutes), cells.text(n.outcome))  # fmt: skip
    custom = ranged(CustomField, col(CustomField.name), cells.text(CustomField.value))
    return {
        "points": point.order_by(col(ContactPoint.customer_id),
                                 col(ContactPoint.is_primary).desc(), col(ContactPoint.id)),
        "addresses": address.order_by(col(Address.customer_id),
                                      col(Address.is_default_billing).desc(), col(Address.id)),
        "notes": note.order_by(col(Note.customer_id), col(Note.created_at), col(Note.id)),
        "custom": custom.order_by(col(CustomField.customer_id), col(CustomField.name_key)),
    }  # fmt: skip


def _fetch(connection: Connection, query: Select[Any], params: dict[str, Any]) -> list[Any]:
    """All rows as the driver gives them: plain tuples, no Row object per row (every
    column here is text or a number SQLAlchemy would not convert)."""
    result = connection.execute(query, params)
    try:
        rows = list(result.cursor.fetchall()) if result.cursor is not None else []
    finally:
        result.close()
    return rows


class Tails:
    """The numbered columns of one batch's customers, in `layout` order: four segments
    (e-mails, phones and web addresses; addresses; notes; custom fields), each padded."""

    def __init__(self, widths: Widths, cells: SqlCells) -> None:
        self.widths = widths
        self.custom = {name: index for index, name in enumerate(widths.custom)}
        w = widths
        self.points_cells = sum(2 * max(0, w.points[k] - 1) for k in _POINT_KINDS)
        self.address_cells = 7 * max(0, w.addresses - 1)
        self.note_cells = 11 * w.notes
        sizes = {"points": self.points_cells, "addresses": self.address_cells,
                 "notes": self.note_cells, "custom": len(w.custom)}  # fmt: skip
        self.empty = [(None,) * n for n in sizes.values()]
        # A segment with no columns in this export (no customer of the selection has a
        # second e-mail, say) is not read: none of its rows would be written, and only
        # notes can flag a customer, and then there are none.
        self.queries = {name: query for name, query in _children(cells).items() if sizes[name]}

    def _rows(self, connection: Connection, name: str, bounds: dict[str, int]) -> list[Any]:
        query = self.queries.get(name)
        return [] if query is None else _fetch(connection, query, bounds)

    def read(
        self, connection: Connection, low: int, high: int
    ) -> tuple[list[dict[int, tuple[Any, ...]]], set[int]]:
        """The four segments of the customers that fill any (by customer id); the
        customers to fall back for."""
        bounds = {"low": low, "high": high}
        flagged: set[int] = set()
        points: dict[int, dict[str, list[Any]]] = {}
        for cid, kind, label, value, primary, flag in self._rows(connection, "points", bounds):
            if flag:
                flagged.add(cid)
            found = points.setdefault(cid, {}).setdefault(kind, [])
            if not found and not primary:
                found.append(None)  # the primary's column stays empty (children.points)
            found.append((label, value))
        addresses: dict[int, list[Any]] = {}
        for cid, *address, flag in self._rows(connection, "addresses", bounds):
            if flag:
                flagged.add(cid)
            addresses.setdefault(cid, []).append(address)
        notes: dict[int, list[Any]] = {}
        for row in self._rows(connection, "notes", bounds):
            if row[-1]:
                flagged.add(row[0])
            notes.setdefault(row[0], []).extend(row[1:-1])
        custom: dict[int, list[Any]] = {}
        for cid, name, value, flag in self._rows(connection, "custom", bounds):
            if flag:
                flagged.add(cid)
            if name in self.custom:
                custom.setdefault(cid, [None] * len(self.custom))[self.custom[name]] = value
        segments = [
            {cid: self._points(found) for cid, found in points.items()},
            {cid: tuple(cell for a in found[1:] for cell in a) + (None,) * (
                self.address_cells - 7 * (len(found) - 1)) for cid, found in addresses.items()},
            {cid: (*found, *(None,) * (self.note_cells - len(found))) for cid, found in notes.items()},
            {cid: tuple(values) for cid, values in custom.items()},
        ]  # fmt: skip
        return segments, flagged

    def _points(self, found: dict[str, list[Any]]) -> tuple[Any, ...]:
        out: list[Any] = []
        for kind in _POINT_KINDS:
            more = found.get(kind, [])[1:]
            for label, value in more:
                out += (label, value)
            out += (None,) * (2 * (self.widths.points[kind] - 1 - len(more)))
        return tuple(out)


class CsvBatches:
    """The export's CSV lines, `size` customers at a time, in id order, as csv.writer
    writes them: after a customer id (keyset, `chosen` ids only if given) or over a
    range of ids (`exports.second_process` cuts the customers into ranges)."""

    def __init__(
        self, session: Session, where: list[Any], widths: Widths, size: int, slow: SlowFn,
        *, chosen: bool = False, ranged: bool = False,
    ) -> None:  # fmt: skip
        cells = SqlCells(session.get_bind().dialect.name == "sqlite")
        # Each statement is built once, with its bounds as parameters: building and keying
        # them anew took about 12 ms a batch.
        conditions = [col(Customer.id) > bindparam("last")]
        if ranged:
            conditions.append(col(Customer.id) <= bindparam("high"))
        if chosen:
            conditions.append(col(Customer.id).in_(bindparam("chunk", expanding=True)))
        self.query = customers_query(cells, where)(*conditions, limit=size)
        self.tails = Tails(widths, cells)
        self.connection = session.connection()
        self.slow = slow

    def read(self, params: dict[str, Any]) -> tuple[TextBatch, int] | None:
        """The batch the bounds in `params` select and its last customer's id; None when
        it has no customer."""
        rows = _fetch(self.connection, self.query, params)
        ids = [row[0] for row in rows]
        if ids != sorted(ids):
            rows.sort(key=itemgetter(0))
        if not rows:
            return None
        last = rows[-1][0]
        (points, addresses, notes, custom), flagged = self.tails.read(
            self.connection, rows[0][0], last
        )
        flagged.update(row[0] for row in rows if row[-1])
        p, a, n, c = self.tails.empty
        out: list[Sequence[Any]] = [
            row[1:-1] + points.get(row[0], p) + addresses.get(row[0], a) + notes.get(row[0], n)
            + custom.get(row[0], c)
            for row in rows
        ]  # fmt: skip
        text = csv_text(out)
        if flagged or RISKY.search(text):
            # Rarely: find the customers with a cell to neutralise (or an unusual stored
            # value) and have the general exporter write them.
            flagged.update(row[0] for row, line in zip(rows, out, strict=True)
                           if RISKY.search(writer_text([line])))  # fmt: skip
            general = self.slow(sorted(flagged.intersection(row[0] for row in rows)))
            text = writer_text(
                general.get(row[0], line) for row, line in zip(rows, out, strict=True)
            )
        return TextBatch(text, len(rows)), last


def text_batches(
    session: Session, where: list[Any], wanted: Sequence[int] | None, widths: Widths,
    size: int, slow: SlowFn,
) -> Iterator[TextBatch]:  # fmt: skip
    """The export's CSV lines, `size` customers at a time, in id order (of `wanted` if
    given), as csv.writer writes them."""
    batches = CsvBatches(session, where, widths, size, slow, chosen=wanted is not None)
    last = 0
    while True:
        params: dict[str, Any] = {"last": last}
        if wanted is not None:
            start = bisect.bisect_right(wanted, last)
            params["chunk"] = chunk = wanted[start : start + size]
            if not chunk:
                return
        found = batches.read(params)
        if found is None:
            if wanted is not None:
                last = chunk[-1]
                continue
            return
        batch, last = found
        yield batch
