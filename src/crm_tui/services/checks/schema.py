"""The schema as the migrations make it, compared with the schema a database has.

The reference is built by running the migrations themselves, so nothing
has to be kept in step by hand: on SQLite into a temporary file, on
PostgreSQL into a temporary schema inside a transaction that is rolled
back (DDL is transactional there), so the check leaves nothing behind and
needs no right to create databases. Both sides are then described the
same way (SQLAlchemy's inspector, plus the triggers from the catalogue)
and compared: tables, columns (type and NULL), indexes, primary keys,
unique, foreign-key and check constraints, and triggers.
"""

from __future__ import annotations

import tempfile
import uuid
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, inspect, text

from crm_tui.db import migrate

ALEMBIC_TABLE = "alembic_version"


@dataclass
class Inventory:
    """What a schema holds, as comparable text, and how to create what can be recreated."""

    schema: str | None
    columns: dict[str, dict[str, str]] = field(default_factory=dict)  # table -> column -> type
    objects: dict[str, str] = field(default_factory=dict)  # "index x on t" -> description
    ddl: dict[str, str] = field(default_factory=dict)  # same keys -> CREATE statement


def describe(conn: Connection, schema: str | None = None) -> Inventory:
    """The inventory of one schema (the connection's default when None)."""
    found = Inventory(schema)
    inspector = inspect(conn)
    for table in sorted(inspector.get_table_names(schema=schema)):
        if table == ALEMBIC_TABLE:
            continue
        found.columns[table] = {
            c["name"]: f"{c['type']} {'NULL' if c['nullable'] else 'NOT NULL'}"
            for c in inspector.get_columns(table, schema=schema)
        }
        pk = inspector.get_pk_constraint(table, schema=schema)
        if pk.get("constrained_columns"):
            found.objects[f"primary key of {table}"] = ", ".join(pk["constrained_columns"])
        with warnings.catch_warnings():  # expression indexes: see below
            warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression")
            indexes = inspector.get_indexes(table, schema=schema)
            uniques = inspector.get_unique_constraints(table, schema=schema)
        for index in indexes:
            columns = [str(c) for c in index.get("column_names") or [] if c is not None]
            columns += [str(e) for e in index.get("expressions") or [] if e not in columns]
            using = index.get("dialect_options", {}).get("postgresql_using", "")
            unique = "unique " if index.get("unique") else ""
            found.objects[f"index {index['name']} on {table}"] = (
                f"{unique}{using} ({', '.join(columns)})".strip()
            )
        for unique_c in uniques:
            name = unique_c.get("name") or "(unnamed)"
            found.objects[f"unique constraint {name} on {table}"] = ", ".join(
                unique_c["column_names"]
            )
        for fk in inspector.get_foreign_keys(table, schema=schema):
            on_delete = (fk.get("options") or {}).get("ondelete") or "NO ACTION"
            name = fk.get("name") or f"({', '.join(fk['constrained_columns'])})"
            found.objects[f"foreign key {name} on {table}"] = (
                f"({', '.join(fk['constrained_columns'])}) -> {fk['referred_table']}"
                f"({', '.join(fk['referred_columns'])}) on delete {on_delete.upper()}"
            )
        for check in inspector.get_check_constraints(table, schema=schema):
            name = check.get("name") or "(unnamed)"
            found.objects[f"check constraint {name} on {table}"] = " ".join(
                check["sqltext"].split()
            )
    for name, table in _triggers(conn, schema):
        found.objects[f"trigger {name} on {table}"] = table
    found.ddl = _ddl(conn, schema)
    # SQLite's inspector skips expression indexes (ix_address_billing_country): the
    # catalogue's CREATE statement stands for them, so they are compared and repaired too.
    for key, sql in found.ddl.items() if conn.dialect.name == "sqlite" else ():
        if key.startswith("index ") and key not in found.objects:
            found.objects[key] = " ".join(sql.split())
    return found


def _triggers(conn: Connection, schema: str | None) -> list[tuple[str, str]]:
    if conn.dialect.name == "sqlite":
        rows = conn.exec_driver_sql(
            "SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger' ORDER BY name"
        )
        return [(str(r[0]), str(r[1])) for r in rows]
    rows = conn.execute(
        text(
            "SELECT t.tgname, c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE NOT t.tgisinternal AND n.nspname = coalesce(:schema, current_schema()) "
            "ORDER BY t.tgname"
        ),
        {"schema": schema},
    )
    return [(str(r[0]), str(r[1])) for r in rows]


def _ddl(conn: Connection, schema: str | None) -> dict[str, str]:
    """CREATE statements for what can be recreated without data: indexes, triggers, constraints."""
    out: dict[str, str] = {}
    if conn.dialect.name == "sqlite":
        rows = conn.exec_driver_sql(
            "SELECT type, name, tbl_name, sql FROM sqlite_master "
            "WHERE type IN ('index', 'trigger') AND sql IS NOT NULL"
        )
        for kind, name, table, sql in rows:
            out[f"{kind} {name} on {table}"] = str(sql)
        return out
    params = {"schema": schema}
    for name, table, sql in conn.execute(
        text(
            "SELECT indexname, tablename, indexdef FROM pg_indexes "
            "WHERE schemaname = coalesce(:schema, current_schema())"
        ),
        params,
    ):
        out[f"index {name} on {table}"] = _unqualified(str(sql), schema)
    for name, table, kind, definition in conn.execute(
        text(
            "SELECT con.conname, c.relname, con.contype, pg_get_constraintdef(con.oid) "
            "FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = coalesce(:schema, current_schema()) AND con.contype IN ('u', 'f', 'c')"
        ),
        params,
    ):
        label = {"u": "unique constraint", "f": "foreign key", "c": "check constraint"}[kind]
        out[f"{label} {name} on {table}"] = (
            f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {_unqualified(str(definition), schema)}'
        )
    return out


def _unqualified(sql: str, schema: str | None) -> str:
    """The reference schema's name taken out, so the statement applies to the live schema."""
    return sql.replace(f"{schema}.", "") if schema else sql


@contextmanager
def reference(engine: Engine) -> Iterator[Inventory]:
    """The inventory of a schema made by running every migration, on the same engine."""
    if engine.dialect.name == "sqlite":
        with tempfile.TemporaryDirectory(prefix="crm-check-") as folder:
            scratch = create_engine(f"sqlite:///{Path(folder) / 'reference.sqlite3'}")
            try:
                migrate.upgrade(scratch)
                with scratch.connect() as conn:
                    yield describe(conn)
            finally:
                scratch.dispose()
        return
    schema = f"crm_check_{uuid.uuid4().hex[:12]}"
    scratch = create_engine(engine.url)
    try:
        with scratch.connect() as conn:
            transaction = conn.begin()
            try:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))  # generated name
                conn.execute(text(f'SET LOCAL search_path TO "{schema}", public'))
                # public stays on the path for pg_trgm's operator classes, so an
                # empty version table here must hide public's, or Alembic would
                # read the live database's revision and do nothing.
                conn.execute(text(
                    f'CREATE TABLE "{schema}".alembic_version (version_num VARCHAR(32) NOT NULL '
                    "PRIMARY KEY)"
                ))  # fmt: skip
                # Alembic and the inspector ask the dialect for the default schema,
                # which it read once at connect: point it at the scratch schema. The
                # engine is private to this check and thrown away after.
                conn.dialect.default_schema_name = schema
                migrate.upgrade_on(conn)
                yield describe(conn, schema)
            finally:
                transaction.rollback()
    finally:
        scratch.dispose()


def differences(expected: Inventory, actual: Inventory) -> list[str]:
    """One sentence per difference, missing things first."""
    problems: list[str] = []
    for table, columns in expected.columns.items():
        have = actual.columns.get(table)
        if have is None:
            problems.append(f"Table {table} is missing.")
            continue
        for column, kind in columns.items():
            if column not in have:
                problems.append(f"Column {table}.{column} is missing.")
            elif have[column] != kind:
                problems.append(
                    f"Column {table}.{column} is {have[column]}; the migrations make it {kind}."
                )
    for key, description in expected.objects.items():
        table = key.rsplit(" on ", 1)[-1]
        if table not in actual.columns:
            continue  # reported with its table
        if key not in actual.objects:
            problems.append(f"The {key} is missing.")
        elif actual.objects[key] != description:
            problems.append(
                f"The {key} is {actual.objects[key]}; the migrations make it {description}."
            )
    for key in actual.objects:
        if key.startswith("trigger ") and key not in expected.objects:
            problems.append(f"The {key} is not made by the migrations.")
    return problems
