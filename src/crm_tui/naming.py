"""How customers are numbered and named when shown: C-000123, the company or the person.

Standard library only: the lean read path of `crm lookup` / `crm show` uses
these without loading SQLAlchemy or the model classes.
"""

from __future__ import annotations

import re

MAX_ID = 2**31 - 1  # the id column is a 32-bit integer on PostgreSQL
_NUMBER = re.compile(r"^(?:c-?)?0*(\d{1,10})$", re.IGNORECASE)
BUSINESS = "business"  # CustomerKind.BUSINESS (a StrEnum; a test keeps them equal)


def format_number(customer_id: int) -> str:
    """The customer number shown to people: C-000123."""
    return f"C-{customer_id:06d}"


def parse_number(text: str) -> int | None:
    """The id in a typed customer number (C-000123, c123, 123); None if it is not one."""
    match = _NUMBER.match(text)
    customer_id = int(match.group(1)) if match else 0
    return customer_id if 0 < customer_id <= MAX_ID else None


def display_name(kind: str, first: str | None, last: str | None, company: str | None) -> str:
    """The name a customer is shown by: the company for a business, else the person."""
    person = " ".join(p for p in (first, last) if p)
    if kind == BUSINESS:
        return company or person or "(no name)"
    return person or company or "(no name)"


def who(login: str, actor: str) -> str:
    """Who made a change, said once: 'alice (front desk)' (the login, then the clerk name
    its app was configured with); just the one when the other is empty or the same."""
    if not login or not actor or actor == login:
        return login or actor
    return f"{login} ({actor})"
