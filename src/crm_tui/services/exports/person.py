"""Everything held about one customer, as JSON (a data-protection access request).

The tables are not listed by hand: every table with a foreign key to
customer.id is included (from SQLModel.metadata), then every table that
points at rows already included (order items under orders), and the rows
those link rows name in other tables (tag names, segment and billing group
names). A table added later is exported without anyone remembering to.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Table, or_, select
from sqlmodel import SQLModel

from crm_tui.models import Customer, format_number
from crm_tui.models.types import utcnow
from crm_tui.services.context import ServiceContext
from crm_tui.services.errors import NotFound
from crm_tui.services.private_files import private_output
from crm_tui.services.roles.policy import Capability

_SKIP_COLUMNS = {"sort_name", "email_key", "phone_digits"}  # derived, not held data


def _plain(value: object) -> object:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return value


def person_data(ctx: ServiceContext, customer_id: int) -> dict[str, Any]:
    """A JSON-ready dict: the customer row, then each related table's rows."""
    tables = SQLModel.metadata.sorted_tables
    customer_table = next(t for t in tables if t.name == Customer.__tablename__)
    ctx.require(Capability.PERSON_EXPORT)
    with ctx.read() as session:
        row = (
            session.execute(select(customer_table).where(customer_table.c.id == customer_id))
            .mappings()
            .first()
        )
        if row is None:
            raise NotFound(f"There is no customer {format_number(customer_id)}.")
        data: dict[str, Any] = {
            "exported_at": utcnow().isoformat(),
            "customer_number": format_number(customer_id),
            "customer": {k: _plain(v) for k, v in row.items() if k not in _SKIP_COLUMNS},
            "related": {},
            "referenced": {},
        }
        held: dict[str, set[Any]] = {customer_table.name: {customer_id}}
        done = {customer_table.name}
        pending = True
        while pending:  # follow foreign keys outwards until nothing new is found
            pending = False
            for table in tables:
                if table.name in done:
                    continue
                conditions = [
                    fk.parent.in_(held[fk.column.table.name])
                    for fk in table.foreign_keys
                    if fk.column.table.name in held
                ]
                if not conditions:
                    continue
                rows = session.execute(select(table).where(or_(*conditions))).mappings().all()
                data["related"][table.name] = [{k: _plain(v) for k, v in r.items()} for r in rows]
                keys = list(table.primary_key.columns)
                if len(keys) == 1:
                    held[table.name] = {r[keys[0].name] for r in rows}
                done.add(table.name)
                pending = True
        data["referenced"] = _referenced(session, tables, data, held)
    return data


def _referenced(
    session: Any, tables: list[Table], data: dict[str, Any], held: dict[str, set[Any]]
) -> dict[str, Any]:
    """Rows in shared tables (tags, segments, billing groups) that the exported rows name."""
    wanted: dict[str, set[Any]] = {}
    by_name = {t.name: t for t in tables}
    sections = {"customer": [data["customer"]], **data["related"]}
    for name, rows in sections.items():
        for fk in by_name[name].foreign_keys:
            target = fk.column.table.name
            if target in held or target == name:
                continue
            values = {r.get(fk.parent.name) for r in rows} - {None}
            if values:
                wanted.setdefault(target, set()).update(values)
    out: dict[str, Any] = {}
    for name, ids in sorted(wanted.items()):
        table = by_name[name]
        key = next(iter(table.primary_key.columns))
        rows = session.execute(select(table).where(key.in_(sorted(ids)))).mappings().all()
        out[name] = [{k: _plain(v) for k, v in r.items()} for r in rows]
    return out


def write_person_json(
    ctx: ServiceContext, customer_id: int, path: Path | str, *, overwrite: bool = False
) -> Path:
    """Write person_data to `path` privately (refuses to overwrite unless asked)."""
    target = Path(path).expanduser()
    with private_output(target, overwrite=overwrite) as partial:  # checks before reading
        data = person_data(ctx, customer_id)
        text = json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"
        partial.write_text(text, encoding="utf-8")
    return target
