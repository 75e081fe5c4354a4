"""New search documents written in bulk, the SQLite full-text indexes filled per batch.

On SQLite the two FTS5 indexes (migration 0002) follow customer_search
through an AFTER INSERT trigger, one row at a time; for a batch of new
documents that costs about five times what filling each index with one
INSERT ... SELECT of the same rows does. So a batch is written with the
trigger set aside inside the caller's transaction: the trigger is dropped,
the rows inserted, each index filled from exactly those rows, and the
trigger created again from the text SQLite keeps of it, all before the
commit. No other connection ever sees the trigger missing (the schema
change is part of the transaction), and a crash rolls all of it back.
The spelling index's trigger (search_word_ai, migration 0015) is set aside
the same way: its own statement, read from its text with NEW.doc standing
for each document of the batch, runs once over the batch (about half the
cost of a document's insert went to it, row by row). A trigger whose text
is not of that one-statement shape is left to fire as it is. When the caller
gives the documents' text and the trigger is exactly migration 0015's, the
words are split here instead (`spelling_words`: the same split, in Python,
a tenth of the cost) and only the batch's distinct words are inserted.
PostgreSQL's GIN indexes and statement trigger follow the table by themselves.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence

from sqlalchemy.orm import Session

FTS_TABLES = ("customer_search_fts", "customer_search_words")
INSERT_TRIGGER = "customer_search_ai"
WORDS_TRIGGER = "search_word_ai"
_BATCH_IDS = "SELECT value FROM json_each(?)"
# "CREATE TRIGGER ... BEGIN INSERT OR IGNORE INTO search_word (word) SELECT ... FROM
# json_each(<NEW.doc folded>) WHERE ...; END": the one statement, its FROM json_each( found.
_WORDS_BODY = re.compile(
    r"\bBEGIN\s+(INSERT OR IGNORE INTO search_word \(word\) SELECT DISTINCT value )"
    r"FROM (json_each\(.*\bnew\.doc\b.*);\s*END\s*\Z",
    re.IGNORECASE | re.DOTALL,
)

# Migration 0015's separators and trigger, as SQLite keeps its text: the trigger is split
# in Python (spelling_words) only when its text is exactly this.
_SEPARATORS = "'-.@_&,/+()\"\\:;!?#"


def _known_words_trigger() -> str:
    expr = "new.doc"
    for ch in _SEPARATORS:
        expr = f"replace({expr}, char({ord(ch)}), ' ')"
    split = f"json_each('[' || replace(json_quote({expr}), ' ', '\",\"') || ']')"
    select = f"SELECT DISTINCT value FROM {split} WHERE value <> '' AND value NOT GLOB '*[0-9]*'"
    return f"""CREATE TRIGGER search_word_ai AFTER INSERT ON customer_search BEGIN
        INSERT OR IGNORE INTO search_word (word) {select};
    END"""


KNOWN_WORDS_TRIGGER = _known_words_trigger()
_TO_SPACE = str.maketrans(dict.fromkeys(_SEPARATORS, " "))
_DIGIT = re.compile("[0-9]")


def spelling_words(docs: Iterable[str]) -> list[str] | None:
    """The distinct words KNOWN_WORDS_TRIGGER adds for `docs`, sorted: each separator
    becomes a space, json_quote and json_each split the text at single spaces (and give
    back whatever json_quote escaped), and pieces that are empty or hold an ASCII digit
    are left out. None when a document holds a NUL (SQLite's functions end its text
    there): such a batch is left to the trigger's own statement."""
    found: set[str] = set()
    for doc in docs:
        if "\x00" in doc:
            return None
        found.update(doc.translate(_TO_SPACE).split(" "))
    return sorted(w for w in found if w and not _DIGIT.search(w))


def insert_documents(
    session: Session,
    customer_ids: Iterable[int],
    insert: Callable[[], None],
    docs: Sequence[str] | None = None,
) -> None:
    """`insert()` the documents of `customer_ids`, their index filled as the trigger would;
    `docs`, when given, are the documents' text (for the spelling words)."""
    if session.get_bind().dialect.name != "sqlite":
        insert()
        return
    conn = session.connection()
    trigger = conn.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (INSERT_TRIGGER,)
    ).scalar()
    if not isinstance(trigger, str):  # no trigger to set aside: the index is not ours to fill
        insert()
        return
    words_trigger, words_fill = _words_trigger(session)
    conn.exec_driver_sql(f"DROP TRIGGER {INSERT_TRIGGER}")
    if words_trigger:
        conn.exec_driver_sql(f"DROP TRIGGER {WORDS_TRIGGER}")
    insert()
    ids = json.dumps([int(i) for i in customer_ids])
    for fts in FTS_TABLES:
        conn.exec_driver_sql(
            f"INSERT INTO {fts} (rowid, doc) SELECT customer_id, doc FROM customer_search "
            f"WHERE customer_id IN ({_BATCH_IDS})",
            (ids,),
        )
    if words_trigger:
        words = (
            spelling_words(docs)
            if docs is not None and words_trigger == KNOWN_WORDS_TRIGGER
            else None
        )
        if words is not None:
            if words:
                conn.exec_driver_sql("INSERT OR IGNORE INTO search_word (word) VALUES (?)",
                                     [(word,) for word in words])  # fmt: skip
        else:
            conn.exec_driver_sql(words_fill, (ids,))
        conn.exec_driver_sql(words_trigger)
    conn.exec_driver_sql(trigger)


def _words_trigger(session: Session) -> tuple[str, str]:
    """(the spelling trigger's text, its statement over a batch of ids), or ("", "")."""
    found = (
        session.connection()
        .exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = ?", (WORDS_TRIGGER,)
        )
        .scalar()
    )
    match = _WORDS_BODY.search(found) if isinstance(found, str) else None
    if match is None or not isinstance(found, str):
        return "", ""
    source = f"(SELECT doc FROM customer_search WHERE customer_id IN ({_BATCH_IDS})) AS new"
    return found, f"{match.group(1)}FROM {source}, {match.group(2)}"
