"""Builders of real test files (PDF, DOCX, zip bombs) shared by the test modules.

Each builder makes a real file that the production parsers read (hand-written PDF syntax,
python-docx documents, zips written with zipfile), so no test needs a mock.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

HEADER = "UNEP/CMS/COP14/Doc.1"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06"


def make_pdf(streams: list[bytes]) -> bytes:
    """A minimal valid PDF, one page per content stream, Helvetica as /F1."""
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(len(streams)))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {len(streams)} >>".encode(),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for i, stream in enumerate(streams):
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources "
                       b"<< /Font << /F1 3 0 R >> >> /Contents %d 0 R >>" % (5 + 2 * i))
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def text_page(lines: list[str], page: int) -> bytes:
    """A page with the running header on top, ``lines`` as body and "Page N" at the bottom."""
    ops = [f"BT /F1 9 Tf 72 760 Td ({HEADER}) Tj ET"]
    ops += [f"BT /F1 12 Tf 72 {700 - 20 * i} Td ({line}) Tj ET" for i, line in enumerate(lines)]
    ops.append(f"BT /F1 9 Tf 290 40 Td (Page {page}) Tj ET")
    return "\n".join(ops).encode("latin-1")


def make_docx(footnote: bool = False) -> bytes:
    """A real DOCX: paragraph, 2x2 table, paragraph; optionally a footnote on the first one."""
    document = docx.Document()
    first = document.add_paragraph("The Conference of the Parties,")
    table = document.add_table(rows=2, cols=2)
    for r, row in enumerate([["Species", "Appendix"], ["Lynx lynx", "II"]]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    document.add_paragraph("1. Requests Parties to report;")
    if footnote:
        reference = OxmlElement("w:footnoteReference", {qn("w:id"): "2"})
        first.add_run()._r.append(reference)
    buffer = io.BytesIO()
    document.save(buffer)
    if not footnote:
        return buffer.getvalue()
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    notes = (f'<w:footnotes xmlns:w="{w}"><w:footnote w:type="separator" w:id="-1"><w:p><w:r>'
             '<w:separator/></w:r></w:p></w:footnote><w:footnote w:id="2"><w:p><w:r>'
             "<w:t>See Resolution 11.3.</w:t></w:r></w:p></w:footnote></w:footnotes>")
    return rezip(buffer.getvalue(), {"word/footnotes.xml": notes.encode()})


def rezip(data: bytes, extra: dict[str, bytes], drop: str = "") -> bytes:
    """Copy a zip, adding ``extra`` members and leaving out the member named ``drop``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if info.filename != drop:
                dst.writestr(info, src.read(info))
        for member, content in extra.items():
            dst.writestr(member, content)
    return out.getvalue()


def zip_of_zeros(path: Path, megabytes: int) -> bytes:
    """A zip whose word/document.xml inflates to ``megabytes`` MB of zeros, streamed."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            chunk = bytes(1_000_000)
            for _ in range(megabytes):
                member.write(chunk)
    return path.read_bytes()
