"""A typed search query, parsed: its words, and the exact number, e-mail or phone it may be."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from crm_tui.naming import format_number, parse_number
from crm_tui.services.errors import ValidationError
from crm_tui.services.validation import text_key, undecodable

MAX_QUERY_CHARS = 200
MAX_TERMS = 8
MAX_TYPO_WORD = 20

_PHONE_LIKE = re.compile(r"^\+?[\d\s().\-/]+$")
_ALPHABET = "abcdefghijklmnopqrstuvwxyz"
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Term:
    """One word of the query: matched when any alternative matches."""

    alternatives: tuple[str, ...]
    prefix: bool  # 1-2 alphanumerics: start of a word; else a substring


@dataclass(frozen=True)
class Query:
    """The query as the engines match it (see parse_query)."""

    text: str
    terms: tuple[Term, ...]
    customer_id: int | None = None
    email_key: str | None = None
    phone_digits: str | None = None
    words: tuple[str, ...] = ()

    @property
    def substring_terms(self) -> tuple[Term, ...]:
        return tuple(t for t in self.terms if not t.prefix)

    @property
    def prefix_terms(self) -> tuple[Term, ...]:
        return tuple(t for t in self.terms if t.prefix)


def normalize(text: str) -> str:
    """Accents stripped, casefolded, spaces collapsed: how documents and queries compare."""
    if text.isascii():  # the same result, without the per-character walk (no accents in ASCII)
        return " ".join(text.lower().split())
    return normalize_unicode(text)


def normalize_unicode(text: str) -> str:
    """`normalize` by its general path (any text; tests compare the ASCII shortcut to it)."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    folded = stripped.casefold()
    return _SPACES.sub(" ", folded).strip()


def clean_query(raw: str) -> str:
    """Control characters (NUL included) become spaces; length is capped."""
    chars = (" " if unicodedata.category(ch) in ("Cc", "Cf", "Cs") else ch for ch in raw)
    return "".join(chars)[:MAX_QUERY_CHARS]


def check_query(raw: str) -> str:
    """A search given by a person or script that must select something, e.g. `crm lookup`.

    An empty query lists everyone in the app, where that is what an empty
    box means; from a command line it is a mistake (or bytes that were not
    text), refused in one sentence instead of standing for "everything".
    """
    if undecodable(raw):
        raise ValidationError("query", "The search is not valid text (not UTF-8); retype it.")
    if not normalize(clean_query(raw)):
        raise ValidationError(
            "query", "The search is empty; give part of a name, e-mail, phone or customer number."
        )
    return raw


def parse_query(raw: str, region: str) -> Query:
    """Normalise like the stored documents and split into terms."""
    cleaned = clean_query(raw).strip()
    text = normalize(cleaned)
    if not text:
        return Query(text="", terms=())
    compact = text.replace(" ", "")
    customer_id = parse_number(compact)
    email = text_key(cleaned) if "@" in cleaned and " " not in cleaned else None
    # Words for typo variants: long enough to be worth it, short enough to
    # keep the variant lists (26 x length) small.
    found = re.findall(r"[^\W_]+", text)
    words = tuple(dict.fromkeys(w for w in found if 3 <= len(w) <= MAX_TYPO_WORD))[:4]

    digits = re.sub(r"\D", "", cleaned)
    if _PHONE_LIKE.match(cleaned) and len(digits) >= 3:
        return _phone_query(text, cleaned, digits, region, customer_id, email)

    if customer_id is not None:
        # "C-123", "c123", "12": the stored form is c-000123.
        alternatives = [format_number(customer_id).lower()]
        if len(text) >= 3:
            alternatives.insert(0, text)
        return Query(text, (Term(tuple(alternatives), prefix=False),), customer_id, email)

    terms: list[Term] = []
    for word in text.split():
        if len(word) >= 3:
            term = Term((word,), prefix=False)
        else:
            alnum = "".join(ch for ch in word if ch.isalnum())
            if not alnum:
                continue  # lone punctuation, e.g. a stray quote or '-'
            term = Term((alnum,), prefix=True)
        if term not in terms:
            terms.append(term)
    return Query(text, tuple(terms[:MAX_TERMS]), None, email, None, words)


def _phone_query(
    text: str, cleaned: str, digits: str, region: str, customer_id: int | None, email: str | None
) -> Query:
    """A phone-like query matches its raw digits or its E.164 form."""
    alternatives = [digits]
    phone_digits = None
    if len(digits) >= 6:
        # Imported here: phonenumbers is a sixth of `crm lookup --json`'s imports, and
        # only a query of six digits or more is read as a phone number.
        from crm_tui.services.phones import parse_phone

        try:
            e164 = parse_phone(cleaned, region)
        except ValidationError:
            e164 = None
        if e164:
            phone_digits = e164.lstrip("+")
            alternatives.append(phone_digits)
    # The digits alone also match the number in "c-000123".
    term = Term(tuple(dict.fromkeys(alternatives)), prefix=False)
    return Query(text, (term,), customer_id, email, phone_digits, ())


def fold(value: str | None) -> str:
    """`normalize` with a fast path for plain ASCII (most names)."""
    if not value:
        return ""
    if value.isascii():
        return " ".join(value.casefold().split())
    return normalize(value)


def edits(word: str) -> set[str]:
    """Words one edit (delete, swap, replace, insert) away from `word`."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    swaps = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    replaces = {a + c + b[1:] for a, b in splits if b for c in _ALPHABET}
    inserts = {a + c + b for a, b in splits for c in _ALPHABET}
    return {w for w in deletes | swaps | replaces | inserts if len(w) >= 3} | {word}
