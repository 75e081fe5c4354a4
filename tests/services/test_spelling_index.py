"""The spelling index (search_word): a typo's variants narrowed to real words, on both engines."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from crm_tui.services.customers.inputs import CustomerCreate, CustomerUpdate
from crm_tui.services.customers.service import CustomerRead
from crm_tui.services.imports.service import ImportService
from crm_tui.services.merge.service import MergeService
from crm_tui.services.registry import Services
from crm_tui.services.search.plan import Fetch
from crm_tui.services.search.query import edits, parse_query
from crm_tui.services.search.statements import SessionReads
from tests.services.test_search import HOSTILE


def add(services: Services, **fields: Any) -> CustomerRead:
    return services.customers.create(CustomerCreate(**fields))


def near(services: Services, query: str) -> list[int]:
    page = services.search.search(query)
    assert all(row.near_miss for row in page.rows), query
    return [row.id for row in page.rows]


def spelling(services: Services) -> set[str]:
    with services.ctx.read() as session:
        return set(session.scalars(text("SELECT word FROM search_word")))


def doc_words(services: Services) -> set[str]:
    """The words without digits of every search document, split as the word index splits."""
    with services.ctx.read() as session:
        docs = session.scalars(text("SELECT doc FROM customer_search")).all()
    found = {w for doc in docs for w in re.findall(r"[^\W_]+", doc)}
    return {w for w in found if not re.search(r"[0-9]", w)}


def test_typos_of_first_name_surname_and_company_word(services: Services) -> None:
    """A swapped, dropped or extra letter in a first name, a surname or a company word
    finds the customer as a near miss."""
    chloe = add(services, first_name="Chloe", last_name="Chapman")
    globex = add(services, kind="business", company_name="Globex Trading")
    add(services, first_name="Mary", last_name="Jones")
    assert near(services, "hcloe") == [chloe.id]
    assert near(services, "chapmn") == [chloe.id]
    assert near(services, "hcloe cahpman") == [chloe.id]
    assert near(services, "glboex") == [globex.id]
    assert near(services, "globexx tradign") == [globex.id]


def test_word_near_nothing_finds_nothing(services: Services) -> None:
    """A word more than one edit from every stored word: no candidate words, no rows."""
    add(services, first_name="Chloe", last_name="Chapman")
    assert services.search.search("qzxwv").rows == ()
    # One word near a name, the other near nothing: every word must be near something.
    assert services.search.search("hcloe qzxwv").rows == ()
    parsed = parse_query("qzxwv", "GB")
    variants = (tuple(sorted(edits("qzxwv"))),)
    with services.ctx.read() as session:
        reads = SessionReads(session, [], services.ctx.db.dialect == "sqlite")
        assert reads.run(Fetch("spell", parsed, reads.sqlite, variants=variants)) == []


def test_index_holds_every_word_and_follows_edits(services: Services) -> None:
    """Every word of the documents is in the index after creating and renaming a customer;
    the new surname's typo finds them; e-mail words are there, numbers are not."""
    pat = add(services, first_name="Pat", last_name="Lee", email="pat.quinlan@example.org")
    services.customers.update(
        pat.id, CustomerUpdate(last_name="Okonkwo"), expected_version=pat.version
    )
    assert doc_words(services) <= spelling(services)
    assert {"okonkwo", "quinlan", "example"} <= spelling(services)
    assert not any(re.search(r"[0-9]", w) for w in spelling(services))
    assert near(services, "okonkow") == [pat.id]


HOSTILE_NAMES = ["O'Brien-Smith", 'Dan "NEAR"', "back\\slash", '"],["x', "a,b;c:d!e?f#g", "Zoë 🙂"]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_names_are_split_and_saved(services: Services, name: str) -> None:
    """Quotes, backslashes, JSON and punctuation in a name never break a save, and its
    words are in the index as the word index splits them."""
    person = add(services, first_name="Hostile", last_name=name)
    assert doc_words(services) <= spelling(services)
    assert services.search.search(name).rows[0].id == person.id


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_typos_never_raise(services: Services, query: str) -> None:
    """Operators, quotes, NUL and huge input reach the spelling index as plain values."""
    add(services, first_name="Plain", last_name="Person")
    for variant in (query, f"{query} presno", f"plian {query}"):
        page = services.search.search(variant)
        assert all(row.near_miss for row in page.rows) or not page.near_misses


def test_import_batch_fills_the_index(services: Services, tmp_path: Path) -> None:
    """An import in batches (its own index fill) leaves every word in the spelling index."""
    path = tmp_path / "people.csv"
    rows = ["Name,Email", "Chloé Dubois,chloe@example.fr", "Zoë O'Brien,zoe.quill@example.ie"]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    ImportService(services.ctx).run(path, refused_path=tmp_path / "refused.csv", batch=1)
    assert {"dubois", "brien", "quill"} <= spelling(services)
    assert doc_words(services) <= spelling(services)
    assert len(near(services, "dubios")) == 1


def test_erase_takes_the_persons_words_out_of_the_spelling_index(services: Services) -> None:
    """An erased person's name, e-mail and company words leave the spelling index too;
    a word another customer's document still holds stays."""
    kept = add(services, first_name="Ana", last_name="Lima", email="ana@lima.example")
    gone = add(services, kind="business", first_name="Ana", last_name="Quixblatt",
               company_name="Zorvandel Trading", email="ana@zorvandel.example")  # fmt: skip
    merged = add(services, first_name="Ygritte", last_name="Quixblatt")
    MergeService(services.ctx).merge([gone.id, merged.id], keep=gone.id)  # erased together
    before = spelling(services)
    assert {"quixblatt", "zorvandel", "ana", "lima"} <= before
    services.customers.erase(gone.id, confirm=gone.number)
    after = spelling(services)
    assert not {"quixblatt", "zorvandel", "ygritte"} & after, sorted(after)
    assert {"ana", "lima"} <= after  # Ana Lima's document still holds them
    assert doc_words(services) <= after
    assert [r.id for r in services.search.search("lima").rows] == [kept.id]
