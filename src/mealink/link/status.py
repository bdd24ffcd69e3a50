"""In force or not, since when, and on what evidence: pure rules over the lineage graph.

A status is a claim someone may table at a meeting, so it says only what the evidence
shows, and names that evidence (DESIGN.md, "What a status answer may say"):

- **repealed, retired, superseded, consolidated** (in full, or some paragraphs): a stored
  text says so; the evidence is the paragraph that does it;
- **replaced**: a later version of the same text is known (stored, or cited with its
  revision mark);
- **expected to have lapsed**: a rule of its convention (``data/instruments.toml``: a CMS
  Decision lasts until the next COP), that meeting has been held, and no stored text keeps
  it; the evidence is the rule and the meeting;
- **not adopted**: a draft, a subsidiary body's recommendation, a text of another body;
- **no repeal known**: the text is known only from citations and nothing known acts on it
  (``in_force`` is None: unknown, not "in force");
- **in force**: the text is stored and nothing known acts on it.

"As of" a meeting or a date, only acts adopted by then count. A citation that names a text
without its revision ("Resolution 12.21") means the version in force when the citing text
was adopted.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from mealink.errors import MealinkError
from mealink.instruments import UNTIL_NEXT_MEETING, instruments
from mealink.link.lineage import REMOVALS
from mealink.link.scopes import expand_paragraphs
from mealink.numbering import numbering

__all__ = ["NOT_ADOPTED_KINDS", "PAST", "AsOf", "DocInfo", "EdgeInfo", "Evidence",
           "MeetingsHeld", "Status", "current_status", "known_in_force", "meeting_label",
           "parse_as_of",
           "pick_version", "status_of"]

PAST = {"repeals": "repealed", "retires": "retired", "supersedes": "superseded",
        "consolidates": "consolidated", "revises": "replaced", "keeps": "kept"}
#: the adoption kinds (``parse.adoption``) of texts that ask nothing of anyone and end nothing
NOT_ADOPTED_KINDS = frozenset({"draft", "subsidiary body", "other body"})
_MEETING = re.compile(r"^(?P<body>COP|MOP|EA|UNEA|COP-MOP)\s?-?(?P<n>\d{1,2})$", re.I)
_DATE = re.compile(r"^(?P<y>(?:19|20)\d{2})(?:-(?P<m>\d{1,2})(?:-(?P<d>\d{1,2}))?)?$")


@dataclass(frozen=True, slots=True)
class DocInfo:
    """What the rules need of a document."""

    id: str
    work_id: str
    convention: str | None
    meeting: int | None
    adopted_on: date | None
    is_stub: bool
    revision: str | None
    label: str
    adopted_at: str | None = None
    type: str = "document"
    adoption: str = "unknown"
    adopted_by: str | None = None
    adoption_evidence: str | None = None
    #: the numbers of the texts it holds ('12.81', '12.82' for 'Decisions 12.81 and 12.82')
    numbers: tuple[str, ...] = ()
    #: what the page it was copied from says of its status ("Retired sections: paragraph 1.")
    page_status: str | None = None

    @property
    def adoption_order(self) -> int:
        return self.meeting if self.meeting is not None else 0

    @property
    def acts_with_force(self) -> bool:
        """Whether what this text says takes effect (not a draft, nor a recommendation of a
        subsidiary body, nor another body's text)."""
        return self.adoption not in NOT_ADOPTED_KINDS


@dataclass(frozen=True, slots=True)
class EdgeInfo:
    """A lineage edge between stored documents (``paragraphs`` empty: the whole text);
    ``paragraph_id`` is the paragraph of the source that creates it."""

    source: str
    relation: str
    target: str | None
    paragraphs: tuple[str, ...]
    paragraph_id: str | None = None
    target_key: str | None = None  # which text of the target it names ('cms/decision/12.82')


@dataclass(frozen=True, slots=True)
class Evidence:
    """One thing a status rests on, as a reader is shown it. ``kind`` is 'act' (a
    paragraph of a stored text), 'revision' (a later version), 'rule' (a rule of the
    convention), 'adoption' (who adopted it), 'keeps' (a text that kept it in force) or
    'none' (no evidence either way)."""

    kind: str
    text: str
    document_id: str | None = None
    paragraph_id: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return {"kind": self.kind, "text": self.text, "document_id": self.document_id,
                "paragraph_id": self.paragraph_id}


@dataclass(frozen=True, slots=True)
class AsOf:
    """A point in time: a meeting number (in the convention of the text asked about) or a
    date."""

    label: str
    meeting: int | None = None
    day: date | None = None


@dataclass(frozen=True, slots=True)
class Status:
    """A text's status and what it rests on. ``state`` is 'in force', 'in force in part',
    'repealed', 'retired', 'superseded', 'consolidated', 'replaced', 'expected to have
    lapsed', 'not adopted', 'no repeal known' or 'not yet adopted'; ``in_force`` is None
    when it cannot be told (a text known only from citations)."""

    state: str
    in_force: bool | None
    by: str | None = None
    acts: tuple[EdgeInfo, ...] = ()
    removed_paragraphs: tuple[str, ...] = field(default=())
    evidence: tuple[Evidence, ...] = ()
    lapsed_at: str | None = None
    page_removed: tuple[str, ...] = ()  # paragraphs the publisher's page says were retired


class MeetingsHeld(Protocol):
    """When meetings were held (``mealink.mandates.deadlines.Calendar`` is one)."""

    def held(self, convention: str | None, body: str | None, number: int | None,
             as_of: AsOf | None = None, as_of_convention: str | None = None) -> bool | None:
        """True when held by ``as_of`` (today when None), False when not, None when it
        cannot be told."""
        ...


def known_in_force(state: str, stored: bool) -> bool | None:
    """The three-valued in-force of a stored status row (``DocumentRow.in_force`` stores
    only what is known to be in force): None for 'no repeal known'."""
    return None if state == "no repeal known" else stored


def parse_as_of(text: str, name: str = "--as-of") -> AsOf:
    """'COP14', 'CoP19', 'MOP5', '2020', '2020-03' or '2020-03-01'; ``name`` is what the
    value is called where it was given (the CLI's option, the API's parameter)."""
    t = text.strip()
    m = _MEETING.match(t.replace(" ", ""))
    if m:
        return AsOf(t, meeting=int(m.group("n")))
    d = _DATE.match(t)
    if d:
        try:
            return AsOf(t, day=date(int(d.group("y")), int(d.group("m") or 12),
                                    int(d.group("d") or (31 if not d.group("m") else 28))))
        except ValueError:
            pass
    raise MealinkError(f"{name} {text!r}: give a meeting (COP14, CoP19, MOP5) or a date "
                       "(2020, 2020-03 or 2020-03-01)")


def meeting_label(convention: str | None, number: int) -> str:
    """'COP13' for CMS, 'CoP20' for CITES, 'MOP6' for AEWA."""
    return f"{numbering().meetings.get(convention or '', 'COP')}{number}"


def _no_later(a: DocInfo, b: DocInfo) -> bool:
    if a.convention == b.convention and a.meeting is not None and b.meeting is not None:
        return a.meeting <= b.meeting
    if a.adopted_on is not None and b.adopted_on is not None:
        return a.adopted_on <= b.adopted_on
    return False


def pick_version(key: str, citing: DocInfo | None, docs: dict[str, DocInfo],
                 keymap: dict[str, str], versions: dict[str, list[str]]) -> str | None:
    """The document a citation key means: the exact version when the citation names a
    revision, else the latest version adopted no later than the citing text."""
    target = keymap.get(key)
    if target is None or target not in docs:
        return None
    t = docs[target]
    if t.revision is not None or citing is None:
        return target
    best = target
    for vid in versions.get(t.work_id, ()):
        v = docs[vid]
        if vid != target and v.revision is not None and _no_later(v, citing):
            best = vid
    return best


def _adopted_by(doc: DocInfo, as_of: AsOf, convention: str | None) -> bool | None:
    """Whether ``doc`` was adopted by ``as_of``; None when it cannot be told."""
    if as_of.meeting is not None:
        if doc.convention == convention and doc.meeting is not None:
            return doc.meeting <= as_of.meeting
        return None
    if as_of.day is not None and doc.adopted_on is not None:
        return doc.adopted_on <= as_of.day
    return None


def _where(docs: dict[str, DocInfo], e: EdgeInfo) -> str:
    """'CMS Resolution 11.10 (COP11, Quito, 2014), para 28'."""
    src = docs[e.source]
    when = f" ({_short(src.adopted_at)})" if src.adopted_at else ""
    para = f", {e.paragraph_id.rsplit('/', 1)[-1].replace('_', ' ')}" if e.paragraph_id \
        else ""
    return f"{src.label}{when}{para}"


def _short(adopted_at: str) -> str:
    years = re.findall(r"\b(?:19|20)\d{2}\b", adopted_at)
    parts = [p.strip() for p in adopted_at.split(",") if not re.search(r"\d{4}", p)]
    return ", ".join(parts[:2] + years[-1:]) or adopted_at


def _act_evidence(docs: dict[str, DocInfo], e: EdgeInfo) -> Evidence:
    what = PAST[e.relation]
    if e.relation == "revises":
        src = docs[e.source]
        known = "known from citations" if src.is_stub else "stored"
        return Evidence("revision", f"{what} by a later version, {src.label} ({known})",
                        e.source, e.paragraph_id)
    scope = f"paragraphs {', '.join(e.paragraphs)} " if e.paragraphs else ""
    return Evidence("act", f"{scope}{what} by {_where(docs, e)}", e.source, e.paragraph_id)


def _not_adopted(doc: DocInfo) -> Evidence:
    why = doc.adoption_evidence or ""
    if doc.adoption == "draft":
        text = f"a draft, not an adopted text ({why})" if why else "a draft, not an adopted text"
    elif doc.adoption == "subsidiary body":
        body = f"the {doc.adopted_by}" if doc.adopted_by else "a subsidiary body"
        text = f"a text of {body}, not of the Conference of the Parties ({why})"
    else:
        body = f"the {doc.adopted_by}" if doc.adopted_by else "another body"
        text = f"a text of {body}, not of a convention's governing body ({why})"
    return Evidence("adoption", text)


def _number_of(key: str | None) -> str | None:
    return key.rsplit("/", 1)[-1] if key else None


def _lapse(doc: DocInfo, keeps: list[EdgeInfo], docs: dict[str, DocInfo],
           as_of: AsOf | None, meetings: MeetingsHeld | None
           ) -> tuple[bool | None, str | None, tuple[Evidence, ...], tuple[str, ...]]:
    """For a text adopted for one period between meetings: whether it is expected to have
    lapsed (None: cannot be told), at which meeting, the evidence, and the numbers of the
    texts of a group that lapsed while the others were kept."""
    span = instruments().lifespan(doc.convention, doc.type)
    if span is None or span.lasts != UNTIL_NEXT_MEETING or doc.meeting is None:
        return False, None, (), ()
    kept = [e for e in keeps if docs[e.source].meeting is not None]
    named = {_number_of(e.target_key) for e in kept}
    unkept = tuple(n for n in doc.numbers if n not in named) \
        if kept and None not in named and doc.numbers else ()

    def held(n: int) -> bool | None:
        return meetings.held(doc.convention, "COP", n, as_of, doc.convention) \
            if meetings is not None else None

    first = meeting_label(doc.convention, doc.meeting + 1)
    if unkept and held(doc.meeting + 1) is not True:
        unkept = ()  # the others are not gone before the meeting that did not keep them
    last = max([doc.meeting, *(docs[e.source].meeting or 0 for e in kept)])
    label = meeting_label(doc.convention, last + 1)
    ev: list[Evidence] = [Evidence("keeps", f"kept in force by {_where(docs, e)}"
                                   + (f" ({doc.type} {_number_of(e.target_key)})"
                                      if unkept else ""), e.source, e.paragraph_id)
                          for e in kept]
    if unkept:
        ev.append(Evidence("rule", f"{span.rule}; {', '.join(unkept)}, not kept, expected "
                                   f"to have lapsed at {first}"))
    is_held = held(last + 1)
    adopted = f"adopted at {meeting_label(doc.convention, doc.meeting)}"
    if is_held:
        ev.append(Evidence("rule", f"{span.rule}; {adopted}, it lasted until {label}, which "
                                   "has been held, and no stored text keeps it in force"
                           if not kept else f"{span.rule}; kept until {label}, which has "
                                            "been held"))
        return True, label, tuple(ev), ()
    if is_held is None:
        ev.append(Evidence("rule", f"{span.rule}; {adopted}, it lasts until {label}: mealink's "
                                   f"meeting calendar does not say whether {label} has been "
                                   "held"))
        return None, label, tuple(ev), unkept
    ev.append(Evidence("rule", f"{span.rule}; {adopted}, it lasts until {label}, which has "
                               "not been held yet"))
    return False, label, tuple(ev), unkept


def status_of(doc: DocInfo, incoming: list[EdgeInfo], docs: dict[str, DocInfo],
              as_of: AsOf | None = None, meetings: MeetingsHeld | None = None) -> Status:
    """The status of ``doc`` given the edges that point at it, and what it rests on."""
    if as_of is not None and _adopted_by(doc, as_of, doc.convention) is False:
        return Status("not yet adopted", False, evidence=(Evidence(
            "adoption", f"adopted at {meeting_label(doc.convention, doc.meeting or 0)}, after "
                        f"{as_of.label}"),))
    if not doc.acts_with_force:
        return Status("not adopted", False, evidence=(_not_adopted(doc),))
    edges = [e for e in incoming if e.source in docs and docs[e.source].acts_with_force
             and (as_of is None or _adopted_by(docs[e.source], as_of, doc.convention)
                  is not False)]
    acts = [e for e in edges if e.relation in REMOVALS or e.relation == "revises"]
    acts.sort(key=lambda e: (docs[e.source].adoption_order, e.source, e.relation, e.paragraphs))
    full = [e for e in acts if not e.paragraphs]
    if full:
        first = full[0]
        return Status(PAST[first.relation], False, first.source, tuple(acts),
                      evidence=tuple(_act_evidence(docs, e) for e in acts))
    page_state, page_parts, page_ev = _page_says(doc, as_of)
    if page_state is not None and page_ev is not None:
        return Status(page_state, False, acts=tuple(acts), evidence=(
            page_ev, *(_act_evidence(docs, e) for e in acts)))
    lapsed, at, lapse_ev, gone = _lapse(doc, [e for e in edges if e.relation == "keeps"],
                                        docs, as_of, meetings)
    if lapsed:
        return Status("expected to have lapsed", False, acts=tuple(acts), evidence=lapse_ev,
                      lapsed_at=at)
    removed = tuple(dict.fromkeys([*(p for e in acts for p in e.paragraphs), *gone,
                                   *page_parts]))
    if removed and doc.is_stub:  # some paragraphs ended; of the rest nothing is known
        return Status("no repeal known", None, acts[0].source if acts else None,
                      tuple(acts), removed,
                      (*(_act_evidence(docs, e) for e in acts),
                       Evidence("none", "its text is not in the corpus: of its other "
                                        "paragraphs there is no evidence either way"),
                       *lapse_ev), lapsed_at=at)
    if removed:
        return Status("in force in part", True, acts[0].source if acts else None,
                      tuple(acts), removed,
                      (*(_act_evidence(docs, e) for e in acts),
                       *((page_ev,) if page_ev is not None else ()),
                       Evidence("none", "no act against its other paragraphs in the corpus"),
                       *lapse_ev), lapsed_at=at, page_removed=page_parts)
    lasting = _lasting(doc) if not lapse_ev else ()
    if page_ev is not None:  # the page's word, not applied (a date was asked for)
        lasting = (page_ev, *lasting)
    if doc.is_stub:
        return Status("no repeal known", None, evidence=(
            Evidence("none", "its text is not in the corpus, and no stored text repeals, "
                             "replaces or retires it: no evidence either way"), *lapse_ev,
            *lasting), lapsed_at=at)
    return Status("in force", True, evidence=(
        Evidence("none", "no act against it in the corpus"), *lapse_ev, *lasting),
                  lapsed_at=at)


_PAGE_PARAGRAPHS = re.compile(r":\s*(?P<list>.*?)\.?$")


def _page_says(doc: DocInfo, as_of: AsOf | None
               ) -> tuple[str | None, tuple[str, ...], Evidence | None]:
    """What the publisher's page says of the text's status: retired or repealed in full
    (the relation's past), or some paragraphs retired; the page names no retiring text and
    no date, so it is evidence for today only."""
    said = doc.page_status
    if not said:
        return None, (), None
    quoted = f"the page it was copied from says '{said}'"
    if as_of is not None:
        return None, (), Evidence("page", f"{quoted}, without a date: not applied as of "
                                          f"{as_of.label}")
    lower = said.lower()
    m = _PAGE_PARAGRAPHS.search(said)
    names_parts = m is not None and ("paragraph" in lower or "section" in lower)
    parts = expand_paragraphs(m.group("list")) if m is not None and names_parts else ()
    ev = Evidence("page", f"{quoted}; the text that did so is not named")
    if parts:
        return None, parts, ev
    return ("repealed" if "repeal" in lower else "retired"), (), ev


def _lasting(doc: DocInfo) -> tuple[Evidence, ...]:
    """The rule a text that lasts until removed is under ('CITES Decisions stay in force
    until the Conference of the Parties deletes or revises them')."""
    span = instruments().lifespan(doc.convention, doc.type)
    return (Evidence("rule", span.rule),) if span is not None else ()


def current_status(docs: dict[str, DocInfo], edges: list[EdgeInfo],
                   meetings: MeetingsHeld | None = None) -> dict[str, Status]:
    """The status of every document today."""
    incoming: dict[str, list[EdgeInfo]] = defaultdict(list)
    for e in edges:
        if e.target is not None and e.target in docs and e.source in docs \
                and e.target != e.source:
            incoming[e.target].append(e)
    return {d: status_of(info, incoming.get(d, []), docs, meetings=meetings)
            for d, info in docs.items()}
