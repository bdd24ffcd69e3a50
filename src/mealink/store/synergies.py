"""Synergies read from the store: in-force mandates as items with topics and action vectors,
the overlaps among them, and the duplication report per cross-cutting issue."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import text

from mealink.annotate.actors import canonical_names
from mealink.annotate.topics import find_topics, topic_vocabulary
from mealink.errors import MealinkError
from mealink.link.status import NOT_ADOPTED_KINDS
from mealink.mandates.deadlines import Calendar
from mealink.semantic.encoder import Encoder
from mealink.store.engine.database import Store
from mealink.store.engine.reader import SqlReader
from mealink.store.mandates import calendar_for
from mealink.store.search.keyword import _convention_id
from mealink.store.search.vectors import vectors_of
from mealink.synergies.leads import IssueReport, KnownText, issue_reports
from mealink.synergies.overlaps import Cluster, MandateItem, Overlap, clusters_of, find_overlaps
from mealink.synergies.rules import SynergyRules, synergy_rules
from mealink.vocabulary import vocabulary

__all__ = ["OverlapReport", "mandate_items", "overlap_report", "topic_id", "topic_ids",
           "topic_labels"]


@dataclass(frozen=True, slots=True)
class OverlapReport:
    """Overlapping mandates (pairs and clusters) and the issues they fall under."""

    pairs: tuple[Overlap, ...]
    clusters: tuple[Cluster, ...]
    issues: tuple[IssueReport, ...]
    threshold: float
    mandates: int  # in-force mandate items compared
    filters: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {"threshold": self.threshold, "mandates_compared": self.mandates,
                "filters": self.filters, "pairs": [p.to_dict() for p in self.pairs],
                "clusters": [c.to_dict() for c in self.clusters],
                "issues": [i.to_dict() for i in self.issues]}


def topic_labels() -> dict[str, str]:
    """Topic id -> preferred label."""
    return {c.id: c.label for c in topic_vocabulary().concepts.values()}


def topic_id(name: str) -> str:
    """The id of a topic given by id, label or alternative label (any case)."""
    lower = name.strip().lower()
    found = next((c.id for c in topic_vocabulary().concepts.values()
                  if lower in (c.id, c.label.lower(), *(a.lower() for a in c.alt))), None)
    if found is None:
        raise MealinkError(f"unknown topic {name!r}; `mealink topics` lists them")
    return found


def topic_ids(name: str) -> set[str]:
    """A topic given by id or label, with every narrower topic under it."""
    vocab = topic_vocabulary()
    first = topic_id(name)
    out = {first}
    todo = [first]
    while todo:
        for n in vocab.concepts[todo.pop()].narrower:
            if n not in out:
                out.add(n)
                todo.append(n)
    return out


_ITEMS = ("SELECT m.id, m.paragraph_id, m.document_id, m.document_label, m.document_title, "
          "m.convention, m.paragraph_number, m.actor, m.role, m.action, m.status, p.pk, "
          "d.adopted_on, d.meeting FROM mandates m JOIN paragraphs p ON p.id = m.paragraph_id "
          "JOIN documents d ON d.id = m.document_id WHERE m.in_force = :yes "
          "AND m.convention IS NOT NULL ORDER BY m.document_id, m.seq")


def mandate_items(store: Store, *, conventions: list[str] | None = None,
                  actor: str | None = None, topics: set[str] | None = None,
                  rules: SynergyRules | None = None) -> list[MandateItem]:
    """In-force mandates grouped per paragraph and addressee family, with their topics."""
    r = rules or synergy_rules()
    wanted = {_convention_id(c).upper() for c in conventions} if conventions else None
    who = actor.strip().lower() if actor else None
    canonical = canonical_names().get(who or "") if who else None
    with store.engine.connect() as conn:
        rows = conn.execute(text(_ITEMS), {"yes": True}).all()
        calendar = calendar_for(SqlReader(conn))
        topic_rows = conn.execute(text(
            "SELECT paragraph_pk, topic_id FROM paragraph_topics WHERE score >= :s "
            "ORDER BY score DESC"), {"s": r.topic_min_score}).all()
    by_pk: dict[int, list[str]] = {}
    for t in topic_rows:
        by_pk.setdefault(t.paragraph_pk, []).append(t.topic_id)
    titles: dict[str, tuple[str, ...]] = {}
    grouped: dict[str, list[Any]] = {}
    for row in rows:
        if wanted is not None and row.convention.upper() not in wanted:
            continue
        family = r.family(row.role, row.actor)
        grouped.setdefault(f"{row.paragraph_id}/{family}", []).append((row, family))
    items = []
    for key, members in grouped.items():
        first, family = members[0]
        actors = tuple(dict.fromkeys(m.actor for m, _ in members))
        if who and not any(who in (m.actor.lower(), (m.role or "").lower(), family.lower())
                           or m.actor == canonical for m, _ in members):
            continue
        mine = tuple(by_pk.get(first.pk, ()))
        if topics is not None and not set(mine) & topics:
            continue
        title = first.document_title or ""
        if title not in titles:
            titles[title] = tuple(t.id for t in find_topics(title, 0, len(title)))
        items.append(MandateItem(
            key, first.paragraph_id, first.document_id, first.document_label,
            first.convention, first.paragraph_number, family, actors, first.action,
            first.status, tuple(m.id for m, _ in members), mine,
            _day(first.adopted_on, first.convention, first.meeting, calendar), titles[title]))
    return items


def _day(adopted_on: Any, convention: str | None, meeting: int | None,
         calendar: Calendar) -> str | None:
    """The ISO date a text was adopted: its own, else the end of the meeting that adopted it
    (a CITES decision page gives its number, which gives the meeting, not a date)."""
    if adopted_on:
        return str(adopted_on)[:10]
    end = calendar.end_of(convention, "COP", meeting)
    return end.isoformat() if end else None


_CITED = ("SELECT DISTINCT pt.topic_id, p.convention AS source, d.label, d.adoption, "
           "p.anchor, t.id AS target_id, t.convention AS target, t.label AS target_label, "
           "t.adopted_on, t.meeting, t.status, t.is_stub, c.target_key FROM citations c "
           "JOIN paragraphs p ON p.pk = c.paragraph_pk "
           "JOIN paragraph_topics pt ON pt.paragraph_pk = p.pk "
           "JOIN documents d ON d.id = p.document_id "
           "LEFT JOIN documents t ON t.id = c.target_id "
           "WHERE pt.score >= :s AND c.target_key IS NOT NULL AND p.convention IS NOT NULL")
#: statuses of a cited text that leave it in force, or at least not known to be out of it
_LIVE = ("in force", "in force in part", "no repeal known")


def cited_on_topics(store: Store, min_score: float
                    ) -> tuple[dict[str, dict[str, tuple[str, ...]]],
                               dict[str, dict[str, tuple[KnownText, ...]]]]:
    """Per topic and convention: the texts of other conventions whose paragraphs on the
    topic cite that convention's texts (CMS Resolution 13.5 recalling CBD decision XIV/11),
    and that convention's texts known only from those citations (their own text not in the
    corpus, and nothing known ends them), with their dates (for the earliest text on the
    issue). Drafts and subsidiary bodies' texts cite for nothing."""
    with store.engine.connect() as conn:
        rows = conn.execute(text(_CITED), {"s": min_score}).all()
        calendar = calendar_for(SqlReader(conn))
    out: dict[str, dict[str, dict[str, None]]] = {}
    known: dict[str, dict[str, dict[str, KnownText]]] = {}
    for r in rows:
        if r.adoption in NOT_ADOPTED_KINDS:
            continue
        target = r.target or _convention_id(r.target_key.split("/", 1)[0])
        if target and target.upper() != r.source.upper():
            out.setdefault(r.topic_id, {}).setdefault(target, {})[r.label] = None
        day = _day(r.adopted_on, r.target, r.meeting, calendar) if r.target_id else None
        if r.target and day and r.status in _LIVE and r.is_stub:
            where = f"{r.label} ({r.anchor.replace('_', ' ')})"
            mine = known.setdefault(r.topic_id, {}).setdefault(r.target, {})
            if r.target_label not in mine or where < mine[r.target_label].cited_in:
                mine[r.target_label] = KnownText(r.target, r.target_label, day, where)
    return ({t: {c: tuple(sorted(labels)) for c, labels in by.items()}
             for t, by in out.items()},
            {t: {c: tuple(sorted(texts.values(), key=lambda k: (k.adopted, k.label)))
                 for c, texts in by.items()} for t, by in known.items()})


def _known_conventions(names: list[str]) -> None:
    """Refuse a convention mealink does not know, in one line naming it and the known ones
    (an unknown one would silently match nothing)."""
    known = [c.id for c in vocabulary().conventions]
    lower = {k.lower() for k in known}
    for name in names:
        if name.lower() not in lower:
            raise MealinkError(f"convention {name!r} is not one mealink knows; known: "
                               f"{', '.join(known)}")


def overlap_report(store: Store, *, topic: str | None = None, actor: str | None = None,
                   conventions: list[str] | None = None, threshold: float | None = None,
                   model: Encoder | None = None) -> OverlapReport:
    """Overlapping in-force mandates across conventions, their clusters and the issues."""
    rules = synergy_rules()
    t = rules.overlap_threshold if threshold is None else threshold
    if not 0.0 < t <= 1.0:
        raise MealinkError(f"threshold {t}: give a cosine between 0 and 1 (default "
                           f"{rules.overlap_threshold})")
    _known_conventions(conventions or [])
    wanted = topic_ids(topic) if topic else None
    items = mandate_items(store, conventions=conventions, actor=actor, topics=wanted,
                          rules=rules)
    vectors = vectors_of(store, [i.action for i in items], model=model)
    pairs = find_overlaps(items, vectors, t)
    labels = topic_labels()
    issue_topics = [topic_id(topic)] if topic else None
    # the issues: every topic the (convention- and actor-filtered) mandates address
    all_items = items if topic is None else mandate_items(
        store, conventions=conventions, actor=actor, rules=rules)
    cited, known = cited_on_topics(store, rules.topic_min_score)
    issues = issue_reports(all_items, labels, rules, topics=issue_topics, cited=cited,
                           known=known)
    filters = {"topic": topic, "actor": actor, "conventions": conventions}
    return OverlapReport(tuple(pairs), tuple(clusters_of(pairs, labels)), tuple(issues), t,
                         len(items), filters)
