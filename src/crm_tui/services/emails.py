"""E-mail addresses: checked by email-validator (with a fast yes for the plain ones) and
keyed so one address is one key whatever its case or domain encoding."""

from __future__ import annotations

import contextlib
import functools
import re

from crm_tui.services.errors import ValidationError
from crm_tui.services.validation import clean_text, text_key


def email_key(email: str) -> str:
    """The natural key of an e-mail: casefolded, its domain in Unicode form.

    `ann@bücher.example` and `ann@xn--bcher-kva.example` are one address
    (IDNA: the second is how the first travels in DNS), so both get the key
    `ann@bücher.example`. A domain that is not valid IDNA is keyed as typed.
    """
    local, at, domain = email.strip().rpartition("@")
    if not at or not domain:
        return text_key(email)
    return text_key(f"{local}@{_unicode_domain(domain.casefold())}")


@functools.lru_cache(maxsize=4096)  # an import's e-mails share a few domains; decoding is slow
def _unicode_domain(domain: str) -> str:
    import idna  # imported on first use, like email_validator

    with contextlib.suppress(idna.IDNAError, UnicodeError, ValueError):
        return str(idna.decode(domain))
    return domain


_PLAIN_DOMAIN = re.compile(r"[A-Za-z0-9.-]+\Z")
# Accented Latin letters (Latin-1 Supplement, Latin Extended-A and B, without × and ÷):
# each a letter that no Unicode normalisation changes or joins to its neighbour, so
# email-validator takes a local part of them (chloé.1, josé) as it is written.
_LATIN_LETTERS = "\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"


def plainly_valid_email(value: str) -> bool:
    """A fast yes for the common address email-validator would accept; False means "ask it".

    True only for what email-validator's own rules pass by their plainest
    path: a local part matching its dot-atom pattern (or the same with
    accented Latin letters, which it takes as an internationalised local
    part), an ASCII domain its domain check passes (remembered per domain:
    the costly part, and an import's addresses share few domains), and every
    form of the address within its length limit in UTF-8. Tested against
    email-validator itself (tests/services/test_email_fast_path.py).
    """
    local, at, domain = value.rpartition("@")
    if not at or not _PLAIN_DOMAIN.match(domain):
        return False
    dot_atom, max_length = _validator_rules()
    if not dot_atom.match(local) and not (_accented_local(local) and _smtputf8()):
        return False
    longest = _longest_domain_form(domain)
    return longest is not None and len(local.encode()) + 1 + longest <= max_length


@functools.cache
def _validator_rules() -> tuple[re.Pattern[str], int]:
    """email-validator's dot-atom pattern and address length limit, imported on first use
    (an import statement costs about a microsecond at every call)."""
    from email_validator.rfc_constants import DOT_ATOM_TEXT, EMAIL_MAX_LENGTH

    return DOT_ATOM_TEXT, EMAIL_MAX_LENGTH


def _accented_local(local: str) -> bool:
    """A dot-atom local part whose only characters beyond ASCII are accented Latin letters."""
    return not local.isascii() and _accented_dot_atom().match(local) is not None


@functools.cache
def _accented_dot_atom() -> re.Pattern[str]:
    from email_validator.rfc_constants import ATEXT

    atom = f"[{ATEXT}{_LATIN_LETTERS}]+"
    return re.compile(f"{atom}(?:\\.{atom})*\\Z")


def _smtputf8() -> bool:
    """Whether email-validator takes internationalised local parts (its default)."""
    import email_validator

    return bool(email_validator.ALLOW_SMTPUTF8)


@functools.lru_cache(maxsize=4096)
def _longest_domain_form(domain: str) -> int | None:
    """The length in UTF-8 of the longest of the domain as written and its normalised and
    ASCII forms by email-validator's check (each form of the address must fit its limit);
    None if the check fails."""
    import email_validator
    from email_validator.syntax import validate_email_domain_name

    try:  # with the options validate_email passes it by default
        checked = validate_email_domain_name(
            domain,
            test_environment=email_validator.TEST_ENVIRONMENT,
            globally_deliverable=email_validator.GLOBALLY_DELIVERABLE,
        )
    except email_validator.EmailNotValidError:
        return None
    return max(len(form.encode()) for form in (domain, checked["domain"], checked["ascii_domain"]))


def parse_email(raw: object, field: str = "email", *, required: bool = False) -> str | None:
    value = clean_text(field, raw, required=required, max_len=320)
    if value is None:
        return None
    if plainly_valid_email(value):
        return value
    # Imported on first use: compiling its patterns costs ~40 ms at every start-up.
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError as exc:
        # email-validator may explain in several sentences; keep the first.
        reason = str(exc).split(". ")[0].rstrip(".")
        reason = reason[:1].lower() + reason[1:]
        raise ValidationError(
            field, f"The e-mail {value!r} is not valid ({reason}); use the form name@example.com."
        ) from exc
    return value
