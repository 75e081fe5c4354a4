"""Search indexes over customer_search.doc.

Two indexes per engine, one for substrings and one for word prefixes:

SQLite
  customer_search_fts    FTS5, trigram: any substring of 3+ characters.
  customer_search_words  FTS5, unicode61 words with prefix='1 2': word
                         prefixes of 1-2 characters (trigram cannot answer
                         them) and whole-word lookups for typo variants.
  Both are external-content tables over customer_search (rowid =
  customer_id), kept in step by AFTER INSERT/UPDATE/DELETE triggers, so a
  bulk `INSERT ... SELECT` into customer_search fills them per batch.
  Docs are normalised in Python (accents stripped, casefolded), so the
  trigram tokenizer of SQLite 3.40 (no remove_diacritics) is enough.

PostgreSQL
  ix_customer_search_trgm   GIN gin_trgm_ops on doc: LIKE '%...%' for 3+.
  ix_customer_search_words  GIN over to_tsvector('simple', words of doc):
                            'ab':* prefixes and whole-word typo variants.
  WORDS_EXPR below must match, character for character, the expression the
  search service queries (crm_tui.services.search.postgres.PG_WORDS_EXPR).

Revision ID: 0002
Revises: 0001
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Punctuation becomes a word break, as in SQLite's unicode61 tokenizer.
WORDS_EXPR = "to_tsvector('simple'::regconfig, regexp_replace(doc, '[^[:alnum:]]+', ' ', 'g'))"

_SQLITE_UP = [
    """CREATE VIRTUAL TABLE customer_search_fts USING fts5(
        doc, content='customer_search', content_rowid='customer_id',
        tokenize='trigram', columnsize=0)""",
    """CREATE VIRTUAL TABLE customer_search_words USING fts5(
        doc, content='customer_search', content_rowid='customer_id',
        tokenize='unicode61 remove_diacritics 0', prefix='1 2', detail=none, columnsize=0)""",
    """CREATE TRIGGER customer_search_ai AFTER INSERT ON customer_search BEGIN
        INSERT INTO customer_search_fts(rowid, doc) VALUES (new.customer_id, new.doc);
        INSERT INTO customer_search_words(rowid, doc) VALUES (new.customer_id, new.doc);
    END""",
    """CREATE TRIGGER customer_search_ad AFTER DELETE ON customer_search BEGIN
        INSERT INTO customer_search_fts(customer_search_fts, rowid, doc)
            VALUES ('delete', old.customer_id, old.doc);
        INSERT INTO customer_search_words(customer_search_words, rowid, doc)
            VALUES ('delete', old.customer_id, old.doc);
    END""",
    """CREATE TRIGGER customer_search_au AFTER UPDATE ON customer_search BEGIN
        INSERT INTO customer_search_fts(customer_search_fts, rowid, doc)
            VALUES ('delete', old.customer_id, old.doc);
        INSERT INTO customer_search_words(customer_search_words, rowid, doc)
            VALUES ('delete', old.customer_id, old.doc);
        INSERT INTO customer_search_fts(rowid, doc) VALUES (new.customer_id, new.doc);
        INSERT INTO customer_search_words(rowid, doc) VALUES (new.customer_id, new.doc);
    END""",
    # Index whatever customer_search already holds.
    "INSERT INTO customer_search_fts(customer_search_fts) VALUES ('rebuild')",
    "INSERT INTO customer_search_words(customer_search_words) VALUES ('rebuild')",
]

_SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS customer_search_au",
    "DROP TRIGGER IF EXISTS customer_search_ad",
    "DROP TRIGGER IF EXISTS customer_search_ai",
    "DROP TABLE IF EXISTS customer_search_words",
    "DROP TABLE IF EXISTS customer_search_fts",
]

_PG_UP = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX ix_customer_search_trgm ON customer_search USING gin (doc gin_trgm_ops)",
    f"CREATE INDEX ix_customer_search_words ON customer_search USING gin (({WORDS_EXPR}))",
]

# The pg_trgm extension stays: it may have existed before this revision and
# other objects in a shared database may depend on it.
_PG_DOWN = [
    "DROP INDEX IF EXISTS ix_customer_search_words",
    "DROP INDEX IF EXISTS ix_customer_search_trgm",
]


def _run(statements: list[str]) -> None:
    for statement in statements:
        op.execute(statement)


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _run(_SQLITE_UP)
    elif dialect == "postgresql":
        _run(_PG_UP)


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "sqlite":
        _run(_SQLITE_DOWN)
    elif dialect == "postgresql":
        _run(_PG_DOWN)
