"""The grants each crm group role should hold, in one place: `roles install` applies
them and `crm db check` compares them with what the database has.

Group roles are named after the database (`crm` -> `crm_viewer`,
`crm_clerk`, `crm_manager`): roles are shared by every database on a
server while grants are per database, so a training copy beside the live
one never shares its managers.

viewer   reads every table.
clerk    reads every table; writes customers and their children, but may
         not delete a customer (erase is a manager's), only append to the
         change history and the import runs (whose counts PostgreSQL keeps)
         and add tags (renaming, recolouring, merging and deleting tags are
         settings), and only read the settings tables
         (segments, billing groups, exchange rates, the reporting currency,
         whether clerks change only their own customers).
manager  everything on every table, and CREATE on the database: `crm db check`
         and `crm db repair` compare the schema with one the migrations
         make in a scratch schema, rolled back after (recreating a missing
         index or trigger still needs the tables' owner).
alembic_version is read-only to all three: migrations are the owner's. After a
migration the app grants its new tables as these rules say
(services/opening.py), so a table added later is never left without grants.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, text

from crm_tui.services.roles.policy import Role

READ = frozenset({"SELECT"})
WRITE = frozenset({"SELECT", "INSERT", "UPDATE", "DELETE"})
PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE")

OWNER_ONLY = frozenset({"alembic_version"})
SETTINGS_TABLES = frozenset(
    {
        "segment",
        "segment_member",
        "billing_group",
        "exchange_rate",
        "reporting_currency",
        "access_policy",
    }
)
CLERK_APPEND_ONLY = frozenset({"change_history", "tag", "import_run"})
CLERK_NO_DELETE = frozenset({"customer"})
MAX_NAME = 63  # PostgreSQL cuts longer identifiers short


def group_name(database: str, role: Role) -> str:
    """The group role for `role` on `database`."""
    return f"{database}_{role.value}"


def names_fit(database: str) -> bool:
    return all(len(group_name(database, r).encode()) <= MAX_NAME for r in Role)


def expected(table: str, role: Role) -> frozenset[str]:
    """The table privileges `role` should hold on `table`."""
    if table in OWNER_ONLY or role is Role.VIEWER:
        return READ
    if role is Role.MANAGER:
        return WRITE
    if table in SETTINGS_TABLES:
        return READ
    if table in CLERK_APPEND_ONLY:
        return READ | {"INSERT"}
    if table in CLERK_NO_DELETE:
        return WRITE - {"DELETE"}
    return WRITE


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class Place:
    """The database and schema the roles are for."""

    database: str
    schema: str
    tables: tuple[str, ...]

    def group(self, role: Role) -> str:
        return group_name(self.database, role)


def place(conn: Connection) -> Place:
    database, schema = conn.execute(text("SELECT current_database(), current_schema()")).one()
    tables = conn.scalars(
        text(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') ORDER BY 1"
        )
    ).all()
    return Place(str(database), str(schema), tuple(str(t) for t in tables))


def installed(conn: Connection, where: Place) -> bool:
    """True when this database's manager group role exists (`crm db roles install` ran)."""
    found = conn.scalar(
        text("SELECT 1 FROM pg_roles WHERE rolname = :name"),
        {"name": where.group(Role.MANAGER)},
    )
    return found is not None


def grant_problems(conn: Connection) -> list[str]:
    """What the group roles lack or hold beyond their grants; nothing when not installed.

    Privileges are judged as PostgreSQL judges them (has_table_privilege),
    so a grant to PUBLIC counts too.
    """
    if conn.dialect.name != "postgresql":
        return []
    where = place(conn)
    if not installed(conn, where):
        return []
    problems: list[str] = []
    fix = "; `crm db roles install` sets the grants again."
    for role in Role:
        group = where.group(role)
        if not conn.scalar(text("SELECT 1 FROM pg_roles WHERE rolname = :g"), {"g": group}):
            problems.append(f"The {role} group role {group} is missing{fix}")
            continue
        held = _held(conn, group, where)
        for table in where.tables:
            want = expected(table, role)
            have = held.get(table, frozenset())
            missing = [p for p in PRIVILEGES if p in want - have]
            extra = [p for p in PRIVILEGES if p in have - want]
            if missing:
                problems.append(
                    f"The {role} role ({group}) lacks {', '.join(missing)} on {table}{fix}"
                )
            if extra:
                problems.append(
                    f"The {role} role ({group}) may {', '.join(extra)} on {table}, "
                    f"more than a {role} should{fix}"
                )
        if role is not Role.VIEWER and not _sequences_usable(conn, group):
            problems.append(f"The {role} role ({group}) cannot use the id sequences{fix}")
        if role is Role.MANAGER and not conn.scalar(
            text("SELECT has_database_privilege(:group, current_database(), 'CREATE')"),
            {"group": group},
        ):
            problems.append(
                f"The {role} role ({group}) may not create the scratch schema that "
                f"`crm db check` and `crm db repair` compare the schema in{fix}"
            )
    return problems


def _held(conn: Connection, group: str, where: Place) -> dict[str, frozenset[str]]:
    rows = conn.execute(
        text(
            "SELECT t.name, p.priv FROM unnest(CAST(:tables AS text[])) AS t(name) "
            "CROSS JOIN unnest(CAST(:privs AS text[])) AS p(priv) "
            "WHERE has_table_privilege(:group, quote_ident(:schema) || '.' || quote_ident(t.name), "
            "p.priv)"
        ),
        {"tables": list(where.tables), "privs": list(PRIVILEGES), "group": group,
         "schema": where.schema},
    )  # fmt: skip
    held: dict[str, set[str]] = {}
    for table, privilege in rows:
        held.setdefault(str(table), set()).add(str(privilege))
    return {t: frozenset(p) for t, p in held.items()}


def _sequences_usable(conn: Connection, group: str) -> bool:
    missing = conn.scalar(
        text(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = current_schema() "
            # CASE: the planner may test the privilege before the kind otherwise
            "AND CASE WHEN c.relkind = 'S' THEN NOT has_sequence_privilege(:group, c.oid, 'USAGE') END"
        ),
        {"group": group},
    )
    return not missing
