"""A new customer's search document from an import's prepared row, before it has a number."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crm_tui.services.customers.contact_points import COLUMN
from crm_tui.services.imports.rows import PreparedRow
from crm_tui.services.search.document import doc_around_number, point_words


def search_text(row: PreparedRow, values: Mapping[str, Any]) -> tuple[str, str]:
    """The search document either side of its customer number of a new customer of
    `values` and the row's points and custom fields (search.document.doc_around_number):
    the writer puts the number in. Made by the reading process while it is ahead of the
    writer (pipeline), else by the writer."""
    others = [(p.kind, p.value) for p in row.points if p.value != values.get(COLUMN[p.kind])]
    forms = row.phone_forms
    names = [values.get(name) for name in ("first_name", "last_name", "company_name", "email")]
    words = [*row.custom.values(), *point_words(others, forms)]
    return doc_around_number(names, values.get("phone"), words, forms)
