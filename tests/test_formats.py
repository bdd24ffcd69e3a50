"""Tests of ``mealink.load.formats``: format detection, extraction and the refusals.

Every input is a real file built here (hand-written PDFs, python-docx documents, zips made
with zipfile), so the tests exercise the same parsers as production, without mocks.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader, PdfWriter

from mealink.errors import LoadError, UnsupportedFormatError
from mealink.load import iter_sources, load
from mealink.load.formats import DEFAULT_MAX_BYTES, SUPPORTED_SUFFIXES, extract_text
from mealink.models import Source
from tests.filemakers import HEADER, PNG, make_docx, make_pdf, rezip, text_page, zip_of_zeros


def refusal(data: bytes, name: str, error: type[LoadError], **kwargs: int) -> str:
    """The message ``extract_text`` refuses ``data`` with; checks its type and shape."""
    with pytest.raises(error) as caught:
        extract_text(data, name, **kwargs)
    message = str(caught.value)
    assert message.startswith(f"{name}: ")
    assert caught.value.source == name
    assert "\n" not in message
    return message


# --- detection and plain text -----------------------------------------------------------


def test_constants() -> None:
    assert DEFAULT_MAX_BYTES == 25_000_000
    assert {".txt", ".md", ".html", ".pdf", ".docx", ".json"} <= SUPPORTED_SUFFIXES


@pytest.mark.parametrize(
    ("name", "content", "fmt"),
    [
        ("a.txt", "Resolution 11.3\nThe 14<sup>th</sup> meeting<sup>1</sup>", "txt"),
        ("a.text", "plain", "txt"),
        ("a.md", "# Resolution\n\n<p>one</p>" + "<br>" * 10, "md"),
        ("page.txt", "<!DOCTYPE html><html><body><p>Hi</p></body></html>", "html"),
        ("noext", "<?xml version='1.0' encoding='utf-8'?>\n<html><body>Hi</body></html>", "html"),
        ("saved.txt", "<div>x</div>" * 8, "html"),
        ("fragment.htm", "<b>Hi</b>", "html"),
        ("a.txt", '{"text": "Hi"}', "json"),
        ("a.json", '[{"content": "Hi"}]', "json"),
    ],
)
def test_detects_format_by_content_then_suffix(name: str, content: str, fmt: str) -> None:
    assert extract_text(content.encode(), name)[1] == fmt


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("“Parties” ‘shall’ – €5".encode("cp1252"), "“Parties” ‘shall’ – €5"),
        (b"\xef\xbb\xbfResolution\r\nof the\rParties", "Resolution\nof the\nParties"),
        ("Résolution\n".encode("utf-16"), "Résolution\n"),
        (b"caf\xe9 \x81", "café \x81"),  # not UTF-8, not cp1252 (0x81): latin-1
        (rb"Parties\xe2\x80\x99 &nbsp; *Requests*", r"Parties\xe2\x80\x99 &nbsp; *Requests*"),
    ],
)
def test_decodes_text_and_keeps_it_otherwise_as_is(data: bytes, expected: str) -> None:
    assert extract_text(data, "r.txt") == (expected, "txt")


@pytest.mark.parametrize(
    ("name", "data", "error", "phrase"),
    [
        ("empty.txt", b"", LoadError, "is empty (0 bytes)"),
        ("blank.txt", b" \n\t\r\n ", LoadError, "is empty (only whitespace)"),
        ("bom.txt", b"\xef\xbb\xbf\n", LoadError, "is empty"),
        ("logo.txt", PNG, UnsupportedFormatError, "is a binary file (PNG image?), not text"),
        ("photo.md", b"\xff\xd8\xff\xe0\x00\x10JFIF", UnsupportedFormatError, "(JPEG image?)"),
        ("anim.txt", b"GIF89a\x01\x00", UnsupportedFormatError, "(GIF image?)"),
        ("prog", b"\x7fELF\x02\x01\x01" + bytes(64), UnsupportedFormatError, "(ELF program?)"),
        ("old.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64), UnsupportedFormatError,
         "old Word .doc"),
        ("noise.txt", bytes(range(256)) * 4, LoadError, "is a binary file, not text; mealink"),
        ("ctrl.txt", b"ab\x01\x02\x03\x04cd" * 10, LoadError, "is a binary file"),
        ("r.txt", b"{\\rtf1\\ansi Resolution}", UnsupportedFormatError, "is an RTF document"),
        ("r.json", b'{"title": "Resolution 11.3"}', UnsupportedFormatError,
         "is JSON but has no 'text' or 'content' field"),
        ("r.json", b'["a", 1]', UnsupportedFormatError, "has no 'text' or 'content' field"),
        ("r.json", b'{"text": "unterminated', LoadError, "is not valid JSON"),
        ("r.html", b"<html><script>x()</script></html>", LoadError, "holds no text"),
        ("big.txt", b"a" * 2_500, LoadError, "is 2.5 KB, more than the 1 KB limit"),
        ("r.pdf", b"%PDF-1.4\nnot really a pdf", LoadError, "is not a readable PDF"),
        ("r.docx", b"PK\x03\x04" + bytes(range(200)), LoadError,
         "is not a readable DOCX: the zip container is damaged"),
    ],
)
def test_refuses_bad_input_with_one_line(
    name: str, data: bytes, error: type[LoadError], phrase: str
) -> None:
    assert phrase in refusal(data, name, error, max_bytes=1_000 if name == "big.txt" else
                             DEFAULT_MAX_BYTES)


def test_size_limit_message_names_the_option() -> None:
    message = refusal(b"x" * 30, "big.md", LoadError, max_bytes=20)
    assert "is 30 bytes, more than the 20 bytes limit" in message
    assert "--max-size" in message


# --- JSON and HTML ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"text": "Resolution 11.3\\r\\nRequests"}', "Resolution 11.3\nRequests"),
        ('{"content": "B", "title": "x"}', "B"),
        ('[{"text": "A"}, {"content": "B"}, 3]', "A\n\nB"),
        ('{"contents": [{"language": "fr", "content": "F"}, {"language": "en", "content": "E"}]}',
         "E"),
        ('{"contents": [{"content": "<p>One</p><p>Two<sup>1</sup></p>"}]}', "One\n\nTwo[^1]"),
    ],
)
def test_json_variants(content: str, expected: str) -> None:
    assert extract_text(content.encode(), "r.json") == (expected, "json")


PAGE = """<!DOCTYPE html><html><head><title>CMS</title><style>p {color: red}</style></head>
<body><header>Site banner <a class="skip-to-content" href="#c">Skip</a></header>
<nav><ul><li>Home</li><li>Documents</li></ul></nav>
<div class="page-content"><h1>Resolution 11.3</h1><!-- editor's note -->
<p>The Conference of the Parties,<sup>1</sup> at its 14<sup>th</sup>&nbsp;meeting
   <sup>[2]</sup></p>
<ol type="a"><li>(a) first</li><li>(b) second<br>continued</li></ol>
<table><tr><th>Species</th><th>Appendix</th></tr><tr><td>Lynx</td><td><p>II</p></td></tr></table>
<div>Adopted   at Samarkand</div><form><button>Print</button></form><script>go()</script></div>
<footer>Copyright</footer></body></html>"""


def test_html_keeps_content_lines_and_drops_page_furniture() -> None:
    assert extract_text(PAGE.encode(), "r.html") == (
        "Resolution 11.3\n\n"
        "The Conference of the Parties,[^1] at its 14th meeting[^2]\n\n"
        "(a) first\n\n(b) second\ncontinued\n\n"
        "Species | Appendix\nLynx | II\nAdopted at Samarkand",
        "html",
    )


def test_html_long_cell_of_a_layout_table_keeps_its_paragraphs() -> None:
    paragraphs = "".join(f"<p>Paragraph {i} {'text ' * 20}</p>" for i in range(4))
    text, _ = extract_text(f"<html><body><table><tr><td>{paragraphs}</td></tr></table>"
                           "</body></html>".encode(), "r.html")
    assert text.count("\n\n") == 3


def test_html_does_not_fetch_external_entities(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    page = (f'<?xml version="1.0"?><!DOCTYPE html [<!ENTITY x SYSTEM "file://{secret}">]>'
            "<html><body><p>Hello &x;</p></body></html>")
    text, fmt = extract_text(page.encode(), "r.xhtml")
    assert fmt == "html"
    assert "Hello" in text
    assert "SECRET" not in text


# --- PDF --------------------------------------------------------------------------------


def test_pdf_text_without_running_header_and_page_numbers() -> None:
    words = ["Recalling", "Noting", "Requests", "Urges", "Invites", "Decides"]
    bodies = [[f"{words[(p + i) % 6]} Parties on page {p}" for i in range(3)] for p in range(4)]
    data = make_pdf([text_page(lines, p) for p, lines in enumerate(bodies, 1)])
    text, fmt = extract_text(data, "doc.pdf")
    assert fmt == "pdf"
    assert text.count(HEADER) == 1
    assert text.startswith(HEADER)  # page 1 keeps it: the parser needs the symbol once
    assert "Page" not in text
    body = [line.strip() for line in text.splitlines()[1:] if line.strip()]
    assert body == [line for lines in bodies for line in lines]


def test_pdf_short_document_still_loses_bare_page_numbers() -> None:
    page = b"BT /F1 12 Tf 72 700 Td (The Conference of the Parties decides) Tj ET\n"
    data = make_pdf([page + b"BT /F1 9 Tf 290 40 Td (- %d -) Tj ET" % n for n in (1, 2)])
    text, _ = extract_text(data, "two.pdf")
    assert text.split("\n") == ["The Conference of the Parties decides"] * 2


def test_pdf_without_text_layer_asks_for_ocr() -> None:
    scan = make_pdf([b"0 0 1 rg 72 72 400 600 re f"] * 2)
    assert "is a PDF with no text layer (scanned image?); run OCR first" in refusal(
        scan, "scan.pdf", LoadError)


def test_password_protected_pdf() -> None:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf([text_page(["x"], 1)]))))
    writer.encrypt(user_password="secret", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    assert "is a password-protected PDF" in refusal(buffer.getvalue(), "locked.pdf", LoadError)


def test_truncated_pdf() -> None:
    data = make_pdf([text_page(["Paragraph one of the decision"], 1)])
    assert "is not a readable PDF" in refusal(data[:60], "cut.pdf", LoadError)


# --- DOCX -------------------------------------------------------------------------------


def test_docx_paragraphs_and_tables_in_body_order() -> None:
    assert extract_text(make_docx(), "r.docx") == (
        "The Conference of the Parties,\n\nSpecies\n\nAppendix\n\nLynx lynx\n\nII\n\n"
        "1. Requests Parties to report;",
        "docx",
    )


def test_docx_footnotes_are_appended_and_marked() -> None:
    text, _ = extract_text(make_docx(footnote=True), "r.docx")
    assert text.startswith("The Conference of the Parties,[^1]\n\n")
    assert text.endswith("1. Requests Parties to report;\n\n[^1] See Resolution 11.3.")


def test_zip_without_document_xml() -> None:
    no_body = rezip(make_docx(), {}, drop="word/document.xml")
    assert "is not a readable DOCX: it has no word/document.xml" in refusal(
        no_body, "r.docx", LoadError)
    assert "is a ZIP archive, not a Word .docx; unzip it" in refusal(
        rezip(no_body, {"notes.txt": b"x"}), "bundle.zip", UnsupportedFormatError)
    assert "is an Excel workbook" in refusal(
        rezip(no_body, {"xl/workbook.xml": b"<w/>"}), "sheet.xlsx", UnsupportedFormatError)


@pytest.mark.parametrize(("megabytes", "max_bytes"), [(120, DEFAULT_MAX_BYTES), (3, 10_000_000)])
def test_zip_bomb_is_refused_before_inflating(
    tmp_path: Path, megabytes: int, max_bytes: int
) -> None:
    data = zip_of_zeros(tmp_path / "bomb.docx", megabytes)
    message = refusal(data, "bomb.docx", LoadError, max_bytes=max_bytes)
    assert f"looks like a zip bomb (expands to {megabytes} MB" in message
    assert message.endswith("refusing to open")


# --- never anything but LoadError -------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(
    prefix=st.sampled_from([b"", b"%PDF-1.4\n", b"PK\x03\x04", b"<html>", b"{", b"\xff\xfe"]),
    body=st.binary(max_size=300),
)
def test_arbitrary_bytes_give_text_or_a_load_error(prefix: bytes, body: bytes) -> None:
    try:
        text, fmt = extract_text(prefix + body, "x.txt")
    except LoadError as exc:
        assert "\n" not in str(exc)
    else:
        assert fmt in {"txt", "md", "html", "pdf", "docx", "json"}
        assert isinstance(text, str)


# --- load() and iter_sources() ----------------------------------------------------------


def test_load_and_iter_sources_go_on_past_a_bad_file(tmp_path: Path) -> None:
    good = tmp_path / "a_good.txt"
    good.write_text("Resolution 11.3\n\nThe Conference of the Parties\n", encoding="utf-8")
    bad = tmp_path / "b_bad.txt"
    bad.write_bytes(PNG)
    (tmp_path / "c_ignored.png").write_bytes(PNG)

    source = load(good)
    assert isinstance(source, Source)
    assert (source.name, source.format) == (str(good), "txt")
    assert "The Conference of the Parties" in source.text

    results = list(iter_sources([tmp_path]))
    assert len(results) == 2
    assert isinstance(results[0], Source)
    assert results[0].name == str(good)
    assert isinstance(results[1], LoadError)
    assert str(results[1]).startswith(f"{bad}: is a binary file (PNG image?)")


def test_load_refuses_an_oversized_file_before_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text("x" * 5_000)
    with pytest.raises(LoadError, match="--max-size"):
        load(path, max_bytes=1_000)


@pytest.mark.parametrize(("html", "expected"), [
    ('<ol type="a"><li>Review</li><li>Report</li></ol>', "(a) Review\n\n(b) Report"),
    ('<ol start="3"><li>Urges Parties</li></ol>', "3. Urges Parties"),
    ('<ol type="i"><li>one</li><li>two</li></ol>', "(i) one\n\n(ii) two"),
    ('<ol type="a"><li>(a) printed</li></ol>', "(a) printed"),
    ("<ul><li>bullet</li></ul>", "bullet"),
])
def test_ordered_list_items_get_the_numbers_a_browser_shows(html: str, expected: str) -> None:
    assert extract_text(f"<html><body>{html}</body></html>".encode(), "l.html")[0] == expected
