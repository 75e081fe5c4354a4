"""Which column of an import file goes to which field, and one row's values picked.

The header tables are in `imports.headers`. `pick` returns every value of
a row: single fields (the best-ranked non-empty column wins), each e-mail,
phone and web address with its label in rank order, each address group,
and the cells no field took (`leftovers`, which the summary reports as not
imported, with their column's name).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field, replace
from functools import cached_property

from crm_tui.services.exports.cells import unneutralise
from crm_tui.services.imports.headers import (
    ADDRESS_TARGETS,
    CUSTOM,
    IGNORE,
    MULTI_TARGETS,
    NO_VALUE,
    PRODUCTS,
    TARGETS,
    custom_name,
    header_key,
    known,
    label_column,
    label_of,
)
from crm_tui.services.imports.numbered import NOTE_TARGETS

__all__ = [
    "ADDRESS_TARGETS", "CUSTOM", "GROUPED", "IGNORE", "TARGETS", "Mapping", "MappedColumn",
    "Picked", "apply_overrides", "field_key", "header_key", "pick", "recognise", "unneutralise",
]  # fmt: skip
GROUPED = (*ADDRESS_TARGETS, "address_formatted")
_SHIPPING = re.compile(r"shipping|delivery|parcel|ship to", re.IGNORECASE)


SINGLE_PARTS = ("city", "region", "postal_code", "country")  # one per address
SEPARATOR = " ::: "  # Google's way of writing several values in one cell


@dataclass(frozen=True)
class MappedColumn:
    """One column of the file and the field it goes to (IGNORE for none).

    `label_index` is the column holding this one's label (Google's "E-mail 1
    - Label"); `is_label` marks such a column, whose cells are read with the
    value they label and are not reported as left over.
    """

    index: int
    header: str
    target: str
    rank: int = 1
    label_index: int | None = None
    is_label: bool = False


@dataclass(frozen=True)
class Mapping:
    """The whole mapping of a file, with the product it was recognised as."""

    columns: tuple[MappedColumn, ...]
    product: str = "unknown"

    def with_target(self, index: int, target: str) -> Mapping:
        if target not in TARGETS:
            raise ValueError(f"unknown field {target!r}")
        columns = list(self.columns)
        columns[index] = replace(columns[index], target=target, is_label=False)
        return Mapping(tuple(columns), self.product)

    def mapped(self) -> list[MappedColumn]:
        """The columns that go to a field of their own (not ignored, not custom fields)."""
        return [c for c in self.columns if c.target not in (IGNORE, CUSTOM)]

    @cached_property
    def no_value(self) -> dict[int, frozenset[str]]:
        """By column: what its product writes for "nothing" (Outlook's 0/0/00)."""
        out = {}
        for c in self.columns:
            markers = NO_VALUE.get(header_key(c.header))
            if markers:
                out[c.index] = markers
        return out

    @cached_property
    def plan(self) -> tuple[tuple[MappedColumn, int, frozenset[str], str | None], ...]:
        """Per column, in order: the column, how `pick` takes its value (the code `_take`
        gives), its no-value markers and, for a column with no label column beside it,
        what its header alone gives (`_fixed`); worked out once, not for every row."""
        no_value = self.no_value
        return tuple(
            (c, _take(c), no_value.get(c.index, frozenset()), _fixed(c)) for c in self.columns
        )

    @cached_property
    def ranks(self) -> dict[str, int]:
        """Each header's rank (a header repeated keeps its last column's, as `pick` had)."""
        return {c.header: c.rank for c in self.columns}

    def describe(self) -> list[tuple[str, str]]:
        """(header, field label) pairs, ignored columns included."""
        return [
            (c.header, "(label of the column beside)" if c.is_label else TARGETS[c.target])
            for c in self.columns
        ]


@dataclass
class Picked:
    """One row's values by field."""

    values: dict[str, str] = field(default_factory=dict)
    points: dict[str, list[tuple[str, str, str]]] = field(
        default_factory=dict
    )  # (value, label, header)
    addresses: list[dict[str, str]] = field(default_factory=list)  # with "kind" and "header"
    notes: list[dict[str, str]] = field(default_factory=list)  # note fields by target
    leftovers: list[tuple[str, str]] = field(default_factory=list)  # (header, value) ignored
    repeated: list[tuple[str, str, str]] = field(default_factory=list)  # (header, value, kept)
    custom: list[tuple[str, str]] = field(default_factory=list)  # (header, value) to keep
    value_count: int = 0  # non-empty cells read (label cells not counted)


def recognise(headers: list[str]) -> Mapping:
    """The mapping the headers suggest, and which product's export they look like."""
    keys = [header_key(h) for h in headers]
    index_of = {key: i for i, key in reversed(list(enumerate(keys)))}
    labels: dict[int, int] = {}
    address_labels: dict[int, int] = {}
    for index, header in enumerate(headers):
        value_key = label_column(header)
        if value_key is None:
            continue
        if value_key in index_of:  # "E-mail 1 - Label" beside "E-mail 1 - Value"
            labels[index_of[value_key]] = index
            continue
        base = header_key(header.rsplit("-", 1)[0])
        if base in index_of and (known(base) or ("", 0))[0] in MULTI_TARGETS:
            labels[index_of[base]] = index  # "E-mail - Label" beside "E-mail"
            continue
        if base + "name" in index_of:  # Google's "Organization 1 - Type" beside its "- Name"
            labels[index_of[base + "name"]] = index
            continue
        street = known(base + "street") or known(base)
        if street is not None and street[0] == "address_line1":  # "Address 1 - Label"
            address_labels[street[1]] = index
    label_indexes = set(labels.values()) | set(address_labels.values())
    columns = []
    split_birthday = "birthmonth" in keys  # Thunderbird: "Birth Year", "Birth Month", "Birth Day"
    for index, (header, key) in enumerate(zip(headers, keys, strict=True)):
        target, rank = known(key) or (CUSTOM, 9)
        if key == "birthday" and split_birthday:
            target = "birth_day"
        if index in label_indexes:
            columns.append(MappedColumn(index, header, IGNORE, rank, is_label=True))
            continue
        label_index = labels.get(index)
        if target in GROUPED:
            label_index = address_labels.get(rank)
        columns.append(MappedColumn(index, header, target, rank, label_index))
    present = set(keys)
    product = next((name for name, markers in PRODUCTS if markers <= present), "unknown")
    if product == "unknown" and any(c.target not in (IGNORE, CUSTOM) for c in columns):
        product = "generic"
    return Mapping(tuple(columns), product)


def apply_overrides(mapping: Mapping, overrides: dict[str, str]) -> Mapping:
    """Change targets by header (compared like headers are) or by 1-based column number."""
    by_key = {header_key(c.header): c.index for c in mapping.columns}
    for header, raw_target in overrides.items():
        target = field_key(raw_target)
        index: int | None
        if header.strip().isdigit():
            index = int(header) - 1
            if not 0 <= index < len(mapping.columns):
                raise ValueError(f"there is no column {header}")
        else:
            index = by_key.get(header_key(header))
            if index is None:
                raise ValueError(f"there is no column named {header!r}")
        mapping = mapping.with_target(index, target)
    return mapping


def field_key(name: str) -> str:
    """A field named by key ('email'), label ('E-mail') or 'ignore'."""
    wanted = header_key(name)
    if wanted in ("ignore", "skip", "none", ""):
        return IGNORE
    for key, label in TARGETS.items():
        if wanted in (header_key(key), header_key(label)):
            return key
    raise ValueError(f"unknown field {name!r}; fields are: {', '.join(k for k in TARGETS if k)}")


def _cell(cells: list[str], index: int | None) -> str:
    if index is None or index >= len(cells):
        return ""
    return unneutralise(cells[index].strip())


def _custom_name(column: MappedColumn, cells: list[str]) -> str:
    """A custom field's name: the label beside it (Google's "Custom Field 1 - Label",
    "Event 1 - Label": Anniversary), else its column's."""
    given = _cell(cells, column.label_index).lstrip("* ").strip()
    return given or custom_name(column.header)


def _label(column: MappedColumn, cells: list[str]) -> str:
    """The column's label: the label cell beside it (Google's '* Work'), else its header."""
    given = _cell(cells, column.label_index).lstrip("* ").strip()
    return label_of(given) or (given and "other") or label_of(column.header)


def _address_kind(column: MappedColumn, cells: list[str]) -> str:
    """Shipping when the label cell (or, with none, the header) says so; else billing."""
    given = _cell(cells, column.label_index) if column.label_index is not None else column.header
    return address_kind_of(given)


@functools.lru_cache(maxsize=1024)  # asked per row for the file's few headers and labels
def address_kind_of(text: str) -> str:
    """'shipping' when `text` (a header or a label) names a shipping address, else 'billing'."""
    return "shipping" if _SHIPPING.search(text) else "billing"


def _grouped(
    groups: dict[int, dict[str, str]], column: MappedColumn, value: str, picked: Picked
) -> None:
    """One part of an address or a note, into its group (by the column's number). Street
    lines from several columns join; a city, region, postcode or country given twice
    (Shopify's "Country" and "Country Code") keeps the first, the other is reported."""
    group = groups.setdefault(column.rank, {})
    if column.target not in group:
        group[column.target] = value
        group[f"{column.target}.header"] = column.header
    elif column.target in SINGLE_PARTS:
        picked.repeated.append((column.header, value, group[column.target]))
    else:
        group[column.target] = f"{group[column.target]}, {value}"


_LEFTOVER, _CUSTOM, _MULTI, _GROUPED, _NOTE, _SINGLE, _LABEL = range(7)


def _take(column: MappedColumn) -> int:
    """How `pick` takes a column's value (checked in the order its branches had)."""
    if column.is_label:
        return _LABEL
    if column.target == IGNORE:
        return _LEFTOVER
    if column.target == CUSTOM:
        return _CUSTOM
    if column.target in MULTI_TARGETS:
        return _MULTI
    if column.target in GROUPED:
        return _GROUPED
    if column.target in NOTE_TARGETS:
        return _NOTE
    return _SINGLE


def _fixed(column: MappedColumn) -> str | None:
    """What `pick` would work out from an empty label cell and the header, for a column
    with no label column (the label, the custom field's name or the address's kind);
    None for the others."""
    if column.label_index is not None:
        return None
    take = _take(column)
    if take == _MULTI:
        return _label(column, [])
    if take == _CUSTOM:
        return _custom_name(column, [])
    if take == _GROUPED:
        return _address_kind(column, [])
    return None


def pick(mapping: Mapping, cells: list[str]) -> Picked:
    """Every value of one row, by field (see the module docstring)."""
    picked = Picked()
    taken_from: dict[str, MappedColumn] = {}
    groups: dict[int, dict[str, str]] = {}
    note_groups: dict[int, dict[str, str]] = {}
    # zip stops at the shorter: cells past the last column are not read, as before.
    for raw, (column, take, no_value, fixed) in zip(cells, mapping.plan, strict=False):
        if not raw or raw.isspace() or take == _LABEL:  # most cells of a wide row are empty
            continue
        value = raw.strip()
        if value[0] == "'":
            value = unneutralise(value)
        if not value or value in no_value:
            continue
        picked.value_count += 1
        if take == _SINGLE:
            earlier = taken_from.get(column.target)
            if earlier is None or column.rank < earlier.rank:
                if earlier is not None:
                    picked.leftovers.append((earlier.header, picked.values[column.target]))
                picked.values[column.target] = value
                taken_from[column.target] = column
            else:
                picked.leftovers.append((column.header, value))
        elif take == _GROUPED:
            _grouped(groups, column, value, picked)
            if column.label_index is not None or "kind" not in groups[column.rank]:
                groups[column.rank]["kind"] = fixed or _address_kind(column, cells)
        elif take == _MULTI:
            label = fixed if fixed is not None else _label(column, cells)
            for one in value.split(SEPARATOR):
                if one.strip():
                    picked.points.setdefault(column.target, []).append(
                        (one.strip(), label, column.header)
                    )
        elif take == _LEFTOVER:
            picked.leftovers.append((column.header, value))
        elif take == _CUSTOM:
            picked.custom.append((fixed or _custom_name(column, cells), value))
        else:
            _grouped(note_groups, column, value, picked)
    ranks = mapping.ranks
    for target, found in picked.points.items():
        if len(found) > 1:
            found.sort(key=lambda point: ranks.get(point[2], 9))
        picked.values[target] = found[0][0]
    picked.addresses = [groups[rank] for rank in sorted(groups)]
    picked.notes = [note_groups[rank] for rank in sorted(note_groups)]
    return picked
