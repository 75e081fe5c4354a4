"""Secondary indexes set aside while demo rows load into a new SQLite database, made after.

A row inserted into an index whose keys arrive in random order (a payment's
date, a summary's lifetime value, a customer's sort name) lands on a random
page of it: per 20,000 demo customers, storing payments cost 21 µs a row
with their indexes and 3.4 µs without. Made once at the end, an index is
built from sorted keys instead. Only for a database nobody else uses and
that is thrown away unless the whole load went in (services/demo/new_database.py):
clerks need the indexes, and a load stopped halfway must not leave a schema
without them.

Indexes whose first column is `customer_id` stay: the load fills them in
order (customers are numbered as they come), and each batch's own work
(amounts in the reporting currency, summaries, dashboard figures) reads a
batch's rows through them. Unique indexes stay too, whether SQLite made them
for a constraint or a migration created them: they are rules (an INSERT OR
IGNORE relies on one), not only a way to find rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Engine

KEPT_LEADING_COLUMN = "customer_id"


@dataclass(frozen=True)
class SetAside:
    """The indexes dropped for a load, each as (name, the CREATE INDEX text SQLite kept),
    and the tables they index."""

    indexes: list[tuple[str, str]]
    tables: frozenset[str]

    def make_again(self, engine: Engine) -> None:
        """Create every index set aside, in the order the schema had them.

        Each index's keys are sorted in temporary files rather than in memory: at a
        million demo customers, one payment index sorted in memory took 530 MB and
        28 s, in files 21 MB and 17 s (SQLite makes them 0600 and unlinks them once
        open). SQLite changes temp_store only outside a transaction, so this runs on
        a pooled DB-API connection below SQLAlchemy's BEGIN, each index committed on
        its own (nobody else has the file: only new databases set indexes aside), and
        the connection gets its own temp_store back.
        """
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute("PRAGMA temp_store")
            row = cursor.fetchone()
            kept = int(row[0]) if row else 0  # 0: SQLite's own default
            cursor.execute("PRAGMA temp_store = FILE")
            try:
                for _name, sql in self.indexes:
                    cursor.execute(sql)
            finally:
                cursor.execute(f"PRAGMA temp_store = {kept}")
            # The planner needs these indexes' statistics (without them a 100k demo's
            # invoices took 61 s instead of 5), and the PRAGMA optimize that follows
            # the load only analyses tables its own connection has used.
            for table in sorted(self.tables):
                cursor.execute(f'ANALYZE "{table}"')
        finally:
            raw.close()


def set_aside(conn: Connection) -> SetAside:
    """Drop the secondary, non-unique indexes a bulk load would fill out of order (see the
    module doc)."""
    found = conn.exec_driver_sql(
        "SELECT name, sql, tbl_name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        "ORDER BY rowid"
    ).all()
    dropped: list[tuple[str, str]] = []
    tables: set[str] = set()
    for name, sql, table in found:
        if str(sql).lstrip().upper().startswith("CREATE UNIQUE"):
            continue
        # index_info: one row per key column; an expression's column name is NULL.
        first = conn.exec_driver_sql(f'PRAGMA index_info("{name}")').first()
        if first is not None and first[2] == KEPT_LEADING_COLUMN:
            continue
        conn.exec_driver_sql(f'DROP INDEX "{name}"')
        dropped.append((str(name), str(sql)))
        tables.add(str(table))
    return SetAside(dropped, frozenset(tables))
