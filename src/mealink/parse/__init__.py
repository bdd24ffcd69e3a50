"""Parse: clean text to a ``Document`` with metadata and the paragraph tree.

``parse`` is a pure function (no I/O, no global state beyond the cached vocabulary) and
never raises on any text: what it cannot place is kept as apparatus with its span, so
every non-space character of the text is in a paragraph, a footnote, the header, an annex
or the apparatus (a property the tests check). ``looks_like_resolution`` tells the CLI
whether a parsed text is a decision at all.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping

from mealink.languages import languages, vocabulary_for
from mealink.models import Apparatus, Document, Footnote, Span
from mealink.parse.adoption import OTHER_BODY
from mealink.parse.identity import identify
from mealink.parse.metadata import extract
from mealink.parse.pagemeta import Breadcrumb, breadcrumb, status_banner
from mealink.parse.segment import Block, segment
from mealink.parse.structure import assign_stray_numbers, build_paragraphs, collapse
from mealink.vocabulary import vocabulary

__all__ = ["detect_language", "looks_like_resolution", "parse"]

_ADOPTED_LINE = re.compile(r"\s*Adopted\s+by\s+the\s+", re.IGNORECASE)
_ANNEX_CUT = re.compile(r"\s(?=[A-ZÀ-Ý]{5,}\s)")
_FOOTNOTE_MARK = re.compile(r"([¹²³⁴⁵⁶⁷⁸⁹⁰]+|\[\d{1,3}\]|\*{1,3})\s*")
_DECISION_NUMBER = re.compile(r"\d{1,3}\.\d{1,3}")  # "13.7" alone on its line
_SUPERSCRIPTS = str.maketrans("¹²³⁴⁵⁶⁷⁸⁹⁰", "1234567890")


def _cover_blocks(text: str, blocks: list[Block]) -> int:
    """How many leading blocks form a document cover header (symbol, 'Original:', adoption)."""
    vocab = vocabulary()
    last = -1
    for i, b in enumerate(blocks):
        if b.signal in ("lead", "marker", "number_alone", "chapeau"):
            break
        chunk = text[b.start:b.end]
        if vocab.cover_label_pattern.match(chunk.strip()) or _ADOPTED_LINE.match(chunk):
            last = i
    return last + 1


def _split_annex_heading(text: str, b: Block) -> tuple[Block, Span | None]:
    """An annex heading run together with the annex text: keep the title, the rest is annex."""
    line_end = text.find("\n", b.start, b.end)
    end = b.end if line_end < 0 else line_end
    if end - b.start > 200:
        m = _ANNEX_CUT.search(text, b.start + 10, b.start + 200)
        cut = m.start() if m else text.rfind(" ", b.start, b.start + 200)
        end = cut if cut > b.start else end
    if end >= b.end:
        return b, None
    head = Block(b.start, end, b.role, b.signal, b.marker, b.body)
    return head, Span(end, b.end)


def parse(text: str, source: str = "<text>", known: Mapping[str, str] | None = None
          ) -> Document:
    """Parse clean text (see ``mealink.load.clean``) into a ``Document``; never raises.
    ``known`` is what is known of the text from outside it (``mealink.parse.identity``)."""
    doc = Document(source=source, text=text)
    doc.language = detect_language(text)
    vocab = vocabulary_for(doc.language)
    blocks = segment(text, vocab)
    n_cover = _cover_blocks(text, blocks)
    doc.header = [Span(b.start, b.end) for b in blocks[:n_cover]]
    body: list[Block] = []
    numbers_alone: list[tuple[int, str]] = []
    in_annex = False
    for b in blocks[n_cover:]:
        if in_annex:
            doc.annexes.append(Span(b.start, b.end))
            continue
        if b.role == "apparatus":
            doc.apparatus.append(Apparatus(b.reason or "page furniture", Span(b.start, b.end)))
            label = text[b.start:b.end].strip()
            if b.reason == "stray number" and _DECISION_NUMBER.fullmatch(label):
                numbers_alone.append((b.start, label))
            continue
        if b.role == "footnote":
            note = _FOOTNOTE_MARK.match(text, b.start, b.end)
            marker = note.group(1).strip("[]").translate(_SUPERSCRIPTS) if note else None
            doc.footnotes.append(Footnote(marker, collapse(text[note.end() if note else b.start:
                                                               b.end]), Span(b.start, b.end)))
            continue
        if b.signal == "annex" and any(x.signal in ("lead", "marker") for x in body):
            head, rest = _split_annex_heading(text, b)
            body.append(head)
            if rest is not None:
                doc.annexes.append(rest)
            in_annex = True
            continue
        body.append(b)
    doc.paragraphs = build_paragraphs(text, body, vocab, doc.language, numbers_alone)
    crumb = breadcrumb(text)
    _banners_to_apparatus(doc, crumb)
    strays = [(a.span.start, text[a.span.start:a.span.end].strip().rstrip("."))
              for a in doc.apparatus if a.reason == "stray number"]
    assign_stray_numbers(doc.paragraphs, strays)
    header = [text[s.start:s.end] for s in doc.header]
    headings = []
    for p in doc.paragraphs:  # the headings before the text: symbol, title, meeting, chapeau
        if p.kind != "heading":
            break
        headings.append(text[p.span.start:p.span.end])
    chapeaus = [text[p.span.start:p.span.end] for p in doc.paragraphs if p.kind == "heading"
                and vocab.chapeau_pattern.match(text, p.span.start, p.span.end)]
    openers = [text[p.span.start:p.span.end] for p in doc.paragraphs[:3]]
    meta = extract(text, header, headings, vocab, chapeaus, openers, crumb)
    doc.symbol, doc.number, doc.revision = meta.symbol, meta.number, meta.revision
    doc.title, doc.adopted_at, doc.convention = meta.title, meta.adopted_at, meta.convention
    doc.identified_by = meta.identified_by
    if meta.adoption is not None:
        doc.adoption, doc.adopted_by = meta.adoption.kind, meta.adoption.body
        doc.adoption_evidence = meta.adoption.evidence
        if meta.adoption.kind == OTHER_BODY:
            # the text of another body is none of the conventions it mentions
            doc.convention = None
    identify(doc, known)
    return doc


def _banners_to_apparatus(doc: Document, crumb: Breadcrumb | None) -> None:
    """What the site prints about the decision is the publisher's, not the Conference's:
    apparatus, not paragraphs. A banner about its status ('Retired sections: paragraph
    1.'), and the lines of the page's breadcrumb trail ('- Home', '- Decisions', '- 17.170
    (Rev. CoP19)'), which would otherwise read as paragraphs of the text."""
    crumbs = crumb.lines if crumb is not None else ()
    parents = {q.parent for q in doc.paragraphs}
    keep = []
    for i, p in enumerate(doc.paragraphs):
        leaf = i not in parents
        if leaf and p.depth == 0 and status_banner(p.text):
            doc.apparatus.append(Apparatus("status banner of the page", p.span))
            doc.page_status = " ".join(p.text.split())
        elif leaf and crumbs and all(  # a trail's line, even when read as an item
                any(c.start <= at < c.end for c in crumbs) or doc.text[at].isspace()
                for at in range(p.span.start, p.span.end)):
            doc.apparatus.append(Apparatus("breadcrumb trail of the page", p.span))
        else:
            keep.append(p)
    if len(keep) == len(doc.paragraphs):
        return
    index = {id(p): n for n, p in enumerate(keep)}
    old = list(doc.paragraphs)
    for p in keep:
        p.parent = index.get(id(old[p.parent])) if p.parent is not None else None
    doc.paragraphs = keep
    doc.apparatus.sort(key=lambda a: a.span.start)


def detect_language(text: str) -> str:
    """The language of ``text`` ('en', 'fr', 'es': those of ``languages.toml``): the one whose
    function words clearly outnumber the default's (English) and every other's, else the
    default. Words are counted between spaces: cheap."""
    langs = languages()
    seen = Counter(text[:langs.sample].lower().split())  # one pass, whatever the lists
    counts = {code: sum(seen[w] for w in words) for code, words in langs.words.items()}
    floor = langs.ratio * counts.get(langs.default, 0)
    best, n = max(((c, k) for c, k in counts.items() if c != langs.default),
                  key=lambda ck: ck[1], default=(langs.default, 0))
    rivals = [k for c, k in counts.items() if c not in (best, langs.default)]
    if n >= langs.min_count and n > floor and all(n > k for k in rivals):
        return best
    return langs.default


def looks_like_resolution(doc: Document) -> bool:
    """Whether the parsed text has the shape of a decision: some lead, number or chapeau."""
    for p in doc.paragraphs:
        if p.kind == "operative" and (p.lead is not None or p.number is not None or
                                      p.verb is not None):
            return True
        if p.kind == "preamble" and p.lead is not None:
            return True
    return False
