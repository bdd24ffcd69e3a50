"""An Akoma Ntoso file back into a mealink ``Document``.

A file mealink wrote carries every annotation, with its offsets, in ``otherAnalysis``: the
document comes back as it was exported (the text is rebuilt from the paragraphs, so spans
point into that text). Any other Akoma Ntoso document (a ``statement``, ``act``, ``doc`` ...)
is read for its text, paragraph by paragraph with their numbers, and parsed and annotated
like any text mealink reads; what its metadata says (title, number, adoption event and
date) fills in what the parse of the text did not find.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from lxml import etree

from mealink.errors import LoadError
from mealink.interop.akn_write import AKN, ML
from mealink.interop.safexml import parse_xml
from mealink.models import (
    Document,
    Footnote,
    Instrument,
    Mention,
    Paragraph,
    Reference,
    Span,
    Topic,
)

__all__ = ["ForeignAkn", "foreign_akn", "is_akn", "read_akn"]

_NS = {"a": AKN, "m": ML}
_KINDS = {"preamble", "operative", "heading"}


def is_akn(data: bytes) -> bool:
    """Whether ``data`` looks like an Akoma Ntoso document (its root in the AKN namespace)."""
    head = data[:2048]
    return b"akomaNtoso" in head and AKN.encode() in head


def _text(el: etree._Element) -> str:
    """Text of ``el`` without its authorial notes (footnotes are kept apart)."""
    parts: list[str] = [el.text or ""]
    for child in el:
        if child.tag != f"{{{AKN}}}authorialNote":
            parts.append(_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _elements(el: etree._Element, path: str) -> list[etree._Element]:
    """The elements an XPath expression selects (namespaces ``a`` AKN, ``m`` mealink)."""
    found = el.xpath(path, namespaces=_NS)
    return [e for e in found if isinstance(e, etree._Element)] \
        if isinstance(found, list) else []


def _holder(el: etree._Element) -> etree._Element:
    """The element holding a paragraph's own text (its chapeau when it has points)."""
    local = etree.QName(el).localname
    paths = {"formula": "a:p", "hcontainer": "a:heading", "item": "a:p",
             "container": "a:p[not(@class='num')]"}
    path = paths.get(local, "a:list/a:intro/a:p | a:content/a:p")
    found = _elements(el, path)
    if not found:
        raise LoadError(f"Akoma Ntoso element {local} eId={el.get('eId')!r} holds no text "
                        "where mealink puts it")
    return found[0]


class _Rebuilt:
    """The document text rebuilt from paragraphs and footnotes, and where each region
    starts in it."""

    def __init__(self, header: str) -> None:
        self.parts = [header, "\n\n"]
        self.size = len(header) + 2
        self.starts: dict[str, int] = {}

    def add(self, key: str, text: str, label: str = "") -> tuple[Span, Span]:
        """Append a region (after its printed number, if any): its span and its body."""
        start = self.size
        if label:
            self.parts.append(label + " ")
            self.size += len(label) + 1
        self.starts[key] = self.size
        self.parts += [text, "\n\n"]
        body = Span(self.size, self.size + len(text))
        self.size += len(text) + 2
        return Span(start, body.end), body

    def span(self, attrs: Any, own: str) -> Span:
        at = attrs.get("at")
        if at is None:
            return Span(0, 0)
        s, e = (int(x) for x in at.split())
        base = self.starts.get(attrs.get("in", own))
        if base is None:
            raise LoadError(f"annotation points into {attrs.get('in')!r}, which is not in "
                            "the file")
        return Span(base + s, base + e)

    def text(self) -> str:
        return "".join(self.parts)


def _mention(el: etree._Element, text: _Rebuilt, own: str) -> Mention:
    return Mention(el.get("value", ""), text.span(el.attrib, own))


def _paragraph(entry: etree._Element, body_el: etree._Element, text: _Rebuilt
               ) -> tuple[Paragraph, list[tuple[etree._Element, Footnote]]]:
    own = entry.get("href", "#")[1:]
    holder = _holder(body_el)
    ptext = _text(holder)
    num = body_el.find("a:num", _NS)
    if num is None:
        num = body_el.find("a:p[@class='num']", _NS)
    span, body = text.add(own, ptext, " ".join(_text(num).split()) if num is not None else "")
    kind = entry.get("kind", "operative")
    if kind not in _KINDS:
        raise LoadError(f"paragraph {own!r} has kind {kind!r}; mealink knows "
                        f"{', '.join(sorted(_KINDS))}")
    p = Paragraph(kind=kind, number=entry.get("number"), span=span, body=body,  # type: ignore[arg-type]
                  text=ptext, depth=int(entry.get("depth", "0")))
    notes = [(n, Footnote(n.get("marker"), _text(n[0]) if len(n) else "", Span(0, 0)))
             for n in holder.findall("a:authorialNote", _NS)]
    return p, notes


def _annotate(p: Paragraph, entry: etree._Element, text: _Rebuilt) -> None:
    own = entry.get("href", "#")[1:]
    for el in entry:
        tag = etree.QName(el).localname
        if tag in ("lead", "leadVerb", "verb", "deadline", "reportBy", "period"):
            setattr(p, {"leadVerb": "lead_verb", "reportBy": "report_deadline"}.get(tag, tag),
                    _mention(el, text, own))
        elif tag in ("otherVerb", "actor", "repeal", "condition"):
            field = {"otherVerb": "other_verbs", "actor": "actors", "repeal": "repeals",
                     "condition": "conditions"}[tag]
            getattr(p, field).append(_mention(el, text, own))
        elif tag == "reference":
            p.references.append(Reference(
                el.get("value", ""), text.span(el.attrib, own), el.get("type", "document"),
                el.get("identifier", ""), el.get("convention"),
                el.get("inFootnote") == "true"))
        elif tag == "instrument":
            p.instruments.append(Instrument(
                el.get("value", ""), text.span(el.attrib, own), el.get("id"),
                el.get("kind", ""), el.get("convention")))
        elif tag == "topic":
            p.topics.append(Topic(el.get("id", ""), float(el.get("score", "0")),
                                  tuple(_mention(t, text, own) for t in el)))


def _own_document(root: etree._Element, record: etree._Element, name: str) -> Document:
    """A document mealink exported: every field read back."""
    entries = _elements(root, "//a:otherAnalysis[@source='#mealink']/m:paragraph")
    header = record.get("symbol") or record.get("title") or record.get("label") or name
    text = _Rebuilt(" ".join(header.split()))
    by_eid = {str(el.get("eId")): el for el in root.iter() if el.get("eId") is not None}
    paras: list[Paragraph] = []
    index: dict[str, int] = {}
    notes: list[tuple[etree._Element, Footnote, Paragraph]] = []
    for entry in entries:
        eid = entry.get("href", "#")[1:]
        body_el = by_eid.get(eid)
        if body_el is None:
            raise LoadError(f"the analysis names paragraph {eid!r}, which is not in the body",
                            source=name)
        p, own_notes = _paragraph(entry, body_el, text)
        index[eid] = len(paras)
        paras.append(p)
        notes += [(n, f, p) for n, f in own_notes]
    for entry, p in zip(entries, paras, strict=True):  # parents: the enclosing paragraph
        for anc in by_eid[entry.get("href", "#")[1:]].iterancestors():
            if anc.get("eId") in index:
                p.parent = index[str(anc.get("eId"))]
                break
        embedding = entry.get("embeddedIn", "")[1:]
        if embedding in index:  # a draft quoted in a recommendation
            p.embedded_in = index[embedding]
    for n, f, p in notes:
        p.footnotes.append(Footnote(f.marker, f.text, text.add(n.get("eId", ""), f.text)[1]))
    doc_notes = [Footnote(el.get("marker") or None, el.get("text", ""),
                          text.add(el.get("eId", ""), el.get("text", ""))[1])
                 for el in record.findall("m:footnote", _NS)]
    for entry, p in zip(entries, paras, strict=True):
        _annotate(p, entry, text)
    return Document(
        source=record.get("source", name), text=text.text(),
        convention=record.get("convention"), symbol=record.get("symbol"),
        number=record.get("number"), revision=record.get("revision"),
        title=record.get("title"), adopted_at=record.get("adoptedAt"),
        language=record.get("language", "en"), adoption=record.get("adoption", "unknown"),
        adopted_by=record.get("adoptedBy"), adoption_evidence=record.get("adoptionEvidence"),
        identified_by=record.get("identifiedBy"), page_status=record.get("pageStatus"),
        paragraphs=paras,
        header=[Span(0, len(header))], footnotes=doc_notes, annotated=True)


def foreign_text(root: etree._Element) -> str:
    """The text of an Akoma Ntoso document mealink did not write: title lines, then one
    block per numbered unit or paragraph of text, each with its number."""
    lines: list[str] = []
    for path in ("//a:preface//a:docNumber", "//a:preface//a:docTitle"):
        lines += [" ".join(_text(e).split()) for e in _elements(root, path)]
    for p in _elements(root, "//a:preamble//a:p | //a:mainBody//a:p | //a:mainBody//a:heading"):
        unit = p.getparent()
        while unit is not None and unit.find("a:num", _NS) is None and \
                etree.QName(unit).localname not in ("mainBody", "preamble"):
            unit = unit.getparent()
        num = ""
        number = unit.find("a:num", _NS) if unit is not None else None
        if unit is not None and number is not None and _elements(unit, "(.//a:p)[1]")[0] is p:
            num = " ".join(_text(number).split()) + " "
        line = " ".join(_text(p).split())
        if line:
            lines.append(num + line)
    return "\n\n".join(lines)


@dataclass(frozen=True, slots=True)
class ForeignAkn:
    """An Akoma Ntoso document mealink did not write: its text, to be parsed, and what its
    metadata says of it."""

    text: str
    title: str | None = None
    number: str | None = None
    adopted_at: str | None = None

    def fill(self, doc: Document) -> Document:
        """``doc`` (the parse of ``text``) with what the parse did not find taken from the
        metadata."""
        doc.title = doc.title or self.title
        doc.number = doc.number or self.number
        doc.adopted_at = doc.adopted_at or self.adopted_at
        return doc


def _first_value(root: etree._Element, path: str, attr: str) -> str | None:
    for el in _elements(root, path):
        value = " ".join((el.get(attr) or "").split())
        if value:
            return value
    return None


def _known_day(value: str | None) -> str | None:
    """An ISO date from a ``date`` attribute, or None for a placeholder (a year before
    1900, as files write for an unknown date) or anything else."""
    try:
        day = date.fromisoformat((value or "")[:10])
    except ValueError:
        return None
    return day.isoformat() if day.year >= 1900 else None


def _adoption(root: etree._Element) -> str | None:
    """'COP13, Gandhinagar, 2020-02-22': the adoption event the lifecycle names and its
    date, from the lifecycle or else the work's date."""
    ref = next(iter(_elements(root, "//a:lifecycle/a:eventRef[@type='generation']")), None)
    target = (ref.get("refersTo") or "").removeprefix("#") if ref is not None else ""
    event = next((" ".join((e.get("showAs") or "").split())
                  for e in _elements(root, "//a:references/*") if target and
                  e.get("eId") == target), "")
    dates = ([ref.get("date")] if ref is not None else []) + [
        e.get("date") for e in _elements(root, "//a:FRBRWork/a:FRBRdate")
        if e.get("name") != "unknown"]
    day = next((d for d in map(_known_day, dates) if d), "")
    return ", ".join(p for p in (event, day) if p) or None


def foreign_akn(root: etree._Element) -> ForeignAkn:
    """The text and the metadata of an Akoma Ntoso document mealink did not write."""
    titles = [" ".join(_text(e).split()) for e in _elements(root, "//a:preface//a:docTitle")]
    return ForeignAkn(foreign_text(root), next((t for t in titles if t), None),
                      _first_value(root, "//a:FRBRWork/a:FRBRnumber", "value"),
                      _adoption(root))


def read_akn(data: bytes, name: str) -> Document | ForeignAkn:
    """The document an Akoma Ntoso file holds: the ``Document`` itself for a file mealink
    wrote, a ``ForeignAkn`` (text to parse, and metadata) for any other."""
    root = parse_xml(data, name)
    if etree.QName(root).namespace != AKN or etree.QName(root).localname != "akomaNtoso":
        raise LoadError(f"is XML but not Akoma Ntoso 3.0 (its root is {root.tag}); mealink "
                        f"reads <akomaNtoso xmlns=\"{AKN}\">", source=name)
    record = root.find(".//a:proprietary[@source='#mealink']/m:document", _NS)
    if record is not None:
        return _own_document(root, record, name)
    foreign = foreign_akn(root)
    if not foreign.text.strip():
        raise LoadError("is an Akoma Ntoso document without any text in its preamble or "
                        "main body", source=name)
    return foreign
