"""Which text encoding an import file is in, judged from its first bytes."""

from __future__ import annotations

import codecs


def detect_encoding(sample: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16/32 (BOM, or ASCII-like NUL pattern), else Latin-1."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    half = len(sample) // 2
    if half >= 2:
        even_nuls, odd_nuls = sample[0::2].count(0), sample[1::2].count(0)
        if odd_nuls > 0.3 * half and even_nuls < 0.05 * half:
            return "utf-16-le"
        if even_nuls > 0.3 * half and odd_nuls < 0.05 * half:
            return "utf-16-be"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    # Files called Latin-1 from Windows are really cp1252 (curly quotes, euro sign);
    # five bytes are undefined there, and then plain Latin-1 is the honest reading.
    if any(b in sample for b in (0x81, 0x8D, 0x8F, 0x90, 0x9D)):
        return "latin-1"
    return "cp1252"


def encoding_label(encoding: str | None) -> str:
    """The encoding as people name it."""
    return {
        "utf-8-sig": "UTF-8 with BOM",
        "utf-8": "UTF-8",
        "utf-16": "UTF-16",
        "utf-16-le": "UTF-16 LE",
        "utf-16-be": "UTF-16 BE",
        "utf-32": "UTF-32",
        "cp1252": "Latin-1 (Windows-1252)",
        "latin-1": "Latin-1",
        None: "binary (XLSX)",
    }.get(encoding, encoding or "")


def looks_binary(text: str) -> bool:
    """NULs, or more control characters than text holds."""
    if "\x00" in text:
        return True
    # ESC is left out: terminal escape sequences are text (and hostile names hold them).
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\t\r\n\f\x1b")
    return controls > max(2, len(text) // 100)


def wrong_encoding(sample: str, encoding: str) -> bool:
    """Text that decodes, but not as words: EBCDIC read as Windows-1252, or a false BOM.

    A file of names and addresses in a single-byte encoding is mostly ASCII
    letters, digits and punctuation whatever its language; UTF-16 and UTF-32
    that decode into replacement characters were not what their BOM said.
    """
    chars = [c for c in sample if not c.isspace()]
    if not chars:
        return False
    if encoding.startswith(("utf-16", "utf-32")):
        return chars.count("\ufffd") > len(chars) // 20
    if encoding in ("cp1252", "latin-1"):
        plain = sum(1 for c in chars if c.isascii() and c.isprintable())
        return plain < len(chars) // 2
    return False
