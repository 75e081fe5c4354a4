"""The import's spelling words split in Python (bulk_index.spelling_words) equal what
migration 0015's SQLite trigger adds for the same documents, on hostile text."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

from crm_tui.db import migrate
from crm_tui.db.engine import make_engine
from crm_tui.services.search.bulk_index import KNOWN_WORDS_TRIGGER, WORDS_TRIGGER, spelling_words

DOCS = [
    "chloé dubois c-000001 chloe@example.fr +33 6 12 34 56 78 c.dubois@work.example",
    "zoë o'brien c-000002 zoe@example.ie",
    "  two  spaces   and trailing ",
    "tab\there new\nline cr\rret vt\x0bff\x0c bell\x07 esc\x1b del\x7f",
    "nul\x00inside",
    "digits ab1 1ab a1b ١٢٣ ５５ ² x²",
    "every sep 'a-b.c@d_e&f,g/h+i(j)k\"l\\m:n;o!p?q#r end",
    "kept: ~tilde `tick *star |pipe =eq <lt >gt [br] {cu} ^ca $do %pe",
    "non-bmp 😀smile 𝔘nicode 中文 한국어 עברית العربية",
    'json \\u0041 \\n \\\\ "q" \'"\' ["a","b"]',
    "\u00a0nbsp\u00a0 \u2028ls \u2029ps \ufeffbom \u200bzw",
    "",
    " ",
    "a",
    "A a Å å ß ss",
    "1234 5678",
    "trailing sep-",
    "-leading",
    "é" * 300,
]


def test_split_equals_the_trigger(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'w.sqlite3'}")
    migrate.upgrade(engine)
    engine.dispose()
    with closing(sqlite3.connect(tmp_path / "w.sqlite3")) as db:
        trigger = db.execute(
            "SELECT sql FROM sqlite_master WHERE name = ?", (WORDS_TRIGGER,)
        ).fetchone()[0]
        assert trigger == KNOWN_WORDS_TRIGGER  # else imports fall back to the SQL fill
        db.execute("PRAGMA foreign_keys = OFF")
        db.execute("DELETE FROM search_word")
        for number, doc in enumerate(DOCS, start=1):
            db.execute(
                "INSERT INTO customer_search (customer_id, doc) VALUES (?, ?)", (number, doc)
            )
            by_trigger = [w for (w,) in db.execute("SELECT word FROM search_word ORDER BY word")]
            db.execute("DELETE FROM search_word")
            if "\x00" in doc:  # left to the trigger's statement
                assert spelling_words([doc]) is None
                continue
            assert spelling_words([doc]) == by_trigger, repr(doc)
        db.rollback()
    first, second = spelling_words([DOCS[0]]), spelling_words([DOCS[1]])
    assert first is not None and second is not None
    assert spelling_words(DOCS[:2]) == sorted({*first, *second})
