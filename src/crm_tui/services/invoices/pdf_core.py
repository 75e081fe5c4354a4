"""A Helvetica-only invoice PDF's file written directly (the pages fpdf2 laid out).

fpdf2's `output()` builds an object tree for every document and serialises it
(about a third of an invoice's rendering time): for a document in the
built-in fonts the file is always the same skeleton, the page contents, the
fonts used, and an xref table, so this writes that skeleton around the
contents fpdf2 collected. The structure is fpdf2's own for such a file
(catalog, page tree, one page object and compressed content stream per page,
Type1 fonts in WinAnsiEncoding, the title and creation date in the info
dictionary); text extracts the same and every operator is the same.
"""

from __future__ import annotations

import hashlib
import zlib
from datetime import datetime
from typing import Any

from fpdf.util import escape_parens

_PAGE_SIZE = "[0 0 595.28 841.89]"  # A4 in points, as fpdf2 writes it


def core_output(pdf: Any, title: str, created: datetime) -> bytes:
    """The file of `pdf` (an FPDF set in core fonts only, every page drawn)."""
    fonts = sorted(pdf.fonts.values(), key=lambda f: f.i)
    pages = [pdf.pages[n].contents for n in range(1, pdf.pages_count + 1)]
    objects: list[bytes] = []  # object n is objects[n - 1]

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    first_page = 3 + len(fonts) + 1  # pages tree, catalog, fonts, resources
    kids = " ".join(f"{first_page + 2 * n} 0 R" for n in range(len(pages)))
    add(
        f"<<\n/Count {len(pages)}\n/Kids [{kids}]\n/MediaBox {_PAGE_SIZE}\n/Type /Pages\n>>".encode()
    )
    add(b"<<\n/OpenAction [%d 0 R /FitH null]\n/PageLayout /OneColumn\n/Pages 1 0 R\n"
        b"/Type /Catalog\n>>" % first_page)  # fmt: skip
    for font in fonts:
        add(f"<<\n/BaseFont /{font.name}\n/Encoding /WinAnsiEncoding\n/Subtype /Type1\n"
            f"/Type /Font\n>>".encode())  # fmt: skip
    names = "\n".join(f"/F{font.i} {3 + n} 0 R" for n, font in enumerate(fonts))
    resources = add(
        f"<<\n/Font <<{names}>>\n/ProcSet [/PDF /Text /ImageB /ImageC /ImageI]\n>>".encode()
    )
    for contents in pages:
        page = len(objects) + 1
        add(f"<<\n/Contents {page + 1} 0 R\n/Parent 1 0 R\n/Resources {resources} 0 R\n"
            f"/Type /Page\n>>".encode())  # fmt: skip
        stream = zlib.compress(bytes(contents))
        add(
            b"<<\n/Filter /FlateDecode\n/Length %d\n>>\nstream\n%s\nendstream"
            % (len(stream), stream)
        )
    when = created.strftime("D:%Y%m%d%H%M%SZ")
    info = add(f"<<\n/CreationDate ({when})\n/Title ({escape_parens(title)})\n>>".encode("latin-1"))
    out = bytearray(b"%PDF-1.3\n%\xe9\xeb\xf1\xbf\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    digest = hashlib.md5(bytes(out), usedforsecurity=False).hexdigest().upper()
    out += (
        f"trailer\n<<\n/Size {len(objects) + 1}\n/Root 2 0 R\n/Info {info} 0 R\n"
        f"/ID [<{digest}><{digest}>]\n>>\nstartxref\n{xref}\n%%EOF\n"
    ).encode()
    return bytes(out)
