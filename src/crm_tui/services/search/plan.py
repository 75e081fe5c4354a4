"""The statements a relevance search runs, described without SQLAlchemy.

A `Fetch` names one statement of the relevance order and near-miss paths
(exact hits, the FTS-driven window on SQLite, the walk and the GIN-driven
rest on PostgreSQL, the spelling index's real words among a typo's variants,
near-miss candidates) with its values. Its `shape` says
which SQL text it needs; `params()` gives the named values for that text.

Two runners take a Fetch: the service (`statements`, which builds the
SQLAlchemy expression from the shape and the same params) and the lean read
path of `crm lookup` (`lean_reads`, which runs the SQL compiled from that
expression and checked in as `compiled.json`). One expression per
statement, one function for its values, and the order of statements
(`in_index_order`) lives here, so both runners run the same search.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from crm_tui.services.search import limits, patterns
from crm_tui.services.search.query import Query

Kind = Literal["exact", "fts", "walk", "rest", "spell", "near", "browse"]


# A fetched row of the search's columns (`tables.ROW_COLUMNS`), read by attribute:
# a SQLAlchemy Row in the service, a named tuple on the lean path.
RowLike = Any


@dataclass(frozen=True)
class Fetch:
    """One statement of a search, with its values (see the module docstring)."""

    kind: Kind
    parsed: Query
    sqlite: bool
    after_id: int = 0
    upto: int | None = None
    walk_end: int = 0
    count: int = 0
    exclude: tuple[int, ...] = ()
    variants: tuple[tuple[str, ...], ...] = field(default=())

    @property
    def planner(self) -> dict[str, str]:
        """PostgreSQL settings for this statement alone: the GIN-driven reads never
        fall back to a sequential scan computing to_tsvector for every row."""
        if self.sqlite or self.kind not in ("rest", "near"):
            return {}
        return {"enable_seqscan": "off"}

    @property
    def trigram(self) -> bool:
        return patterns.fts_match(self.parsed)[0]

    @property
    def globbed(self) -> int:
        """SQLite: how many word-start GLOB checks go with the trigram MATCH."""
        return len(self.parsed.prefix_terms) if patterns.fts_match(self.parsed)[2] else 0

    @property
    def signature(self) -> str:
        """PostgreSQL: the terms' shape, `s2.p` = a substring with two alternatives, a prefix."""
        return ".".join("p" if t.prefix else f"s{len(t.alternatives)}" for t in self.parsed.terms)

    @property
    def shape(self) -> str:
        """Which SQL text this fetch needs (a key of compiled.json, with the dialect)."""
        if self.kind == "exact":
            parsed = self.parsed
            present = (
                ("i", parsed.customer_id is not None),
                ("e", parsed.email_key is not None),
                ("p", parsed.phone_digits is not None),
            )
            return "exact:" + "".join(code for code, yes in present if yes)
        if self.kind in ("spell", "near", "browse"):
            return self.kind
        flags = ("u" if self.upto is not None else "") + ("x" if self.exclude else "")
        if self.kind == "fts":
            return f"fts:{'t' if self.trigram else 'w'}{self.globbed}{flags}"
        return f"{self.kind}:{self.signature}{flags}"

    def params(self) -> dict[str, Any]:
        """The statement's named values (`q_...`)."""
        parsed = self.parsed
        values: dict[str, Any] = {}
        if self.kind == "exact":
            if parsed.customer_id is not None:
                values["q_id"] = parsed.customer_id
            if parsed.email_key is not None:
                values["q_email"] = parsed.email_key
            if parsed.phone_digits is not None:
                values["q_phone"] = parsed.phone_digits
            return values
        if self.kind == "browse":
            return {"q_limit": self.count}
        if self.kind == "spell":
            return {"q_words": sorted({v for group in self.variants for v in group})}
        if self.kind == "near":
            groups = [list(v) for v in self.variants]
            if self.sqlite:
                values["q_match"] = patterns.words_match(groups)
            else:
                values["q_tsquery"] = patterns.variants_tsquery(groups)
            values["q_limit"] = limits.NEAR_MISS_CANDIDATES
            return values
        if self.kind == "fts":
            values["q_match"] = patterns.fts_match(parsed)[1]
            for i, term in enumerate(parsed.prefix_terms[: self.globbed]):
                values[f"q_glob_{i}_a"], values[f"q_glob_{i}_b"] = patterns.glob_patterns(
                    term.alternatives[0]
                )
        else:
            for i, term in enumerate(parsed.substring_terms):
                for j, alternative in enumerate(term.alternatives):
                    values[f"q_like_{i}_{j}"] = patterns.like_pattern(alternative)
            for i, term in enumerate(parsed.prefix_terms):
                values[f"q_re_{i}"] = patterns.word_start_regex(term.alternatives[0])
            if self.kind == "rest" and parsed.prefix_terms:
                values["q_tsquery"] = patterns.prefix_tsquery(parsed)
            if self.kind in ("walk", "rest"):
                values["q_walk_end"] = self.walk_end
        values["q_after"] = self.after_id
        if self.upto is not None:
            values["q_upto"] = self.upto
        if self.exclude:
            values["q_exclude"] = list(self.exclude)
        values["q_limit"] = self.count
        return values


class Reads(Protocol):
    """Runs fetches on one engine, in one read transaction."""

    sqlite: bool

    def run(self, fetch: Fetch) -> list[RowLike]: ...


def walk_ids(parsed: Query) -> int:
    """PostgreSQL: ids walked along the primary key before asking the GIN indexes."""
    return limits.PG_WALK_IDS_PREFIX if parsed.prefix_terms else limits.PG_WALK_IDS


def in_index_order(
    reads: Reads,
    parsed: Query,
    *,
    after_id: int,
    count: int,
    upto: int | None = None,
    exclude: Sequence[int] = (),
) -> list[RowLike]:
    """Up to `count` matches with after_id < id (<= upto), in id order.

    SQLite reads them off the FTS index in rowid order. PostgreSQL first
    walks the next PG_WALK_IDS ids along the primary key with the cheap
    checks (dense matches end there); only what is left, known to be
    sparse, comes from the GIN indexes and is sorted."""
    common: dict[str, Any] = {"after_id": after_id, "upto": upto, "exclude": tuple(exclude)}
    if reads.sqlite:
        return reads.run(Fetch("fts", parsed, True, count=count, **common))
    walk_end = after_id + walk_ids(parsed)
    if upto is not None:
        walk_end = min(walk_end, upto)
    rows = reads.run(Fetch("walk", parsed, False, walk_end=walk_end, count=count, **common))
    if len(rows) >= count or (upto is not None and walk_end >= upto):
        return rows
    rest = Fetch("rest", parsed, False, walk_end=walk_end, count=count - len(rows), **common)
    return rows + reads.run(rest)
