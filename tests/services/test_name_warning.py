"""A person's name holding digits or an @ is warned about, never refused."""

from __future__ import annotations

import pytest

from crm_tui.services.customers.inputs import CustomerCreate
from crm_tui.services.customers.rules import name_warning
from crm_tui.services.registry import Services


@pytest.mark.parametrize(
    ("name", "warned"),
    [
        ("Tom07911123458", "digits"),
        ("jane.doe@example", "@"),
        ("Tom", None),
        ("Zoë O'Brien-Łukasz", None),
        ("", None),
        ("Ⅻ ٣", "digits"),  # Arabic-Indic three is a digit too; the roman numeral is a letter
    ],
)
def test_name_warning_says_what_looks_spilled(name: str, warned: str | None) -> None:
    """Digits and @ are named in the warning; ordinary names, any script, pass quietly."""
    warning = name_warning(name)
    if warned is None:
        assert warning is None
    else:
        assert warning is not None and warned in warning


def test_names_with_digits_still_save(services: Services) -> None:
    """The warning is advice: the service saves the name as typed."""
    assert services.customers.warning_for("first_name", "Tom0791") is not None
    assert services.customers.warning_for("email", "a1@b.example") is None
    saved = services.customers.create(CustomerCreate(first_name="Tom0791", email="t@example.com"))
    assert saved.first_name == "Tom0791"
