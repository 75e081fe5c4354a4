"""Phone numbers checked and written nationally from phonenumbers' patterns, compiled once.

`phones.is_valid` and the NATIONAL format that `phones.search_forms_of` reads
go through phonenumbers, which looks each of its patterns up in a regex cache
on every call, after a parse that walks the text character by character:
about 22 µs a check, 28 µs a format and 35 µs a parse. Here each country
code's metadata is compiled once and a number given by its national digits
is checked and formatted by the same steps phonenumbers takes (region by
leading digits or by type, the type patterns in its order, the first
formatting pattern whose leading digits and pattern fit). `read_plus` reads
the plain international shape ("+447400123456", "+44 7400 123456") as
phonenumbers.parse does, and gives up (None) on anything it would treat
further. The demo draws its numbers with it; an import reads its phones with
it first (phones.read_phone). tests/services/test_demo_draws.py and
tests/services/test_phone_fast.py compare both with phonenumbers.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import phonenumbers
from phonenumbers import NumberFormat, PhoneMetadata, PhoneNumberDesc
from phonenumbers.phonenumberutil import _FIRST_GROUP_PATTERN


@dataclass(frozen=True)
class _Desc:
    """A PhoneNumberDesc: its possible lengths (none: any) and its pattern (none: no match)."""

    lengths: frozenset[int]
    pattern: re.Pattern[str] | None

    @classmethod
    def of(cls, desc: PhoneNumberDesc | None) -> _Desc:
        if desc is None or not desc.national_number_pattern:
            return cls(frozenset(), None)
        return cls(frozenset(desc.possible_length), re.compile(desc.national_number_pattern))

    def matches(self, nsn: str) -> bool:
        """phonenumbers' _is_number_matching_desc."""
        if self.pattern is None or (self.lengths and len(nsn) not in self.lengths):
            return False
        return self.pattern.fullmatch(nsn) is not None


@dataclass(frozen=True)
class _Region:
    """One region's metadata as the validity check reads it: per length of national
    digits, one pattern fully matched by the digits of any type that makes them valid
    (the alternation of those types' patterns that allow the length), made at first use."""

    leading: re.Pattern[str] | None
    general: _Desc
    types: tuple[_Desc, ...]  # every type that makes a number valid, mobile last
    by_length: dict[int, re.Pattern[str] | None]

    @classmethod
    def of(cls, metadata: PhoneMetadata) -> _Region:
        m = metadata
        types = [m.premium_rate, m.toll_free, m.shared_cost, m.voip, m.personal_number,
                 m.pager, m.uan, m.voicemail, m.fixed_line]  # fmt: skip
        if not m.same_mobile_and_fixed_line_pattern:  # else mobile is never tried
            types.append(m.mobile)
        leading = re.compile(m.leading_digits) if m.leading_digits is not None else None
        return cls(leading, _Desc.of(m.general_desc), tuple(_Desc.of(d) for d in types), {})

    def has_type(self, nsn: str) -> bool:
        """_number_type_helper(nsn, metadata) != UNKNOWN."""
        if not self.general.matches(nsn):
            return False
        length = len(nsn)
        if length not in self.by_length:
            self.by_length[length] = self._of_length(length)
        pattern = self.by_length[length]
        return pattern is not None and pattern.fullmatch(nsn) is not None

    def _of_length(self, length: int) -> re.Pattern[str] | None:
        fits = [d.pattern.pattern for d in self.types
                if d.pattern is not None and (not d.lengths or length in d.lengths)]  # fmt: skip
        return re.compile("|".join(f"(?:{p})" for p in fits)) if fits else None


class CountryNumbers:
    """Numbers of one country calling code, given by their national significant digits."""

    def __init__(self, code: int) -> None:
        self.code = code
        names = phonenumbers.COUNTRY_CODE_TO_REGION_CODE[code]
        self._regions = [_Region.of(_metadata(name)) for name in names]
        main = _metadata(phonenumbers.region_code_for_country_code(code))
        self._formats = [_Format.of(f) for f in main.number_format]
        prefix = main.national_prefix_for_parsing  # what parse strips from the digits
        self.prefix = re.compile(prefix) if prefix else None

    def is_valid(self, nsn: str) -> bool:
        """phones.is_valid of the number +code nsn (nsn not starting with 0)."""
        if len(self._regions) == 1:
            return self._regions[0].has_type(nsn)
        for region in self._regions:  # region_code_for_number
            if region.leading is not None:
                if region.leading.match(nsn):
                    return region.has_type(nsn)
            elif region.has_type(nsn):
                return True  # found by its types: valid (phones.is_valid)
        return False

    def national(self, nsn: str) -> str:
        """phonenumbers.format_number(+code nsn, NATIONAL)."""
        for fmt in self._formats:
            if (fmt.leading is None or fmt.leading.match(nsn)) and fmt.pattern.fullmatch(nsn):
                return fmt.written(nsn)
        return nsn


@dataclass(frozen=True)
class _Format:
    """A NumberFormat as the NATIONAL format uses it: the rule with the national prefix in."""

    leading: re.Pattern[str] | None
    pattern: re.Pattern[str]
    rule: str
    # The rule as a str.format template of the groups ("0{1} {2}"), when the match at the
    # start reaching the end is all that pattern.sub(rule) replaces; else None.
    template: str | None

    @classmethod
    def of(cls, fmt: NumberFormat) -> _Format:
        assert fmt.pattern is not None and fmt.format is not None  # every format has both
        leading = re.compile(fmt.leading_digits_pattern[-1]) if fmt.leading_digits_pattern else None
        rule = fmt.format
        if fmt.national_prefix_formatting_rule:
            rule = _FIRST_GROUP_PATTERN.sub(fmt.national_prefix_formatting_rule, rule, count=1)
        pattern = re.compile(fmt.pattern)
        return cls(leading, pattern, rule, _template(pattern, rule))

    def written(self, nsn: str) -> str:
        """pattern.sub(rule, nsn): sub's template expansion costs about 3 µs a number."""
        if self.template is not None:
            match = self.pattern.match(nsn)  # sub's first match: the one at the start
            if match is not None and match.end() == len(nsn):
                return self.template.format(*match.groups(""))
        return self.pattern.sub(self.rule, nsn)


_GROUP_REF = re.compile(r"\\([1-9])(?![0-9])")


def _template(pattern: re.Pattern[str], rule: str) -> str | None:
    """`rule` ("0\\1 \\2") as "0{0} {1}" for the groups of a match, or None unless that is
    exactly what sub does: the rule only literal text and one-digit group numbers the
    pattern has, and the pattern unable to match nothing (after a match reaching the end,
    sub replaces an empty match there too) nor to look behind or at word boundaries."""
    if "{" in rule or "}" in rule or "\\" in _GROUP_REF.sub("", rule):
        return None
    if any(int(n) > pattern.groups for n in _GROUP_REF.findall(rule)):
        return None
    text = pattern.pattern
    if pattern.match("") is not None or "(?<" in text or "\\b" in text or "\\B" in text:
        return None
    return _GROUP_REF.sub(lambda m: f"{{{int(m.group(1)) - 1}}}", rule)


def _metadata(region: str) -> PhoneMetadata:
    metadata = PhoneMetadata.metadata_for_region(region.upper(), None)
    assert metadata is not None, region  # the region comes from phonenumbers' own map
    return metadata


@functools.cache
def country_numbers(code: int) -> CountryNumbers:
    """The compiled patterns of country calling code `code`, made once per process."""
    return CountryNumbers(code)


_PLUS_NUMBER = re.compile(r"\+[0-9]+(?:[ -][0-9]+)*")
_GAPS = re.compile(r"[ -]")


@functools.lru_cache(maxsize=256)  # an import reads a number, then its E.164 (search forms)
def read_plus(text: str) -> tuple[CountryNumbers, str] | None:
    """The country code's numbers and the national digits phonenumbers.parse reads from
    "+", digits and single spaces or hyphens between them; None for any other text, and
    where parse would do more than split the code off: no known code (or a leading 0),
    a non-geographic code, national digits too short or long, starting with 0 (kept as
    Italian leading zeros) or with what the country's national prefix for parsing
    matches (which parse may strip). The caller then asks phonenumbers."""
    if _PLUS_NUMBER.fullmatch(text) is None:
        return None
    digits = _GAPS.sub("", text[1:])
    if len(digits) < 3 or digits[0] == "0":
        return None
    for size in (1, 2, 3):  # parse's _extract_country_code: the shortest known code
        code = int(digits[:size])
        if code in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            break
    else:
        return None
    nsn = digits[size:]
    if not 2 <= len(nsn) <= 17 or nsn[0] == "0" or code in _NON_GEOGRAPHIC:
        return None
    numbers = country_numbers(code)
    if numbers.prefix is not None and numbers.prefix.match(nsn):
        return None
    return numbers, nsn


_NON_GEOGRAPHIC = frozenset(
    code
    for code, regions in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.items()
    if phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY in regions
)


@dataclass(frozen=True)
class _NationalRules:
    """What parse(text, region) reads a national number by, for a region whose national
    prefix needs no rewriting (no transform rule)."""

    code: int
    idd: re.Pattern[str] | None  # the international prefix (00): such digits are not read here
    prefix: re.Pattern[str] | None  # the national prefix for parsing (0)
    general: re.Pattern[str] | None
    lengths: tuple[int, ...]  # the general description's possible lengths, in its order
    local_only: tuple[int, ...]


@functools.cache
def _national_rules(region: str) -> _NationalRules | None:
    if region not in phonenumbers.SUPPORTED_REGIONS:
        return None
    m = _metadata(region)
    code = m.country_code
    if m.national_prefix_transform_rule or code is None or code in _NON_GEOGRAPHIC:
        return None
    general = m.general_desc
    if general is None or not general.possible_length:
        return None
    pattern = general.national_number_pattern
    return _NationalRules(
        code,
        re.compile(m.international_prefix) if m.international_prefix else None,
        re.compile(m.national_prefix_for_parsing) if m.national_prefix_for_parsing else None,
        re.compile(pattern) if pattern else None,
        tuple(general.possible_length),
        tuple(general.possible_length_local_only),
    )


_NATIONAL_NUMBER = re.compile(r"[0-9]+(?:[ -][0-9]+)*")


def read_national(text: str, region: str) -> tuple[CountryNumbers, str] | None:
    """The country code's numbers and the national digits phonenumbers.parse(text, region)
    reads from digits and single spaces or hyphens between them ("07400 123456" in GB);
    None where parse would do more than strip the national prefix: a region whose prefix
    is rewritten (AR, MX...), digits an international prefix or the country code may
    start, too few or too many, or a kept leading 0. The caller then asks phonenumbers."""
    if _NATIONAL_NUMBER.fullmatch(text) is None:
        return None
    rules = _national_rules(region)
    if rules is None:
        return None
    digits = _GAPS.sub("", text)
    if len(digits) < 3 or (rules.idd is not None and rules.idd.match(digits)):
        return None
    if digits.startswith(str(rules.code)):
        return None
    nsn = digits
    found = rules.prefix.match(digits) if rules.prefix is not None else None
    if found is not None:  # _maybe_strip_national_prefix_carrier_code, no transform rule
        rest = digits[found.end() :]
        general = rules.general
        # Kept when the digits fit the country's pattern and the rest does not.
        kept = general is not None and general.fullmatch(digits) and not general.fullmatch(rest)
        if not kept and _long_enough(rest, rules):
            nsn = rest
    if not 2 <= len(nsn) <= 17 or nsn[0] == "0":
        return None
    return country_numbers(rules.code), nsn


def _long_enough(nsn: str, rules: _NationalRules) -> bool:
    """parse's _test_number_length(nsn) neither TOO_SHORT, IS_POSSIBLE_LOCAL_ONLY nor
    INVALID_LENGTH (it keeps the prefix on then)."""
    length, lengths = len(nsn), rules.lengths
    if length in rules.local_only:
        return False
    if lengths[0] == length:
        return True
    if lengths[0] > length:
        return False
    if lengths[-1] < length:
        return True  # TOO_LONG: stripped all the same
    return length in lengths[1:]
