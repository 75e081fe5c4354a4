"""Likely duplicates of a customer about to be added (quick add, wizard).

A match is one of:
- the same e-mail (its natural key: trimmed, casefolded);
- the same phone number, typed in any format (compared as E.164 digits);
- a similar name (rapidfuzz) together with a matching phone or e-mail
  fragment: the same last six digits, or a near-identical e-mail local part.

A similar name alone is not enough: at a million customers every common
name has namesakes, and a warning that always fires teaches clerks to ignore
it. Candidates for the fuzzy check come from the search index (FTS5 trigram
on SQLite, pg_trgm on PostgreSQL) through a few bounded, index-backed
queries, never a scan of every customer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import select, text
from sqlalchemy.orm import Session
from sqlmodel import col

from crm_tui.models import ContactPoint, Customer, format_number
from crm_tui.services.common import display_name, live_customer
from crm_tui.services.context import ServiceContext
from crm_tui.services.emails import email_key
from crm_tui.services.errors import ValidationError
from crm_tui.services.phones import parse_phone
from crm_tui.services.search.document import normalize

NAME_THRESHOLD = 85  # token_sort_ratio: "Anna Lima" vs "Ana Lima" scores 94
LOCAL_PART_THRESHOLD = 85
PHONE_TAIL = 6  # digits compared for "phone ends alike"
FRAGMENT_TAIL = 7  # digits looked up in the search index
CANDIDATES_PER_QUERY = 60
SELECTIVE_LOCAL_PART = 6  # an e-mail local part this long is searched on its own

SAME_EMAIL = "same e-mail"
SAME_PHONE = "same phone"
SIMILAR_NAME = "similar name"


@dataclass(frozen=True)
class LikelyDuplicate:
    """An existing customer that may be the one being added, with why."""

    id: int
    number: str
    name: str
    email: str | None
    phone: str | None  # E.164, as stored
    status: str
    reasons: tuple[str, ...]
    similarity: int  # name similarity 0-100

    @property
    def reason_text(self) -> str:
        return ", ".join(self.reasons)


@dataclass(frozen=True)
class _Probe:
    """What was typed, in the forms the queries compare."""

    name: str  # normalised
    name_tokens: tuple[str, ...]
    email_key: str | None
    local_part: str | None  # normalised, before the @
    phone_digits: str | None  # E.164 digits when the number parses
    typed_digits: str  # every digit typed, whatever the format


def _digits(value: str | None) -> str:
    return re.sub(r"\D", "", value or "")


def _local_part(email: str | None) -> str | None:
    if not email or "@" not in email:
        return None
    local = normalize(email.split("@", 1)[0])
    return local or None


class DuplicateFinder:
    """Finds likely duplicates with a few bounded queries per check."""

    def __init__(self, ctx: ServiceContext) -> None:
        self.ctx = ctx

    def find(
        self,
        name: str,
        phone: str | None = None,
        email: str | None = None,
        *,
        exclude_id: int | None = None,
        limit: int = 5,
    ) -> list[LikelyDuplicate]:
        """Existing customers that look like this one, strongest match first."""
        probe = self._probe(name, phone, email)
        with self.ctx.read() as session:
            ids: set[int] = set()
            if probe.email_key:
                ids.update(
                    session.scalars(
                        select(col(Customer.id)).where(col(Customer.email_key) == probe.email_key)
                    )
                )
            if probe.phone_digits:
                ids.update(
                    session.scalars(
                        select(col(Customer.id))
                        .where(col(Customer.phone_digits) == probe.phone_digits)
                        .limit(CANDIDATES_PER_QUERY)
                    )
                )
            keys = [k for k in (probe.email_key, probe.phone_digits) if k]
            if keys:  # any of a customer's e-mails or phones, not only the primary
                ids.update(session.scalars(select(col(ContactPoint.customer_id)).where(
                    col(ContactPoint.value_key).in_(keys)).limit(CANDIDATES_PER_QUERY)))  # fmt: skip
            ids.update(self._fuzzy_candidates(session, probe))
            ids.discard(exclude_id or 0)
            if not ids:
                return []
            rows = session.scalars(
                select(Customer).where(
                    col(Customer.id).in_(sorted(ids)),
                    live_customer(),
                )
            ).all()
            held: dict[int, set[str]] = {}
            for cid, key in session.execute(select(col(ContactPoint.customer_id),
                    col(ContactPoint.value_key)).where(col(ContactPoint.customer_id).in_(sorted(ids)))):  # fmt: skip
                held.setdefault(cid, set()).add(key)
            found = [
                hit for row in rows
                if (hit := self._judge(probe, row, held.get(row.id or 0, set()))) is not None
            ]  # fmt: skip
        found.sort(key=_rank)
        return found[:limit]

    # --- helpers ---------------------------------------------------------------

    def _probe(self, name: str, phone: str | None, email: str | None) -> _Probe:
        normalised = normalize(name or "")
        e164: str | None
        try:
            e164 = parse_phone(phone, self.ctx.default_region)
        except ValidationError:
            # A number that does not parse can still share its ending with one on file.
            e164 = None
        email_clean = (email or "").strip()
        return _Probe(
            name=normalised,
            name_tokens=tuple(t for t in re.split(r"[^\w]+", normalised) if len(t) >= 3),
            email_key=email_key(email_clean) if email_clean else None,
            local_part=_local_part(email_clean),
            phone_digits=e164.lstrip("+") if e164 else None,
            typed_digits=(e164.lstrip("+") if e164 else _digits(phone)),
        )

    def _fuzzy_candidates(self, session: Session, probe: _Probe) -> set[int]:
        """Ids sharing a phone ending, the name words, or the e-mail local part."""
        queries: list[list[str]] = []
        if len(probe.typed_digits) >= FRAGMENT_TAIL:
            queries.append([probe.typed_digits[-FRAGMENT_TAIL:]])
        if probe.name_tokens:
            queries.append(list(probe.name_tokens))
        local = probe.local_part or ""
        if len(local) >= SELECTIVE_LOCAL_PART:
            queries.append([local])
        elif len(local) >= 3:
            # "ana" alone matches half the book; pair it with each name word
            # (one at a time, so a typo in one word does not hide the match).
            queries.extend([local, token] for token in probe.name_tokens[:3])
        ids: set[int] = set()
        for fragments in queries:
            ids.update(self._doc_contains_all(session, fragments))
        return ids

    def _doc_contains_all(self, session: Session, fragments: list[str]) -> list[int]:
        """Customers whose search document contains every fragment (3+ characters each)."""
        if self.ctx.db.dialect == "sqlite":
            query = " AND ".join('"' + f.replace('"', '""') + '"' for f in fragments)
            sql = text(
                "SELECT rowid FROM customer_search_fts WHERE customer_search_fts MATCH :q LIMIT :n"
            )
            params: dict[str, Any] = {"q": query, "n": CANDIDATES_PER_QUERY}
        else:
            clauses = " AND ".join(f"doc LIKE :f{i} ESCAPE '\\'" for i in range(len(fragments)))
            sql = text(f"SELECT customer_id FROM customer_search WHERE {clauses} LIMIT :n")
            params = {f"f{i}": f"%{_like_escape(f)}%" for i, f in enumerate(fragments)}
            params["n"] = CANDIDATES_PER_QUERY
        return [int(row[0]) for row in session.execute(sql, params)]

    @staticmethod
    def _judge(probe: _Probe, row: Customer, keys: set[str]) -> LikelyDuplicate | None:
        """`keys`: the value keys of all the row's e-mails and phones."""
        reasons: list[str] = []
        if probe.email_key and probe.email_key in {row.email_key, *keys}:
            reasons.append(SAME_EMAIL)
        if probe.phone_digits and probe.phone_digits in {row.phone_digits, *keys}:
            reasons.append(SAME_PHONE)
        similarity = _name_similarity(probe.name, row)
        if not reasons and similarity >= NAME_THRESHOLD:
            phone_alike = (
                len(probe.typed_digits) >= PHONE_TAIL
                and bool(row.phone_digits)
                and (row.phone_digits or "").endswith(probe.typed_digits[-PHONE_TAIL:])
            )
            row_local = _local_part(row.email)
            email_alike = bool(
                probe.local_part
                and row_local
                and fuzz.ratio(probe.local_part, row_local) >= LOCAL_PART_THRESHOLD
            )
            if phone_alike:
                reasons.append(f"{SIMILAR_NAME}, phone ends alike")
            elif email_alike:
                reasons.append(f"{SIMILAR_NAME}, e-mail alike")
        if not reasons:
            return None
        assert row.id is not None
        return LikelyDuplicate(
            id=row.id,
            number=format_number(row.id),
            name=display_name(row.kind, row.first_name, row.last_name, row.company_name),
            email=row.email,
            phone=row.phone,
            status=row.status,
            reasons=tuple(reasons),
            similarity=similarity,
        )


def _name_similarity(typed: str, row: Customer) -> int:
    if not typed:
        return 0
    person = normalize(" ".join(p for p in (row.first_name, row.last_name) if p))
    names = [n for n in (person, normalize(row.company_name or "")) if n]
    return max((round(fuzz.token_sort_ratio(typed, n)) for n in names), default=0)


def _rank(hit: LikelyDuplicate) -> tuple[int, int, int]:
    exact = 0 if SAME_EMAIL in hit.reasons else 1 if SAME_PHONE in hit.reasons else 2
    return (exact, -hit.similarity, hit.id)


def _like_escape(fragment: str) -> str:
    return fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
