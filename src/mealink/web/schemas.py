"""The shapes of the API's requests and answers, as its OpenAPI description publishes them.

They mirror the ``to_dict`` of the library's objects, so the API, the CLI's JSON and the
exports say the same thing in the same words.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, Field

T = TypeVar("T")


class ErrorDetail(BaseModel):
    status: int = Field(description="the HTTP status")
    code: str = Field(description="a stable code: not_found, invalid_request, conflict ...")
    message: str = Field(description="what is wrong, in one line")


class Error(BaseModel):
    """Every error of the API has this shape."""

    error: ErrorDetail


class Page(BaseModel, Generic[T]):
    """One page of a list: ``items`` from ``offset``, ``total`` in all."""

    total: int
    limit: int
    offset: int
    items: list[T]


class DocumentSummary(BaseModel):
    id: str
    label: str
    title: str | None
    convention: str | None
    type: str
    adopted: str | None
    state: str
    in_force: bool | None = Field(description="true, false, or null when it cannot be told "
                                              "(a text known only from citations)")
    in_corpus: bool


class Mark(BaseModel):
    kind: str = Field(description="actor, reference, deadline or condition")
    start: int = Field(description="offset in the paragraph text")
    end: int
    title: str
    target: str | None = Field(description="the cited document's id, when in the corpus")


class Citation(BaseModel):
    written: str
    relation: str
    target_id: str | None
    target_label: str | None
    in_corpus: bool
    in_footnote: bool


class Paragraph(BaseModel):
    id: str
    anchor: str
    kind: str
    number: str | None
    depth: int
    verb: str | None
    text: str
    in_force: bool
    deadline: str | None
    condition: str | None
    actors: list[str]
    citations: list[Citation]
    marks: list[Mark]
    mandates: int
    aligned_to: str | None = Field(None, description="in another language's expression: the "
                                   "paragraph of the primary text this one is")
    aligned_by: str | None = Field(None, description="the rule that aligned them: number, "
                                   "order and length, or order, length and shared tokens")


class Expression(BaseModel):
    id: str
    language: str
    primary: bool = Field(description="the text whose mandates, lineage and counts are the "
                                      "work's")


class Act(BaseModel):
    relation: str
    source_id: str
    source_label: str
    adopted: str | None
    paragraph_id: str | None
    paragraphs: list[str]


class Link(BaseModel):
    id: str
    label: str


class Evidence(BaseModel):
    kind: str = Field(description="act, revision, rule, keeps, adoption, citations or none")
    text: str
    document_id: str | None
    paragraph_id: str | None


class Document(BaseModel):
    id: str
    label: str
    symbol: str | None
    title: str | None
    meeting: str | None = Field(description="the adopting meeting as the text's number or "
                                            "revision tells it (COP12)")
    convention: str | None
    type: str
    adopted: str | None
    adopted_at: str | None
    language: str
    in_corpus: bool
    state: str = Field(description="in force, in force in part, repealed, retired, superseded, "
                                   "consolidated, replaced, expected to have lapsed, not "
                                   "adopted or no repeal known")
    in_force: bool | None = Field(description="true, false, or null when it cannot be told "
                                              "(a text known only from citations)")
    evidence: list[Evidence] = Field(description="what the status rests on")
    adoption: str = Field(description="who adopted it: adopted (the governing body), "
                                      "subsidiary body, draft, other body or unknown")
    adopted_by: str | None
    adoption_evidence: str | None
    identified_by: str | None = Field(description="where its symbol came from")
    acts: list[Act]
    mandates: int
    versions: list[Link]
    cited_by: list[Link]
    expressions: list[Expression] = Field(description="every language the text is stored "
                                          "in, the primary first (empty when one)")
    expression_of: str | None = Field(description="the primary text this is another "
                                      "language's expression of")
    expression_evidence: str | None = Field(description="why they are one work")
    paragraphs: list[Paragraph]


class Why(BaseModel):
    similarity: float | None
    keyword_rank: int | None
    semantic_rank: int | None
    shared_terms: list[str]
    topics: list[str]
    lacks_phrases: list[str] = Field(
        default=[], description="the query's quoted phrases this paragraph does not hold: it "
                                "is shown for its meaning only")
    related: str | None = Field(
        default=None, description="'related: does not contain “…”' when lacks_phrases is "
                                  "not empty")


class Counterpart(BaseModel):
    paragraph_id: str
    document_id: str
    language: str
    text: str


class Hit(BaseModel):
    paragraph_id: str
    document_id: str
    document: str
    convention: str | None
    number: str | None
    kind: str
    verb: str | None
    in_force: bool
    score: float
    snippet: str
    highlights: list[list[int]]
    why: Why | None = None
    language: str | None = None
    counterparts: list[Counterpart] = Field(default_factory=list, description="the same "
                                            "paragraph in the other languages its text is "
                                            "stored in")


class FacetValue(BaseModel):
    value: str
    label: str
    count: int
    about: bool = Field(default=False, description="the count is an estimate: more paragraphs "
                                                   "match than the facets count one by one")


class Facets(BaseModel):
    total: int = Field(description="paragraphs holding every word, under the filters (exact)")
    sampled: int | None = Field(default=None, description="when many paragraphs match: how "
                                "many of them the values were counted on (null: all)")
    convention: list[FacetValue]
    meeting: list[FacetValue]
    kind: list[FacetValue]
    verb: list[FacetValue]
    actor: list[FacetValue]
    in_force: list[FacetValue]


class Closest(BaseModel):
    """The paragraph closest in meaning to a query for which none is shown."""

    paragraph_id: str
    document: str
    number: str | None
    name: str = Field(description="as the message names it: 'CMS Resolution 11.10 ¶5'")
    similarity: float


class SearchPage(Page[Hit]):
    """One page of hits. When no paragraph is close to the query, ``items`` is empty,
    ``nothing_close`` is true and ``message`` says which paragraph was closest and why it
    is not shown."""

    query: str
    mode: str
    facets: Facets
    nothing_close: bool = Field(
        default=False, description="no paragraph at all is shown for the query: none matches "
                                   "its words and none is close enough in meaning")
    message: str | None = Field(
        default=None, description="when nothing_close: one sentence naming the closest "
                                  "paragraph, its similarity and the floor")
    floor: float | None = Field(
        default=None, description="the similarity floor applied (null: meaning was not "
                                  "compared, as for keyword hits that match every word)")
    closest: Closest | None = Field(
        default=None, description="when nothing_close: the paragraph closest in meaning")


class TopicCount(BaseModel):
    id: str
    label: str
    broader: list[str]
    leo: bool
    paragraphs: int
    by_convention: dict[str, int]


class OverlapSide(BaseModel):
    paragraph_id: str
    document_id: str
    document: str
    convention: str
    paragraph: str | None
    addressee: str
    actors: list[str]
    action: str
    status: str
    mandates: list[str]
    topics: list[str]
    highlights: list[list[int]]


class OverlapPair(BaseModel):
    similarity: float
    shared_terms: list[str]
    topics: list[str]
    a: OverlapSide
    b: OverlapSide


class ConventionShare(BaseModel):
    convention: str
    mandates: int
    texts: list[str]
    addressees: dict[str, int]
    earliest: str | None
    earliest_text: str | None
    dedicated: list[str]
    standing_bodies: list[str]
    score: float


class Issue(BaseModel):
    topic: str
    label: str
    lead: str | None
    evidence: list[str]
    conventions: list[ConventionShare]


class Overlaps(BaseModel):
    threshold: float
    mandates_compared: int
    filters: dict[str, Any]
    pairs: list[OverlapPair]
    clusters: list[dict[str, Any]]
    issues: list[Issue]


class ProgressEntry(BaseModel):
    mandate: str
    seq: int
    author: str
    recorded_at: str
    status: str | None
    note: str | None
    evidence: list[str]
    #: the text the entry was recorded on: an earlier version's, for a carried mandate
    version: str | None = None


class Mandate(BaseModel):
    id: str
    document: str
    label: str
    title: str | None
    convention: str | None
    paragraph: str | None
    paragraph_id: str
    actor: str
    written: str
    role: str | None
    verb: str
    strength: str
    action: str
    deadline: str | None
    deadline_resolved: str | None
    deadline_implied: bool
    due: str | None
    time_bound: bool
    condition: str | None
    reporting_to: list[str]
    status: str
    derived_status: str
    derived_reason: str | None
    in_force: bool
    entries: int
    latest_progress: ProgressEntry | None


class MandateDetail(Mandate):
    text: str | None
    history: list[ProgressEntry]


class ProgressIn(BaseModel):
    """A progress entry to record; at least one of status, note and evidence."""

    status: str | None = Field(None, max_length=20, description="a status of the tracking "
                               "vocabulary: active, implemented, require-funding ...")
    note: str | None = Field(None, max_length=20000)
    evidence: list[str] = Field(default_factory=list, max_length=50,
                                description="document symbols or http(s) URLs")
    expected_seq: int | None = Field(None, ge=0, description="the number of the latest "
                                     "entry you saw; refused with 409 if someone wrote since")


class LineageNode(BaseModel):
    document_id: str
    label: str
    relation: str | None
    paragraphs: list[str]
    via: str | None = Field(description="what the edge rests on: the acting paragraph's id, or "
                                        "'revision mark' for a later version")
    in_corpus: bool
    state: str
    children: list[LineageNode]


class LineageEdge(BaseModel):
    source_id: str
    source_label: str
    relation: str
    target_id: str
    target_label: str
    paragraphs: list[str]
    via: str | None = Field(description="what the act rests on: the acting paragraph's id, or "
                                        "'revision mark' for a later version")


class Lineage(BaseModel):
    document_id: str
    ancestors: LineageNode
    descendants: LineageNode
    edges: list[LineageEdge]


class Proposal(BaseModel):
    action: str = Field(description="delete, repeal, repeal in part or consolidate")
    verb: str = Field(description="the convention's word: repeal, delete or retire")
    documents: list[str]
    labels: list[str]
    paragraphs: list[str]
    ranges: str
    reasons: list[str]
    score: float | None


class StatusAct(BaseModel):
    relation: str
    by: str
    by_label: str
    adopted: str | None
    paragraph_id: str | None
    paragraphs: list[str]


class Status(BaseModel):
    document_id: str
    label: str
    title: str | None
    asked: str | None = Field(description="what the question named, when it is one of the "
                                          "texts this document holds")
    adopted: str | None
    in_corpus: bool
    state: str
    in_force: bool | None = Field(description="true, false, or null when it cannot be told "
                                              "(a text known only from citations)")
    as_of: str | None
    lapses_at: str | None = Field(description="for a text adopted for one period between "
                                              "meetings (a CMS Decision): the meeting it "
                                              "lasts until")
    paragraph_id: str | None
    removed_paragraphs: list[str]
    evidence: list[Evidence] = Field(description="what the status rests on")
    adoption: str
    adopted_by: str | None
    adoption_evidence: str | None
    identified_by: str | None
    acts: list[StatusAct]


class Review(BaseModel):
    convention: str
    as_of: str | None
    proposals: list[Proposal]


class ConventionCount(BaseModel):
    convention: str
    documents: int
    in_force: int


class Overview(BaseModel):
    conventions: list[ConventionCount]
    paragraphs: int
    mandates_by_status: dict[str, int]
    upcoming: list[Mandate]


class UserOut(BaseModel):
    name: str
    role: str
    active: bool


class UserIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)
    role: str = Field(description="reader, editor or admin")
    password: str = Field(min_length=10, max_length=1000)


def dump(obj: Any) -> Any:
    """A library object as the API returns it."""
    return obj.to_dict() if hasattr(obj, "to_dict") else obj
