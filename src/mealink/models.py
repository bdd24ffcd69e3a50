"""Domain objects: a loaded source, a parsed document, its paragraphs and their annotations.

Every annotation carries the span (start, end) of the text it came from in
``Document.text``, so it can be highlighted later. Values are normalised (whitespace
collapsed, base forms); spans point at the text as it stands in the document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["preamble", "operative", "heading"]


@dataclass(frozen=True, slots=True)
class Span:
    """Half-open character range [start, end) into ``Document.text``."""

    start: int
    end: int

    def shift(self, offset: int) -> Span:
        return Span(self.start + offset, self.end + offset)


@dataclass(frozen=True, slots=True)
class Source:
    """Text read from one input, repaired and ready to parse. ``meta`` holds what is known
    of the text from outside it: front matter, a sidecar ``NAME.meta.json`` or what the
    person ingesting it said (``symbol``, ``title``, ``convention``, ``adopted_at``, and
    ``from``: where it was said)."""

    name: str
    format: str
    text: str
    meta: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Mention:
    """A normalised value found in the text, with where it was found."""

    value: str
    span: Span


@dataclass(frozen=True, slots=True)
class Topic:
    """An issue of the topic vocabulary (``data/topics.toml``) that a paragraph is about.

    ``score`` is in [0, 1] (see ``mealink.annotate.topics.find_topics``); ``triggers`` are
    the vocabulary's phrases found in the paragraph, in text order, each with its span (none
    when the topic is only inherited from the parent paragraph).
    """

    id: str
    score: float
    triggers: tuple[Mention, ...] = ()


@dataclass(frozen=True, slots=True)
class Reference:
    """A citation of a resolution, decision, recommendation or document symbol."""

    text: str
    span: Span
    type: str
    identifier: str
    convention: str | None = None
    in_footnote: bool = False


@dataclass(frozen=True, slots=True)
class Instrument:
    """A named instrument cited in a paragraph: a strategic plan, targets, a vision, a
    framework, a declaration, an agenda, goals, a code of conduct, a work plan, rules of
    procedure or an article of a convention (``mealink.annotate.instruments``).

    ``text`` is the name as written, without a leading article, whitespace collapsed;
    ``id`` the stable id of ``data/named_instruments.toml`` ("cbd/aichi-targets",
    "cms/article/8"), None for an instrument mealink does not know or whose convention the
    text does not tell; ``convention`` its convention ("UN" for the United Nations' own,
    "CMS/CITES" for a joint one), None when not known.
    """

    text: str
    span: Span
    id: str | None
    kind: str
    convention: str | None = None


@dataclass(frozen=True, slots=True)
class Footnote:
    """Footnote text kept apart from the paragraph or page it was glued to."""

    marker: str | None
    text: str
    span: Span


@dataclass(frozen=True, slots=True)
class Apparatus:
    """Text that is page furniture, not decision text (site tags, elisions, metadata)."""

    reason: str
    span: Span


@dataclass(slots=True)
class Paragraph:
    """One unit of the decision: a heading, a preamble or an operative paragraph.

    ``lead_verb`` is the verb inside the lead as written ("requests" in "Further requests"),
    ``verb`` the paragraph's main operative verb in base form ("request"). ``deadline`` is
    when the ask is due (the main ask's date, else its report's), ``report_deadline`` when
    its reporting clause is ("report ... to the Standing Committee at its 78th meeting"),
    ``period`` the period a standing task runs over ("up to 2030"): see
    ``mealink.annotate.clauses``.
    """

    kind: Kind
    number: str | None
    span: Span
    body: Span
    text: str
    lead: Mention | None = None
    lead_verb: Mention | None = None
    verb: Mention | None = None
    other_verbs: list[Mention] = field(default_factory=list)
    actors: list[Mention] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    instruments: list[Instrument] = field(default_factory=list)
    repeals: list[Mention] = field(default_factory=list)
    deadline: Mention | None = None
    report_deadline: Mention | None = None
    period: Mention | None = None
    conditions: list[Mention] = field(default_factory=list)
    topics: list[Topic] = field(default_factory=list)
    footnotes: list[Footnote] = field(default_factory=list)
    parent: int | None = None
    depth: int = 0
    # index of the paragraph that quotes this one as a draft for another body to adopt
    # ("Recommends that the Conference of the Parties adopt a decision along the following
    # lines:"): what the draft asks is asked by that body if it adopts it, not by this text
    embedded_in: int | None = None

    @property
    def condition(self) -> str | None:
        """Hedges joined in text order with '; ' (the parse contract's ``condition``)."""
        return "; ".join(c.value for c in self.conditions) or None


@dataclass(slots=True)
class Document:
    """A parsed (and, after ``annotate``, annotated) resolution or decision."""

    source: str
    text: str
    convention: str | None = None
    symbol: str | None = None
    number: str | None = None
    revision: str | None = None
    title: str | None = None
    adopted_at: str | None = None
    language: str = "en"
    #: who adopted it: "adopted" (the convention's governing body: COP, MOP ...),
    #: "subsidiary body", "draft", "other body" or "unknown"; ``adopted_by`` is the body as
    #: named and ``adoption_evidence`` what in the text (or outside it) says so
    adoption: str = "unknown"
    adopted_by: str | None = None
    adoption_evidence: str | None = None
    #: where the symbol came from: "its header", "the page's breadcrumb", "its file name
    #: (cms-res-11.28.txt)", "given at ingest (--as)" ... (None when there is no symbol)
    identified_by: str | None = None
    #: what the page the text was copied from says of its status ("Retired sections:
    #: paragraph 1."): the publisher's word, kept apart from the decision's own text
    page_status: str | None = None
    paragraphs: list[Paragraph] = field(default_factory=list)
    header: list[Span] = field(default_factory=list)
    footnotes: list[Footnote] = field(default_factory=list)
    annexes: list[Span] = field(default_factory=list)
    apparatus: list[Apparatus] = field(default_factory=list)
    annotated: bool = False
    #: the InforMEA decision record the text was imported from, kept whole so that an
    #: export gives every one of its fields back (None for texts read from files)
    informea: dict[str, Any] | None = None
