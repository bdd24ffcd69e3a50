"""Facets of a search: how many matching paragraphs each convention, meeting, kind, verb,
actor and in-force state holds, under the filters already chosen, so a reader sees where
the hits are before narrowing to them. Same answers on SQLite (FTS5) and PostgreSQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text

from mealink.errors import MealinkError
from mealink.store.engine.database import Store
from mealink.store.search.hits import SearchFilters
from mealink.store.search.keyword import _DOCUMENTS, _WORD, _filters, fts5_query
from mealink.vocabulary import vocabulary

__all__ = ["FacetValue", "Facets", "facets"]

#: At most this many values of the many-valued facets (verbs, actors, meetings).
TOP = 12


@dataclass(frozen=True, slots=True)
class FacetValue:
    """One value of a facet: what to filter on, how to show it, how many hits it holds."""

    value: str
    label: str
    count: int


@dataclass(slots=True)
class Facets:
    """Every facet of one search, and the number of hits in all."""

    total: int = 0
    convention: list[FacetValue] = field(default_factory=list)
    meeting: list[FacetValue] = field(default_factory=list)
    kind: list[FacetValue] = field(default_factory=list)
    verb: list[FacetValue] = field(default_factory=list)
    actor: list[FacetValue] = field(default_factory=list)
    in_force: list[FacetValue] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"total": self.total, **{
            name: [{"value": v.value, "label": v.label, "count": v.count}
                   for v in getattr(self, name)]
            for name in ("convention", "meeting", "kind", "verb", "actor", "in_force")}}


def _match(store: Store, query: str, params: dict[str, Any], documents: bool
           ) -> tuple[str, str]:
    """(FROM with joins, WHERE condition) of the paragraphs that match ``query``; documents
    are joined only when a filter names one (paragraphs carry convention and meeting)."""
    docs = _DOCUMENTS if documents else ""
    if store.dialect == "sqlite":
        params["q"] = fts5_query(query)
        return ("FROM paragraphs_fts JOIN paragraphs p ON p.pk = paragraphs_fts.rowid "
                f"{docs}", "paragraphs_fts MATCH :q")
    if not _WORD.search(query):
        raise MealinkError("the search query has no words to look for")
    params["q"] = query
    return (f"FROM paragraphs p {docs}", "p.search @@ websearch_to_tsquery('english', :q)")


def _top(counts: dict[tuple[str, str], int], n: int | None = TOP) -> list[FacetValue]:
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0][1]))
    return [FacetValue(v, label, c) for (v, label), c in ranked[:n]]


def facets(store: Store, query: str, filters: SearchFilters | None = None) -> Facets:
    """Counts of the paragraphs matching ``query`` and ``filters`` by each facet."""
    f = filters or SearchFilters()
    params: dict[str, Any] = {}
    joins, match = _match(store, query, params, bool(f.document))
    where = _filters(f, params)
    out = Facets()
    conv: dict[tuple[str, str], int] = {}
    meeting: dict[tuple[str, str], int] = {}
    kind: dict[tuple[str, str], int] = {}
    verb: dict[tuple[str, str], int] = {}
    force: dict[tuple[str, str], int] = {}
    with store.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT p.convention, p.meeting, p.kind, p.verb, p.in_force, count(*) "
            f"{joins} WHERE {match}{where} "
            "GROUP BY p.convention, p.meeting, p.kind, p.verb, p.in_force"), params).all()
        if not where and store.dialect == "sqlite":  # the index's rowids are the keys
            joins = "FROM paragraphs_fts "
            rowid = "paragraphs_fts.rowid"
        else:
            rowid = "p.pk"
        actors = conn.execute(text(
            f"SELECT a.canonical, count(DISTINCT a.paragraph_pk) AS n {joins} "
            f"JOIN paragraph_actors a ON a.paragraph_pk = {rowid} "
            f"WHERE {match}{where} AND a.canonical IS NOT NULL "
            "GROUP BY a.canonical ORDER BY n DESC, a.canonical LIMIT :top"),
            {**params, "top": TOP}).all() if rows else []
    bodies = {c.id: c.meeting for c in vocabulary().conventions}
    for c, m, k, v, inf, n in rows:
        out.total += n
        cname = c or "other"
        conv[(cname, cname)] = conv.get((cname, cname), 0) + n
        if m is not None and c:
            key = (f"{c}:{m}", f"{c} {bodies.get(c, 'meeting ')}{m}")
            meeting[key] = meeting.get(key, 0) + n
        kind[(k, k)] = kind.get((k, k), 0) + n
        if v:
            verb[(v, v)] = verb.get((v, v), 0) + n
        fk = ("true", "in force") if inf else ("false", "not in force")
        force[fk] = force.get(fk, 0) + n
    out.convention = _top(conv, None)
    out.meeting = _top(meeting)
    out.kind = _top(kind, None)
    out.verb = _top(verb)
    out.in_force = _top(force, None)
    out.actor = [FacetValue(a, a, int(n)) for a, n in actors]
    return out
