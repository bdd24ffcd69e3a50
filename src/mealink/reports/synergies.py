"""The overlap report for people: a print-ready HTML page (shared words marked) and a
spreadsheet with one sheet each for the pairs, the clusters and the issues."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from mealink.reports.tables import write_xlsx
from mealink.store.synergies import OverlapReport

__all__ = ["marked", "render_overlaps_html", "write_overlaps_xlsx"]

PAIR_COLUMNS = ["similarity", "topics", "shared_terms", "a_convention", "a_document",
                "a_paragraph", "a_actors", "a_action", "b_convention", "b_document",
                "b_paragraph", "b_actors", "b_action", "a_paragraph_id", "b_paragraph_id"]
CLUSTER_COLUMNS = ["cluster", "topic", "conventions", "convention", "document", "paragraph",
                   "actors", "action", "paragraph_id"]
ISSUE_COLUMNS = ["issue", "lead", "evidence", "convention", "mandates", "texts", "addressees",
                 "earliest", "dedicated", "standing_bodies", "score"]


def marked(text: str, spans: tuple[tuple[int, int], ...] | list[tuple[int, int]]) -> Markup:
    """``text`` escaped, with the spans wrapped in <mark>."""
    out: list[str] = []
    at = 0
    for s, e in sorted(spans):
        if s < at:
            continue
        out.append(str(escape(text[at:s])))
        out.append(f"<mark>{escape(text[s:e])}</mark>")
        at = e
    out.append(str(escape(text[at:])))
    return Markup("".join(out))


@cache
def _env() -> Environment:
    env = Environment(loader=PackageLoader("mealink.reports", "templates"),
                      autoescape=select_autoescape(["html"]), trim_blocks=True,
                      lstrip_blocks=True)
    env.filters["marked"] = marked
    return env


def render_overlaps_html(report: OverlapReport, labels: dict[str, str]) -> str:
    """The report as one self-contained HTML page, styled for A4 print."""
    return _env().get_template("overlaps.html").render(
        r=report, labels=labels, generated=datetime.now(UTC))


def _pair_rows(report: OverlapReport) -> list[dict[str, Any]]:
    return [{"similarity": round(o.similarity, 3), "topics": list(o.topics),
             "shared_terms": list(o.shared),
             **{f"{side}_{k}": v for side, m in (("a", o.a), ("b", o.b)) for k, v in (
                 ("convention", m.convention), ("document", m.document),
                 ("paragraph", m.number), ("actors", list(m.actors)), ("action", m.action),
                 ("paragraph_id", m.paragraph_id))}} for o in report.pairs]


def write_overlaps_xlsx(report: OverlapReport, path: str | Path) -> None:
    """Pairs, clusters and issues, one sheet each."""
    clusters = [{"cluster": n, "topic": c.label, "conventions": list(c.conventions),
                 "convention": m.convention, "document": m.document, "paragraph": m.number,
                 "actors": list(m.actors), "action": m.action, "paragraph_id": m.paragraph_id}
                for n, c in enumerate(report.clusters, start=1) for m in c.members]
    issues = [{"issue": i.label, "lead": i.lead, "evidence": list(i.evidence),
               "convention": s.convention, "mandates": s.mandates, "texts": list(s.texts),
               "addressees": [f"{a} ({n})" for a, n in s.addressees],
               "earliest": s.earliest, "dedicated": list(s.dedicated),
               "standing_bodies": list(s.standing), "score": round(s.score, 3)}
              for i in report.issues for s in i.shares]
    write_xlsx(path, [("Overlapping mandates", PAIR_COLUMNS, _pair_rows(report)),
                      ("Clusters", CLUSTER_COLUMNS, clusters),
                      ("Issues and leads", ISSUE_COLUMNS, issues)],
               widths={"a_action": 60, "b_action": 60, "action": 60, "evidence": 50})
