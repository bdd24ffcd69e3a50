"""Facets of a search: how many matching paragraphs each convention, meeting, kind, verb,
actor and in-force state holds, under the filters already chosen, so a reader sees where
the hits are before narrowing to them. Same answers on SQLite (FTS5) and PostgreSQL.

The total is always exact. When more than ``SAMPLE`` paragraphs match, the values are
counted on a sample of about ``SAMPLE`` of them (chosen by a hash of the row, the same for
every query) and scaled to the total, and each says it is "about" that many: counting every
match of a common word took most of a search page's time.

On SQLite the values are counted from each paragraph's facet values held in memory (read
once a corpus generation, like the sentence vectors): the index gives the rows that match,
and no paragraph or actor row is read for them (reading ~2,000 of each was most of the
facets' time at 100,000 paragraphs). PostgreSQL groups in the database.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import Connection, text

from mealink.errors import MealinkError
from mealink.store.engine.database import Store
from mealink.store.search.hits import SearchFilters
from mealink.store.search.keyword import _DOCUMENTS, _WORD, _filters, fts5_query
from mealink.store.search.postings import held
from mealink.store.search.vectors import generation
from mealink.store.search.words import word_query
from mealink.vocabulary import vocabulary

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["FacetValue", "Facets", "facets"]

#: At most this many values of the many-valued facets (verbs, actors, meetings).
TOP = 12
#: Past this many matching paragraphs, values are counted on a sample of about this many.
SAMPLE = 2_000
#: The sample: the rows whose bucket, the top 12 bits of a 32-bit multiplicative hash of the
#: row key (Knuth's), falls below a bound; integer arithmetic both engines do alike.
_HASH, _WORDS32, _TOP12 = 2654435761, 4294967296, 1048576
_BUCKET = f"(({{key}} * {_HASH}) % {_WORDS32}) / {_TOP12}"
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


#: the facet values one paragraph is grouped by: convention, meeting, kind, verb, in force
Group = tuple[str | None, int | None, str, str | None, bool]


def _group_order(g: Group) -> tuple[Any, ...]:
    """The order of SQLite's GROUP BY of the same columns (NULL first)."""
    c, m, k, v, inf = g
    return (c is not None, c or "", m is not None, m or 0, k, v is not None, v or "", inf)


@dataclass(frozen=True, slots=True)
class _Columns:
    """Every paragraph's facet values and the actors it addresses, by pk (ascending), as
    read at one corpus generation: the facets of a query count its matches' pks here."""

    generation: int
    pks: NDArray[np.int64]
    #: each paragraph's values, an index into ``groups``
    group: NDArray[np.intp]
    groups: tuple[Group, ...]
    #: paragraph i's distinct canonical actors: ``actor[starts[i]:starts[i + 1]]``
    starts: NDArray[np.intp]
    actor: NDArray[np.intp]
    actors: tuple[str, ...]

    def rows(self, pks: NDArray[np.int64], strict: bool
             ) -> tuple[list[tuple[Any, ...]], list[tuple[str, int]]] | None:
        """(the grouped rows, each group with its count; each actor with its count) of the
        paragraphs ``pks`` name; None when one is not held and ``strict`` (read again),
        else those not held are left out (a join would leave them out too)."""
        idx = np.searchsorted(self.pks, pks)
        held = idx < len(self.pks)
        held[held] = self.pks[idx[held]] == pks[held]
        if not held.all():
            if strict:
                return None
            idx = idx[held]
        counts = np.bincount(self.group[idx], minlength=len(self.groups))
        rows = sorted(((*self.groups[g], int(n)) for g, n in enumerate(counts) if n),
                      key=lambda r: _group_order(r[:5]))
        lo, hi = self.starts[idx], self.starts[idx + 1]
        lens = hi - lo
        n = int(lens.sum())
        acts: list[tuple[str, int]] = []
        if n:
            flat = np.arange(n) + np.repeat(lo - (np.cumsum(lens) - lens), lens)
            per = np.bincount(self.actor[flat], minlength=len(self.actors))
            acts = [(self.actors[a], int(per[a])) for a in np.flatnonzero(per)]
            acts.sort(key=lambda a: (-a[1], a[0]))  # SQLite: ORDER BY n DESC, canonical
        return rows, acts[:TOP]


def _read_columns(conn: Connection, gen: int) -> _Columns:
    """Every paragraph's facet values and actors, read now."""
    rows = conn.execute(text("SELECT pk, convention, meeting, kind, verb, in_force FROM "
                             "paragraphs ORDER BY pk")).all()
    index: dict[Group, int] = {}
    group = np.fromiter((index.setdefault((c, m, k, v, bool(inf)), len(index))
                         for _, c, m, k, v, inf in rows), dtype=np.intp, count=len(rows))
    pks = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    pairs = conn.execute(text("SELECT DISTINCT paragraph_pk, canonical FROM paragraph_actors "
                              "WHERE canonical IS NOT NULL ORDER BY paragraph_pk")).all()
    names: dict[str, int] = {}
    codes = np.fromiter((names.setdefault(c, len(names)) for _, c in pairs), dtype=np.intp,
                        count=len(pairs))
    of = np.fromiter((p for p, _ in pairs), dtype=np.int64, count=len(pairs))
    pos = np.searchsorted(pks, of)
    mine = pos < len(pks)
    mine[mine] = pks[pos[mine]] == of[mine]
    pos, codes = pos[mine], codes[mine]
    starts = np.searchsorted(pos, np.arange(len(pks) + 1))
    return _Columns(gen, pks, group, tuple(index), starts, codes, tuple(names))


_COLUMNS: dict[str, _Columns] = {}
_COLUMNS_LOCK = threading.Lock()


def _columns(conn: Connection, store: str, again: bool = False) -> _Columns:
    """The facet values of the corpus as it stands, read again when it has changed (or
    ``again``: a paragraph stored since is not held)."""
    gen = generation(conn)
    held = _COLUMNS.get(store)
    if held is not None and held.generation == gen and not again:
        return held
    with _COLUMNS_LOCK:
        held = _COLUMNS.get(store)
        if held is None or held.generation != gen or again:
            held = _COLUMNS[store] = _read_columns(conn, gen)
        return held


def _counted(conn: Connection, store: str, pks: NDArray[np.int64]
             ) -> tuple[list[tuple[Any, ...]], list[tuple[str, int]]]:
    """The grouped rows and the actors' counts of these paragraphs, from the columns."""
    got = _columns(conn, store).rows(pks, strict=True)
    if got is None:  # stored since the columns were read
        got = _columns(conn, store, again=True).rows(pks, strict=False)
        assert got is not None
    return got


def facets(store: Store, query: str, filters: SearchFilters | None = None, *,
           sample: int | None = None, total: int | None = None) -> Facets:
    """Counts of the paragraphs matching ``query`` and ``filters`` by each facet; past
    ``sample`` matches (default ``SAMPLE``), estimated from a sample of about that many.
    ``total``: how many match, when the caller counted them already (the ``matched`` of
    ``find``'s result for the same query and filters)."""
    cap = SAMPLE if sample is None else sample
    f = filters or SearchFilters()
    params: dict[str, Any] = {}
    joins, match = _match(store, query, params, bool(f.document))
    where = _filters(f, params)
    out = Facets()
    index_only = not where and store.dialect == "sqlite"  # the index's rowids are the keys
    rowid = "paragraphs_fts.rowid" if index_only else "p.pk"
    rows: Sequence[Any] = []
    actors: Sequence[Any] = []
    scale: float | None = None
    with store.engine.connect() as conn:
        index = held(store, conn) if index_only else None
        matching = index.matching(word_query(query)) if index is not None else None
        if matching is not None:  # the index held in memory gives the rows that match
            total = len(matching)
        elif total is None:
            total = int(conn.execute(text(
                f"SELECT count(*) {'FROM paragraphs_fts ' if index_only else joins}"
                f"WHERE {match}{where}"), params).scalar() or 0)
        if store.dialect == "sqlite":
            keys = (f"SELECT paragraphs_fts.rowid FROM paragraphs_fts WHERE {match}{{sample}}"
                    if index_only else f"SELECT p.pk {joins}WHERE {match}{where}{{sample}}")

            def counted(bound: int | None) -> tuple[Sequence[Any], Sequence[Any]]:
                """The facets of the matches, or of those whose bucket is below ``bound``."""
                if matching is not None:
                    pks = matching if bound is None else \
                        matching[((matching * _HASH) % _WORDS32) // _TOP12 < bound]
                else:  # as the driver reads them (~2,000 keys): a third of text()'s time
                    sample = "" if bound is None else \
                        f" AND {_BUCKET.format(key=rowid)} < {bound}"
                    pks = np.array(conn.exec_driver_sql(keys.format(sample=sample),
                                                        params).scalars().all(),
                                   dtype=np.int64)
                return _counted(conn, store.name, pks)

            if total > cap:
                rows, actors = counted(-(-_BUCKETS * cap // total))
                sampled = sum(int(r[5]) for r in rows)
                if sampled:
                    out.sampled, scale = sampled, total / sampled
            if total and scale is None:
                rows, actors = counted(None)
        else:
            rows, actors, scale, out.sampled = _grouped(conn, joins, match, where, rowid,
                                                        params, total, cap)
    return _tally(out, total, rows, actors, scale)


def _grouped(conn: Connection, joins: str, match: str, where: str, rowid: str,
             params: dict[str, Any], total: int, cap: int
             ) -> tuple[Sequence[Any], Sequence[Any], float | None, int | None]:
    """(the grouped rows, the actors' counts, the scale, how many were sampled) counted by
    the database."""
    scale: float | None = None
    sampled: int | None = None
    grouped = ("SELECT p.convention, p.meeting, p.kind, p.verb, p.in_force, count(*) "
               f"{joins} WHERE {match}{where}{{sample}} "
               "GROUP BY p.convention, p.meeting, p.kind, p.verb, p.in_force")
    rows: Sequence[Any] = []
    if total > cap:  # the sample's rows are told apart before their paragraph is read
        bound = -(-_BUCKETS * cap // total)
        sample_where = f" AND {_BUCKET.format(key=rowid)} < {bound}"
        rows = conn.execute(text(grouped.format(sample=sample_where)), params).all()
        n = sum(int(r[5]) for r in rows)
        if n:
            sampled, scale, where = n, total / n, where + sample_where
    if total and scale is None:
        rows = conn.execute(text(grouped.format(sample="")), params).all()
    actors = conn.execute(text(
        f"SELECT a.canonical, count(DISTINCT a.paragraph_pk) AS n {joins}"
        f"JOIN paragraph_actors a ON a.paragraph_pk = {rowid} "
        f"WHERE {match}{where} AND a.canonical IS NOT NULL "
        "GROUP BY a.canonical ORDER BY n DESC, a.canonical LIMIT :top"),
        {**params, "top": TOP}).all() if rows else []
    return rows, actors, scale, sampled


def _tally(out: Facets, total: int, rows: Sequence[Any], actors: Sequence[Any],
           scale: float | None) -> Facets:
    """The facets from the grouped rows and the actors' counts."""
    conv: dict[tuple[str, str], int] = {}
    meeting: dict[tuple[str, str], int] = {}
    kind: dict[tuple[str, str], int] = {}
    verb: dict[tuple[str, str], int] = {}
    force: dict[tuple[str, str], int] = {}
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
