"""The spelling index (`search_word`, migration 0015) when a person is erased.

Triggers add every new word of a search document and nothing takes one out
(a word no document holds matches nothing), so a name a customer once had
stays in the index. An erased person's words must not stay in the file:
erase calls `prune_words`, which keeps only the words some document holds
now, split as migration 0015 splits them (SQLite: the words index's own
vocabulary; PostgreSQL: the same regular expression as its trigger).
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

SQLITE_PRUNE = (
    "CREATE VIRTUAL TABLE temp.crm_vocabulary USING fts5vocab(main, customer_search_words, 'row')",
    "DELETE FROM search_word WHERE word NOT IN (SELECT term FROM temp.crm_vocabulary)",
    "DROP TABLE temp.crm_vocabulary",
)
# Must split as crm_search_words() does (migration 0015).
PG_PRUNE = (
    "DELETE FROM search_word WHERE word NOT IN (SELECT w FROM customer_search, "
    "regexp_split_to_table(customer_search.doc, '[^[:alnum:]]+') AS w)"
)


def prune_words(session: Session) -> None:
    """Drop the words no search document holds any more, in the caller's transaction
    (a pass over the documents' words: seconds at a million customers; erase is rare)."""
    if session.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_PRUNE:
            session.execute(text(statement))
    else:
        session.execute(text(PG_PRUNE))
