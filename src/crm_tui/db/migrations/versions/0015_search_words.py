"""The spelling index: every distinct word without digits in customer_search.doc.

A misspelt query word becomes its one-edit variants; looking them up here
leaves the handful that are real words, and only those go to the full-text
match (the variants ORed into one MATCH cost 12-40 ms at a million
customers; the look-up costs well under a millisecond). Words are split as
the word indexes split them: at every character that is not a letter or a
digit (SQLite: ASCII separators; the docs are already folded). Words with
digits (numbers, phones, e-mail counters) are left out: near misses are
about names, and they would make the table a thousand times larger.

The table only grows: a word no document holds any more matches nothing in
the full-text index, so it only costs a row. Triggers keep it in step with
customer_search on both engines, so every writer (the services, the import
batch fill, the demo builder, `crm db repair`) fills it without knowing.

Revision ID: 0015
Revises: 0014
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite has no regex split: the ASCII punctuation names and e-mails hold
# becomes spaces (SQLite's parser refuses replace() nested about 30 deep, so
# rarer separators stay inside a word), json_quote escapes what is left, and
# json_each splits the quoted text at the spaces.
_SEPARATORS = "'-.@_&,/+()\"\\:;!?#"


def _sqlite_words(doc: str) -> str:
    """SELECT of the words of `doc`."""
    expr = doc
    for ch in _SEPARATORS:
        expr = f"replace({expr}, char({ord(ch)}), ' ')"
    split = f"json_each('[' || replace(json_quote({expr}), ' ', '\",\"') || ']')"
    return f"SELECT DISTINCT value FROM {split} WHERE value <> '' AND value NOT GLOB '*[0-9]*'"


# Existing databases: the words index's own vocabulary (its exact words), in a second.
SQLITE_FILL = (
    "CREATE VIRTUAL TABLE temp.crm_vocabulary USING fts5vocab(main, customer_search_words, 'row')",
    "INSERT OR IGNORE INTO search_word (word) "
    "SELECT term FROM temp.crm_vocabulary WHERE term NOT GLOB '*[0-9]*'",
    "DROP TABLE temp.crm_vocabulary",
)


SQLITE_TRIGGERS = {
    event: f"""CREATE TRIGGER search_word_{suffix} AFTER {event} ON customer_search BEGIN
        INSERT OR IGNORE INTO search_word (word) {_sqlite_words("new.doc")};
    END"""
    for event, suffix in (("INSERT", "ai"), ("UPDATE OF doc", "au"))
}

PG_WORDS = """
SELECT DISTINCT w FROM {source}, regexp_split_to_table({doc}, '[^[:alnum:]]+') AS w
WHERE w <> '' AND w !~ '[0-9]' ORDER BY w
"""

PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION crm_search_words() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO search_word (word)
    {PG_WORDS.format(source="added", doc="added.doc")}
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$
"""

PG_TRIGGERS = [
    f"""CREATE TRIGGER search_word_{suffix} AFTER {event} ON customer_search
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION crm_search_words()"""
    for event, suffix in (("INSERT", "ai"), ("UPDATE", "au"))
]


def upgrade() -> None:
    op.create_table(
        "search_word", sa.Column("word", sa.String(), primary_key=True), sqlite_with_rowid=False
    )
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_FILL:
            op.execute(statement)
        for trigger in SQLITE_TRIGGERS.values():
            op.execute(trigger)
        return
    op.execute(
        "INSERT INTO search_word (word) "
        + PG_WORDS.format(source="customer_search", doc="customer_search.doc")
    )
    op.execute(PG_FUNCTION)
    for trigger in PG_TRIGGERS:
        op.execute(trigger)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for suffix in ("ai", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS search_word_{suffix}")
    else:
        for suffix in ("ai", "au"):
            op.execute(f"DROP TRIGGER IF EXISTS search_word_{suffix} ON customer_search")
        op.execute("DROP FUNCTION IF EXISTS crm_search_words()")
    op.drop_table("search_word")
