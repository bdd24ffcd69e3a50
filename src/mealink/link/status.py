"""In force or not, and since when: pure rules over the lineage graph.

A text is out of force when another repeals, retires, supersedes or consolidates all of it,
or when a later version revises it; it is in force in part when only some paragraphs were
repealed or retired. "As of" a meeting or a date, only acts adopted by then count. A
citation that names a text without its revision ("Resolution 12.21") means the version in
force when the citing text was adopted.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from mealink.errors import MealinkError
from mealink.link.lineage import REMOVALS

__all__ = ["AsOf", "DocInfo", "EdgeInfo", "Status", "current_status", "parse_as_of",
           "pick_version", "status_of"]

PAST = {"repeals": "repealed", "retires": "retired", "supersedes": "superseded",
        "consolidates": "consolidated", "revises": "revised"}
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

    @property
    def adoption_order(self) -> int:
        return self.meeting if self.meeting is not None else 0


@dataclass(frozen=True, slots=True)
class EdgeInfo:
    """A lineage edge between stored documents (``paragraphs`` empty: the whole text)."""

    source: str
    relation: str
    target: str | None
    paragraphs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AsOf:
    """A point in time: a meeting number (in the convention of the text asked about) or a
    date."""

    label: str
    meeting: int | None = None
    day: date | None = None


@dataclass(frozen=True, slots=True)
class Status:
    """A text's status: ``state`` is 'in force', 'in force in part', 'repealed', 'retired',
    'superseded', 'consolidated', 'revised' or 'not yet adopted'."""

    state: str
    in_force: bool
    by: str | None = None
    acts: tuple[EdgeInfo, ...] = ()
    removed_paragraphs: tuple[str, ...] = field(default=())


def parse_as_of(text: str) -> AsOf:
    """'COP14', 'CoP19', 'MOP5', '2020', '2020-03' or '2020-03-01'."""
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
    raise MealinkError(f"--as-of {text!r}: give a meeting (COP14, CoP19, MOP5) or a date "
                       "(2020, 2020-03 or 2020-03-01)")


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


def status_of(doc: DocInfo, incoming: list[EdgeInfo], docs: dict[str, DocInfo],
              as_of: AsOf | None = None) -> Status:
    """The status of ``doc`` given the edges that point at it."""
    if as_of is not None and _adopted_by(doc, as_of, doc.convention) is False:
        return Status("not yet adopted", False)
    acts = [e for e in incoming if e.relation in REMOVALS or e.relation == "revises"]
    if as_of is not None:
        acts = [e for e in acts if _adopted_by(docs[e.source], as_of, doc.convention)
                is not False]
    acts.sort(key=lambda e: (docs[e.source].adoption_order, e.source, e.relation, e.paragraphs))
    full = [e for e in acts if not e.paragraphs]
    if full:
        first = full[0]
        return Status(PAST[first.relation], False, first.source, tuple(acts))
    removed = tuple(dict.fromkeys(p for e in acts for p in e.paragraphs))
    if removed:
        return Status("in force in part", True, acts[0].source, tuple(acts), removed)
    return Status("in force", True)


def current_status(docs: dict[str, DocInfo], edges: list[EdgeInfo]) -> dict[str, Status]:
    """The status of every document today."""
    incoming: dict[str, list[EdgeInfo]] = defaultdict(list)
    for e in edges:
        if e.target is not None and e.target in docs and e.source in docs \
                and e.target != e.source:
            incoming[e.target].append(e)
    return {d: status_of(info, incoming.get(d, []), docs) for d, info in docs.items()}
