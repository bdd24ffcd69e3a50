"""Get the text, with its line structure, out of the formats mealink reads.

``extract_text`` sniffs the format from the bytes (then from the file name) and refuses what
is empty, binary, too large, corrupt or a zip bomb with a one-line ``LoadError``. It does not
repair the text: ``clean.clean_text`` does that afterwards.
"""

from __future__ import annotations

import codecs
import io
import json
import math
import re
import zipfile
from collections import Counter
from collections.abc import Iterator
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from lxml import etree
from lxml import html as lhtml

from mealink.choices import DEFAULT_MAX_BYTES
from mealink.errors import LoadError, MealinkError, UnsupportedFormatError

if TYPE_CHECKING:
    from pypdf import PdfReader

SUPPORTED_SUFFIXES: frozenset[str] = frozenset({
    ".txt", ".text", ".md", ".markdown", ".html", ".htm", ".xhtml", ".pdf", ".docx", ".json",
    ".xml"})

_READS = "mealink reads .txt, .md, .html, .pdf, .docx, .json and .xml"
_MD_SUFFIXES = frozenset({".md", ".markdown"})
_HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})

# Magic numbers that name a binary file in the error message.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"), (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"), (b"GIF89a", "GIF image"),
    (b"II*\x00", "TIFF image"), (b"MM\x00*", "TIFF image"),
    (b"\x7fELF", "ELF program"), (b"MZ\x90\x00", "Windows program"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "old Word .doc or Excel .xls"),
    (b"\x1f\x8b\x08", "gzip archive"), (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
    (b"Rar!\x1a\x07", "RAR archive"), (b"SQLite format 3\x00", "SQLite database"),
)
_CONTROL_BYTES = bytes(range(9)) + bytes(range(14, 32)) + b"\x7f"
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),  # before UTF-16:
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))  # same first bytes
_NEWLINE = re.compile(r"\r\n?")

_HTML_PAGE = re.compile(r"\A\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*"
                        r"<(?:!doctype\s+html|html|head|body)\b", re.I | re.S)
_BLOCK_TAG = re.compile(r"<(?:p|div|br|li|ul|ol|table|tr|td|h[1-6]|blockquote)\b[^<>]*>", re.I)
_MIN_BLOCK_TAGS = 8
_XML_DECL = re.compile(r"\A\s*<\?xml[^>]*>")
_DROP_XPATH = (
    "//script | //style | //nav | //noscript | //form | //button | //template | //iframe"
    " | //svg | //header[not(ancestor::article or ancestor::main)]"
    " | //footer[not(ancestor::article or ancestor::main)]"
)
_CONTENT_XPATHS = (".//main", ".//article", ".//*[contains(translate(concat(@id, ' ', @class),"
                   " 'CONTENT', 'content'), 'content')]")
_PARA_TAGS = frozenset({"p", "li", "h1", "h2", "h3", "h4", "h5", "h6"})
_LINE_TAGS = frozenset({
    "div", "tr", "hr", "section", "article", "main", "aside", "blockquote", "dd", "dt", "dl", "ul",
    "ol", "table", "thead", "tbody", "tfoot", "caption", "figure", "figcaption", "address", "pre",
    "center", "details", "summary", "fieldset", "legend"})
_PRINTED_LABEL = re.compile(r"\s*(?:\(?[a-zA-Z]{1,4}\)|\d{1,3}\.|[a-z]\.)\s")
_ROMAN = ["i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix", "x", "xi", "xii"]
_FOOTNOTE_SUP = re.compile(r"\[?(\d{1,3}|\*)\]?")
_INLINE_CELL_CHARS = 300
_CELL = "\ue000"  # private-use sentinel between table cells, turned into " | " at the end
_LINE_BREAK, _PARA_BREAK = "\ue001", "\ue002"  # block boundaries, merged by _break()
_BREAK_RUN = re.compile(r"[\s\ue001\ue002]*[\ue001\ue002][\s\ue001\ue002]*")
_WS = re.compile(r"\s+")
_CELL_RUN = re.compile(rf"\s*{_CELL}[\s{_CELL}]*")

_PAGE_NUMBER = re.compile(r"(?:page\s+)?[-–—]?\s*\d{1,4}\s*[-–—]?(?:\s*(?:/|of)\s*\d{1,4})?", re.I)
_EDGE_LINES = 2

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DOCX_CHARS = {f"{_W}tab": "\t", f"{_W}br": "\n", f"{_W}cr": "\n", f"{_W}noBreakHyphen": "-"}
_ZIP_KINDS = (("xl/", "an Excel workbook"), ("ppt/", "a PowerPoint file"),
              ("content.xml", "an OpenDocument file"))


def extract_text(data: bytes, name: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[str, str]:
    """Return ``(text, format)`` of one input; raise ``LoadError`` naming ``name`` if it cannot."""
    if len(data) > max_bytes:
        raise LoadError(f"is {_size(len(data))}, {_over_limit(max_bytes)}", source=name)
    try:
        text, fmt = _extract(data, name, max_bytes)
    except MealinkError:
        raise
    except Exception as exc:  # a parser failure must still reach the user as one clean line
        raise LoadError(f"could not be read ({_one_line(exc)})", source=name) from exc
    if len(text) > max_bytes:
        raise LoadError(f"expands to {_size(len(text))} of text, {_over_limit(max_bytes)}",
                        source=name)
    if not text.strip():
        raise LoadError(f"holds no text once the {fmt.upper()} markup is removed; "
                        "check that it is the right file", source=name)
    return text, fmt


def _extract(data: bytes, name: str, max_bytes: int) -> tuple[str, str]:
    """Detect the format (content first, then suffix) and run its extractor."""
    if not data:
        raise LoadError("is empty (0 bytes); check that the download or export finished",
                        source=name)
    if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"%PDF-"):
        return _pdf_text(data, name, max_bytes), "pdf"
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return _docx_text(data, name, max_bytes), "docx"
    text = _decode(data, name)
    if not text.strip():
        raise LoadError("is empty (only whitespace); check that the download or export "
                        "finished", source=name)
    suffix = PurePath(name).suffix.lower()
    if text.lstrip()[:5].lower() == "{\\rtf":
        raise UnsupportedFormatError(f"is an RTF document; save it as .docx or PDF ({_READS})",
                                     source=name)
    from_json = _json_text(text, name, suffix)
    if from_json is not None:
        return from_json, "json"
    if suffix in _HTML_SUFFIXES or _HTML_PAGE.match(text) or (
        suffix not in _MD_SUFFIXES and len(_BLOCK_TAG.findall(text, 0, 65536)) >= _MIN_BLOCK_TAGS
    ):  # a whole page, not a text with a few inline tags such as <sup>th</sup>
        return _html_text(text, name), "html"
    return text, "md" if suffix in _MD_SUFFIXES else "txt"


# --- plain text -------------------------------------------------------------------------
def _decode(data: bytes, name: str) -> str:
    """Decode text bytes (BOM, then utf-8, cp1252, latin-1) with newlines normalised to \\n."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return _NEWLINE.sub("\n", data.decode(encoding))
            except UnicodeDecodeError:
                charset = encoding.upper()
                raise LoadError(f"is marked {charset} but is not valid {charset}; re-save it as "
                                "UTF-8", source=name) from None
    data = data.removeprefix(codecs.BOM_UTF8)
    label = _binary_label(data[:8192])
    if label is not None:
        error = UnsupportedFormatError if label else LoadError
        kind = f" ({label}?)" if label else ""
        raise error(f"is a binary file{kind}, not text; {_READS}", source=name)
    for encoding in ("utf-8", "cp1252"):
        try:
            return _NEWLINE.sub("\n", data.decode(encoding))
        except UnicodeDecodeError:
            continue
    return _NEWLINE.sub("\n", data.decode("latin-1"))


def _binary_label(head: bytes) -> str | None:
    """None for text; the type a magic number names, or "" for unnamed binary data."""
    for magic, label in _MAGIC:
        if head.startswith(magic):
            return label
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    if b"\x00" in head or controls > len(head) / 10:
        return ""
    return None


# --- JSON -------------------------------------------------------------------------------
def _json_text(text: str, name: str, suffix: str) -> str | None:
    """The text fields of a JSON export, or None when the input is not JSON at all."""
    stripped = text.lstrip()
    try:
        if not stripped.startswith(("{", "[")):
            raise ValueError("it does not start with '{' or '['")
        obj = json.loads(stripped)
    except (ValueError, RecursionError) as exc:
        if suffix == ".json":
            raise LoadError(f"is not valid JSON ({_one_line(exc)}); fix it or save the text as "
                            ".txt", source=name) from None
        return None
    texts = _json_texts(obj)
    if not texts:
        raise UnsupportedFormatError(
            "is JSON but has no 'text' or 'content' field; give an object with one, a list of "
            "such objects, or an InforMEA record with 'contents'", source=name)
    return "\n\n".join(_html_text(t, name) if _BLOCK_TAG.search(t) else _NEWLINE.sub("\n", t)
                       for t in texts)


def _json_texts(obj: Any) -> list[str]:
    """Strings under "text"/"content" (English "contents" first) of an object or a list."""
    if isinstance(obj, list):
        return [t for item in obj if isinstance(item, dict) for t in _json_texts(item)]
    if not isinstance(obj, dict):
        return []
    for key in ("text", "content"):
        value = obj.get(key)
        if isinstance(value, str) and value.strip():
            return [value]
    contents = obj.get("contents")
    if not isinstance(contents, list):
        return []
    items = [c for c in contents if isinstance(c, dict)]
    english = [c for c in items if str(c.get("language", c.get("lang", ""))).lower()[:2] == "en"]
    return _json_texts(english or items)


# --- HTML -------------------------------------------------------------------------------
def _html_text(markup: str, name: str) -> str:
    """Visible text of an HTML page: one block per line, blank line between paragraphs."""
    parser = lhtml.HTMLParser(no_network=True, huge_tree=False, remove_comments=True)
    try:
        root = lhtml.document_fromstring(_XML_DECL.sub("", markup, count=1), parser=parser)
    except (etree.LxmlError, ValueError) as exc:
        raise LoadError(f"is not readable HTML ({_one_line(exc)})", source=name) from None
    for element in _elements(root, _DROP_XPATH):
        element.drop_tree()
    body = root.find("body")
    out: list[str] = []
    _walk(_content_root(root if body is None else body), out)
    text = _BREAK_RUN.sub(_break, "".join(out))
    lines = (_CELL_RUN.sub(" | ", _WS.sub(" ", line).strip(f" {_CELL}"))
             for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _break(run: re.Match[str]) -> str:
    """Merge adjacent block boundaries (and <br>s): a blank line if any asks for one."""
    return "\n\n" if _PARA_BREAK in run[0] or run[0].count("\n") > 1 else "\n"


def _content_root(body: lhtml.HtmlElement) -> lhtml.HtmlElement:
    """<main>, <article> or a "content" element holding most of the text, else <body>."""
    total = len("".join(body.text_content().split()))
    for xpath in _CONTENT_XPATHS:
        for element in _elements(body, xpath):
            if len("".join(element.text_content().split())) >= max(1, 0.3 * total):
                return element
    return body


def _elements(node: lhtml.HtmlElement, xpath: str) -> list[lhtml.HtmlElement]:
    return [e for e in node.xpath(xpath) if isinstance(e, lhtml.HtmlElement)]


def _walk(element: lhtml.HtmlElement, out: list[str], inline: bool = False) -> None:
    """Append the text of ``element`` to ``out``, with break sentinels at block boundaries.

    A short table cell is ``inline``: its inner blocks become spaces so a row stays one line
    (a long cell is a layout table holding the text itself and keeps its paragraphs).
    """
    if not isinstance(element.tag, str):
        return
    tag = element.tag.lower()
    text = element.text_content() if tag in ("sup", "td", "th") else ""
    marker = _FOOTNOTE_SUP.fullmatch(text.strip()) if tag == "sup" else None
    if marker:
        while out and not out[-1].strip(" "):  # glue the marker to the word before it
            out.pop()
        if out:
            out[-1] = out[-1].rstrip(" ")
        out.append(f"[^{marker.group(1)}]")
        return
    if tag in ("td", "th"):
        out.append(_CELL)
        inline = inline or len(text) <= _INLINE_CELL_CHARS
    if tag == "br":
        out.append(" " if inline else "\n")
        return
    brk = _PARA_BREAK if tag in _PARA_TAGS else _LINE_BREAK if tag in _LINE_TAGS else ""
    brk = " " if inline and brk else brk
    out.append(brk)
    if tag == "li":
        out.append(_list_label(element, element.text_content()))
    if element.text:
        out.append(element.text if tag == "pre" else _WS.sub(" ", element.text))
    for child in element:
        _walk(child, out, inline)
        if child.tail:
            out.append(_WS.sub(" ", child.tail))
    out.append(brk)


def _list_label(li: Any, text: str) -> str:
    """The number a browser shows before an item of an ordered list ("(a) ", "3. "), unless
    the item's text already starts with one."""
    parent = li.getparent()
    if parent is None or parent.tag != "ol" or _PRINTED_LABEL.match(text):
        return ""
    items = [c for c in parent if c.tag == "li"]
    try:
        n = int(parent.get("start", "1")) + items.index(li)
    except ValueError:
        return ""
    kind = parent.get("type", "1")
    if kind in ("a", "A"):
        letter = chr(ord(kind) + (n - 1) % 26)
        return f"({letter}) " if kind == "a" else f"{letter}. "
    if kind in ("i", "I"):
        numeral = _ROMAN[(n - 1) % len(_ROMAN)]
        return f"({numeral}) " if kind == "i" else f"{numeral.upper()}. "
    return f"{n}. "


# --- PDF --------------------------------------------------------------------------------
def _pdf_text(data: bytes, name: str, max_bytes: int) -> str:
    """Text of every page, without running headers, footers and page numbers."""
    from pypdf import PdfReader  # here: a text or HTML file needs no PDF reader (0.1 s)

    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not _opens_without_password(reader):
            raise LoadError("is a password-protected PDF; save an unprotected copy (e.g. print "
                            "it to PDF) and load that", source=name)
        pages: list[str] = []
        for page in reader.pages:
            pages.append(page.extract_text() or "")
            if sum(map(len, pages)) > max_bytes:
                break  # extract_text() refuses it as too large; no need to read further
    except MealinkError:
        raise
    except Exception as exc:
        raise LoadError(f"is not a readable PDF: {_one_line(exc)}; it may be damaged or cut "
                        "short, download or export it again", source=name) from None
    if not pages:
        raise LoadError("is a PDF with no pages; download or export it again", source=name)
    if len("".join("".join(pages).split())) < 20:
        raise LoadError("is a PDF with no text layer (scanned image?); run OCR first, e.g. "
                        "ocrmypdf, and load the result", source=name)
    return "\n".join(_drop_furniture([page.split("\n") for page in pages]))


def _opens_without_password(reader: PdfReader) -> bool:
    """Whether the PDF opens with an empty password (print/copy restrictions only)."""
    try:
        return bool(reader.decrypt(""))
    except Exception:  # e.g. AES without the optional 'cryptography' package
        return False


def _drop_furniture(pages: list[list[str]]) -> list[str]:
    """Remove running headers/footers and bare page numbers from the edges of each page.

    A line is running furniture when (digits masked) it is among the first or last two lines
    of at least 60% of the pages, and of at least 3. Page 1 keeps its top lines: that is
    where the document symbol stands, and the parser needs it once.
    """
    edges: Counter[str] = Counter()
    for lines in pages:
        keys = [key for key in map(_line_key, lines) if key]
        edges.update(set(keys[:_EDGE_LINES] + keys[-_EDGE_LINES:]))
    need = max(3, math.ceil(0.6 * len(pages)))
    running = {key for key, count in edges.items() if count >= need}
    kept: list[str] = []
    for number, lines in enumerate(pages):
        top = _furniture_count(lines, set() if number == 0 else running)
        bottom = _furniture_count(lines[top:][::-1], running)
        kept.append("\n".join(lines[top:len(lines) - bottom]))
    return kept


def _furniture_count(lines: list[str], running: set[str]) -> int:
    """How many leading lines are blank, page numbers or running lines (≤ 3 non-blank)."""
    count = non_blank = 0
    for line in lines:
        key = _line_key(line)
        if key and (non_blank == _EDGE_LINES + 1 or not (
                key in running or _PAGE_NUMBER.fullmatch(line.strip()))):
            break
        count += 1
        non_blank += bool(key)
    return count


def _line_key(line: str) -> str:
    return re.sub(r"\d+", "#", " ".join(line.split()))


# --- DOCX -------------------------------------------------------------------------------
def _docx_text(data: bytes, name: str, max_bytes: int) -> str:
    """Body paragraphs (tables included, in order), then footnotes as ``[^N] text`` lines."""
    import docx  # here, as the PDF reader is

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _refuse_zip_bomb(archive.infolist(), name, max_bytes)
            names = set(archive.namelist())
            if "word/document.xml" not in names:
                raise _not_docx(names, name)
            notes = archive.read("word/footnotes.xml") if "word/footnotes.xml" in names else b""
        body = docx.Document(io.BytesIO(data)).element.body
        note_root = etree.fromstring(notes, etree.XMLParser(
            resolve_entities=False, no_network=True, huge_tree=False)) if notes else None
    except MealinkError:
        raise
    except zipfile.BadZipFile as exc:
        raise LoadError(f"is not a readable DOCX: the zip container is damaged ({_one_line(exc)}); "
                        "re-save it from Word", source=name) from None
    except Exception as exc:
        raise LoadError(f"is not a readable DOCX: {_one_line(exc)}; re-save it from Word",
                        source=name) from None
    refs = (ref.get(f"{_W}id") for ref in body.iter(f"{_W}footnoteReference"))
    numbers = {ref: str(n) for n, ref in enumerate(dict.fromkeys(refs), 1) if ref}
    text = "\n\n".join(p for p in _docx_blocks(body, numbers) if p.strip())
    notes_text = "\n".join(_docx_footnotes(note_root, numbers)) if note_root is not None else ""
    return f"{text}\n\n{notes_text}" if notes_text else text


def _refuse_zip_bomb(infos: list[zipfile.ZipInfo], name: str, max_bytes: int) -> None:
    """Refuse archives that expand far beyond any real document before anything is inflated."""
    total = sum(info.file_size for info in infos)
    squeezed = any(info.file_size > 1_000_000 and info.file_size > 200 * max(info.compress_size, 1)
                   for info in infos)
    if len(infos) > 10_000 or total > 4 * max_bytes or squeezed:
        raise LoadError(f"looks like a zip bomb (expands to {total / 1e6:.0f} MB in "
                        f"{len(infos)} files); refusing to open", source=name)


def _not_docx(names: set[str], name: str) -> LoadError:
    """The error for a zip without word/document.xml: damaged DOCX or another zip format."""
    kind = next((kind for prefix, kind in _ZIP_KINDS
                 if any(n.startswith(prefix) for n in names)), "a ZIP archive")
    if PurePath(name).suffix.lower() == ".docx":
        return LoadError(f"is not a readable DOCX: it has no word/document.xml (it looks like "
                         f"{kind}); re-save it from Word as .docx", source=name)
    hint = "unzip it and load the files inside" if kind == "a ZIP archive" else _READS
    return UnsupportedFormatError(f"is {kind}, not a Word .docx; {hint}", source=name)


def _docx_blocks(parent: etree._Element, numbers: dict[str, str]) -> Iterator[str]:
    """Paragraph texts in document order, descending into tables and content controls."""
    for child in parent:
        if child.tag == f"{_W}p":
            yield _docx_paragraph(child, numbers)
        elif isinstance(child.tag, str):
            yield from _docx_blocks(child, numbers)


def _docx_paragraph(paragraph: etree._Element, numbers: dict[str, str]) -> str:
    """Text of one w:p: runs, tabs, breaks and footnote references as ``[^N]``."""
    parts: list[str] = []
    for el in paragraph.iter(f"{_W}t", f"{_W}footnoteReference", *_DOCX_CHARS):
        if el.tag == f"{_W}t":
            parts.append(el.text or "")
        elif el.tag == f"{_W}footnoteReference":
            ref = el.get(f"{_W}id") or ""
            parts.append(f"[^{numbers.get(ref, ref)}]")
        else:
            parts.append(_DOCX_CHARS[str(el.tag)])
    return "".join(parts)


def _docx_footnotes(root: etree._Element, numbers: dict[str, str]) -> list[str]:
    """``[^N] text`` per real footnote, in reference order (separators skipped)."""
    notes: list[tuple[int, str]] = []
    for note in root.iter(f"{_W}footnote"):
        if note.get(f"{_W}type") in ("separator", "continuationSeparator", "continuationNotice"):
            continue
        ref = note.get(f"{_W}id") or ""
        texts = (_docx_paragraph(p, {}).strip() for p in note.iter(f"{_W}p"))
        text = " ".join(t for t in texts if t)
        number = numbers.get(ref, ref)
        notes.append((int(number) if number.isdigit() else 1 << 30, f"[^{number}] {text}"))
    return [line for _, line in sorted(notes, key=lambda item: item[0])]


# --- messages ---------------------------------------------------------------------------
def _size(n: int) -> str:
    """A byte count for people: "25 MB", "1.5 KB", "800 bytes"."""
    for unit, scale in (("MB", 1e6), ("KB", 1e3)):
        if n >= scale:
            return f"{n / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{n} bytes"


def _over_limit(max_bytes: int) -> str:
    return (f"more than the {_size(max_bytes)} limit for one document (raise it with "
            "--max-size if this really is one resolution)")


def _one_line(exc: BaseException) -> str:
    """An exception's message on one short line, for the detail in parentheses."""
    return " ".join(str(exc).split())[:200] or type(exc).__name__
