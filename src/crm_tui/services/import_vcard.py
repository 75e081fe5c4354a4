"""One vCard (3.0 or 4.0) turned into the cells of a row, parsed by vobject."""

from __future__ import annotations

import re
from typing import Any

import vobject

from crm_tui.services.import_formats import VCARD_HEADERS


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ", ".join(_text(v) for v in value if _text(v))
    return str(value).strip()


def _params(line: Any) -> set[str]:
    out: set[str] = set()
    for key, values in getattr(line, "params", {}).items():
        for value in values:
            out.update(part.strip().lower() for part in str(value).split(","))
        if key.upper() == "PREF":
            out.add("pref")
    return out


def _ranked(lines: list[Any], prefer: tuple[str, ...]) -> list[Any]:
    """Preferred values first (TYPE=pref or PREF=1), then the given types, then the rest."""

    def rank(line: Any) -> int:
        types = _params(line)
        if "pref" in types:
            return 0
        for index, wanted in enumerate(prefer, start=1):
            if wanted in types:
                return index
        return len(prefer) + 1

    return sorted(lines, key=rank)


def _uri_value(value: str, scheme: str) -> str:
    return value[len(scheme) :] if value.lower().startswith(scheme) else value


def _birthday(value: str) -> str:
    """19850412, 1985-04-12, 1985-04-12T00:00:00Z -> 1985-04-12; --0412 (no year) -> ''."""
    value = value.strip()
    if value.startswith("--"):
        return ""
    match = re.match(r"^(\d{4})-?(\d{2})-?(\d{2})", value)
    return f"{match.group(1)}-{match.group(2)}-{match.group(3)}" if match else value


def card_cells(text: str) -> list[str]:
    """The row cells (in VCARD_HEADERS order) for one BEGIN:VCARD ... END:VCARD block."""
    card = vobject.readOne(text, ignoreUnreadable=True)
    contents: dict[str, list[Any]] = card.contents
    cells = dict.fromkeys(VCARD_HEADERS, "")
    cells["Full name"] = _text(contents["fn"][0].value) if "fn" in contents else ""
    if "n" in contents:
        name = contents["n"][0].value
        cells["First name"] = _text(getattr(name, "given", ""))
        cells["Last name"] = _text(getattr(name, "family", ""))
    if "org" in contents:
        org = contents["org"][0].value
        cells["Company"] = _text(org[0] if isinstance(org, list) and org else org)
    emails = [
        _uri_value(_text(e.value), "mailto:")
        for e in _ranked(contents.get("email", []), ("internet",))
    ]
    cells["E-mail"], cells["E-mail 2"] = (emails + ["", ""])[:2]
    phones = [
        _uri_value(_text(t.value), "tel:")
        for t in _ranked(contents.get("tel", []), ("cell", "mobile", "voice", "home", "work"))
    ]
    cells["Phone"], cells["Phone 2"] = (phones + ["", ""])[:2]
    if "bday" in contents:
        cells["Birthday"] = _birthday(_text(contents["bday"][0].value))
    if "url" in contents:
        cells["Website"] = _text(contents["url"][0].value)
    if "adr" in contents:
        address = _ranked(contents["adr"], ("home", "work"))[0].value
        street = _text(getattr(address, "street", "")).replace("\n", ", ")
        cells["Address line 1"] = street
        cells["Address line 2"] = _text(getattr(address, "extended", ""))
        cells["City"] = _text(getattr(address, "city", ""))
        cells["Region"] = _text(getattr(address, "region", ""))
        cells["Postal code"] = _text(getattr(address, "code", ""))
        cells["Country"] = _text(getattr(address, "country", ""))
    tags: list[str] = []
    for line in contents.get("categories", []):
        value = line.value
        tags.extend(value if isinstance(value, list) else str(value).split(","))
    cells["Tags"] = ", ".join(t.strip() for t in tags if t.strip())
    if "note" in contents:
        cells["Note"] = "\n".join(_text(n.value) for n in contents["note"])
    return [cells[h] for h in VCARD_HEADERS]
