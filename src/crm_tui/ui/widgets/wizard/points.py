"""The wizard's e-mails, phones and web addresses: one small form each (a `ChildForm`).

Each has its value, a label (work, home, mobile, other) and a Primary tick;
"+ Add e-mail", "+ Add phone" and "+ Add web address" add one with the
cursor in its value. The primary e-mail and phone are also the Basic info
page's E-mail and Phone (a business's web address its Website): the screen
keeps the two in step (`mirror`), and the save sends the page's value.
"""

from __future__ import annotations

from crm_tui.ui.widgets.wizard.fields import FieldSpec

POINT_KINDS = (("email", "E-mail"), ("phone", "Phone"), ("web", "Web address"))
POINT_NOUNS = dict(POINT_KINDS)
LABEL_CHOICES = (("work", "Work"), ("home", "Home"), ("mobile", "Mobile"), ("other", "Other"))
# The customer's own field a primary point is (a website only for businesses).
MIRRORED = {"email": "email", "phone": "phone", "web": "website"}
_PLACEHOLDERS = {"email": "name@example.com", "phone": "+44 20 7946 0958", "web": "example.com"}


def point_layout(kind: str) -> tuple[tuple[FieldSpec, ...], ...]:
    """The value and its label on one line, the Primary tick under them."""
    noun = "Web" if kind == "web" else POINT_NOUNS.get(kind, kind)
    return (
        (
            FieldSpec("value", noun, placeholder=_PLACEHOLDERS.get(kind, "")),
            FieldSpec("label", "Label", "choice", LABEL_CHOICES),
        ),
        (FieldSpec("is_primary", "Primary", "check"),),
    )


def new_point_values(kind: str, first: bool, value: str = "") -> dict[str, str | bool]:
    return {"kind": kind, "value": value, "label": "other", "is_primary": first}
