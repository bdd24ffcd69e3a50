"""Facets of a search: how many matching paragraphs each convention, meeting, kind, verb,
actor and in-force state holds, under the filters already chosen, so a reader sees where
the hits are before narrowing to them. Same answers on SQLite (FTS5) and PostgreSQL.

The total is always exact. When more than ``SAMPLE`` paragraphs match, the values are
counted on a sample of about ``SAMPLE`` of them (chosen by a hash of the row, the same for
every query) and scaled to the total, and each says it is "about" that many: counting every
match of a common word took most of a search page's time.
"""

from __future__ import annotations

from collections.abc import Sequence
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
#: Past this many matching paragraphs, values are counted on a sample of about this many.
SAMPLE = 2_000
#: The sample: the rows whose bucket, the top 12 bits of a 32-bit multiplicative hash of the
#: row key (Knuth's), falls below a bound; integer arithmetic both engines do alike.
_BUCKET = "(({key} * 2654435761) % 4294967296) / 1048576"
_BUCKETS = 4096


@dataclass(frozen=True, slots=True)
class FacetValue:
    """One value of a facet: what to filter on, how to show it, how many hits it holds."""

    value: str
    label: str
    count: int
    #: True when ``count`` is an estimate from a sample of the matches
    about: bool = False

    @property
    def shown(self) -> str:
        """The count as a reader sees it: '1,234', or 'about 1,200' when estimated."""
        return f"about {self.count:,}" if self.about else f"{self.count:,}"


@dataclass(slots=True)
class Facets:
    """Every facet of one search, and the number of hits in all (always exact); ``sampled``
    is how many of them the values were counted on when that is fewer (None: all)."""

    total: int = 0
    sampled: int | None = None
    convention: list[FacetValue] = field(default_factory=list)
    meeting: list[FacetValue] = field(default_factory=list)
    kind: list[FacetValue] = field(default_factory=list)
    verb: list[FacetValue] = field(default_factory=list)
    actor: list[FacetValue] = field(default_factory=list)
    in_force: list[FacetValue] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"total": self.total, "sampled": self.sampled, **{
            name: [{"value": v.value, "label": v.label, "count": v.count, "about": v.about}
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


def _estimate(n: int, scale: float | None) -> int:
    """A sampled count scaled to the whole, to two significant figures (at least 1)."""
    if scale is None:
        return n
    guess = n * scale
    step = 10 ** max(0, len(str(int(guess))) - 2)
    return int(max(1, round(guess / step) * step))


def _top(counts: dict[tuple[str, str], int], n: int | None = TOP,
         scale: float | None = None) -> list[FacetValue]:
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0][1]))
    return [FacetValue(v, label, _estimate(c, scale), scale is not None)
            for (v, label), c in ranked[:n]]


def facets(store: Store, query: str, filters: SearchFilters | None = None, *,
           sample: int | None = None) -> Facets:
    """Counts of the paragraphs matching ``query`` and ``filters`` by each facet; past
    ``sample`` matches (default ``SAMPLE``), estimated from a sample of about that many."""
    cap = SAMPLE if sample is None else sample
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
    index_only = not where and store.dialect == "sqlite"  # the index's rowids are the keys
    rowid = "paragraphs_fts.rowid" if index_only else "p.pk"
    with store.engine.connect() as conn:
        total = int(conn.execute(text(
            f"SELECT count(*) {'FROM paragraphs_fts ' if index_only else joins}"
            f"WHERE {match}{where}"), params).scalar() or 0)
        scale: float | None = None
        grouped = ("SELECT p.convention, p.meeting, p.kind, p.verb, p.in_force, count(*) "
                   f"{joins} WHERE {match}{where}{{sample}} "
                   "GROUP BY p.convention, p.meeting, p.kind, p.verb, p.in_force")
        rows: Sequence[Any] = []
        if total > cap:  # the sample's rows are told apart before their paragraph is read
            bound = -(-_BUCKETS * cap // total)
            sample_where = f" AND {_BUCKET.format(key=rowid)} < {bound}"
            rows = conn.execute(text(grouped.format(sample=sample_where)), params).all()
            sampled = sum(int(r[5]) for r in rows)
            if sampled:
                out.sampled, scale, where = sampled, total / sampled, where + sample_where
        if total and scale is None:
            rows = conn.execute(text(grouped.format(sample="")), params).all()
        actors = conn.execute(text(
            f"SELECT a.canonical, count(DISTINCT a.paragraph_pk) AS n "
            f"{'FROM paragraphs_fts ' if index_only else joins}"
            f"JOIN paragraph_actors a ON a.paragraph_pk = {rowid} "
            f"WHERE {match}{where} AND a.canonical IS NOT NULL "
            "GROUP BY a.canonical ORDER BY n DESC, a.canonical LIMIT :top"),
            {**params, "top": TOP}).all() if rows else []
    bodies = {c.id: c.meeting for c in vocabulary().conventions}
    out.total = total
    for c, m, k, v, inf, n in rows:
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
    out.convention = _top(conv, None, scale)
    out.meeting = _top(meeting, TOP, scale)
    out.kind = _top(kind, None, scale)
    out.verb = _top(verb, TOP, scale)
    out.in_force = _top(force, None, scale)
    out.actor = [FacetValue(a, a, _estimate(int(n), scale), scale is not None)
                 for a, n in actors]
    return out
