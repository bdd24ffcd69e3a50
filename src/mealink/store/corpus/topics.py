"""Topics in the store: the vocabulary kept in ``topics``, and how many paragraphs of each
convention carry each topic."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select, text

from mealink.annotate.topics import topic_vocabulary
from mealink.store.engine.database import Store
from mealink.store.engine.schema import TopicRow

__all__ = ["TopicCount", "sync_topics", "topic_counts"]


@dataclass(frozen=True, slots=True)
class TopicCount:
    """A topic and the paragraphs that carry it, per convention."""

    id: str
    label: str
    broader: tuple[str, ...]
    leo: bool
    paragraphs: int
    by_convention: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "broader": list(self.broader),
                "leo": self.leo, "paragraphs": self.paragraphs,
                "by_convention": self.by_convention}


def sync_topics(conn: Connection) -> None:
    """Add the vocabulary's topics the ``topics`` table lacks (paragraph topics refer to it)."""
    concepts = topic_vocabulary().concepts
    have = set(conn.execute(select(TopicRow.id)).scalars())
    new = [{"id": c.id, "label": c.label, "broader": c.broader[0] if c.broader else None}
           for c in concepts.values() if c.id not in have]
    if new:
        conn.execute(insert(TopicRow), new)


def topic_counts(store: Store, *, min_score: float = 0.0, in_force: bool | None = None
                 ) -> list[TopicCount]:
    """Every topic of the vocabulary with its paragraph counts per convention, most used
    first (topics no paragraph carries included, with zero)."""
    where = " AND p.in_force = :f" if in_force is not None else ""
    with store.engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT t.topic_id, coalesce(p.convention, '?') AS convention, count(*) AS n "
            "FROM paragraph_topics t JOIN paragraphs p ON p.pk = t.paragraph_pk "
            f"WHERE t.score >= :s{where} GROUP BY t.topic_id, p.convention"),
            {"s": min_score, "f": in_force}).all()
    counts: dict[str, dict[str, int]] = {}
    for r in rows:
        counts.setdefault(r.topic_id, {})[r.convention] = int(r.n)
    out = [TopicCount(c.id, c.label, c.broader, c.leo, sum(counts.get(c.id, {}).values()),
                      dict(sorted(counts.get(c.id, {}).items(), key=lambda kv: -kv[1])))
           for c in topic_vocabulary().concepts.values()]
    return sorted(out, key=lambda t: (-t.paragraphs, t.label))
