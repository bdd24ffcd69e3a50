"""The keyword queries the store and web benchmarks time: 2-3 words typical of the field,
a few of them "phrases", fixed so that runs compare."""

from __future__ import annotations

from typing import Any

#: 2-3 word queries typical of the field, a few of them "phrases"; fixed, so runs compare.
#: Some are rare or absent in the corpus ("bycatch"), some match thousands of paragraphs
#: ("Conference of the Parties"): the latter are the slow ones, ranking every match.
QUERIES: tuple[str, ...] = (
    "invasive alien species", "climate change", "bycatch", "national reports",
    "capacity building", "Scientific Council", "migratory birds", "resources permitting",
    '"ecological connectivity"', "renewable energy", "marine debris", "wildlife trade",
    "financial resources", "technical assistance", "indigenous peoples", "protected areas",
    "wetland management", "Standing Committee", "sustainable use", "genetic resources",
    "Biosafety Clearing-House", "traditional knowledge", "persistent organic pollutants",
    "hazardous wastes", "environmentally sound management", "action plan",
    "voluntary contributions", "Executive Secretary", "ecosystem services", "habitat loss",
    '"Conference of the Parties"', "requests the Secretariat", "invites Parties",
    "programme of work", "marine turtles", '"national focal points"', "range States",
    "biodiversity loss", "trade in specimens", "Ramsar sites",
)


#: FTS5 alone, the limit a keyword page is set beside: the top 20 by bm25, and counting
#: every match (what a page's total needs)
FTS5_TOP20 = ("SELECT rowid, bm25(paragraphs_fts) AS s FROM paragraphs_fts WHERE "
              "paragraphs_fts MATCH :q ORDER BY s, rowid LIMIT 20")
FTS5_COUNT = "SELECT count(*) FROM paragraphs_fts WHERE paragraphs_fts MATCH :q"


def fts5_alone(store: Any, q: str, sql: str) -> None:
    """Run one of the FTS5-alone statements for query ``q`` (as mealink turns it into an
    FTS5 query) on a SQLite store."""
    from sqlalchemy import text

    from mealink.store.search.keyword import fts5_query

    with store.engine.connect() as conn:
        conn.execute(text(sql), {"q": fts5_query(q)}).all()
