"""A progress report a secretariat can table at a meeting: the mandates of one actor, in
force, grouped by resolution with deadlines first, each with its source paragraph, status,
latest progress and evidence; as print-ready HTML (and PDF through WeasyPrint when it is
installed), or as a spreadsheet."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from mealink.errors import MealinkError
from mealink.mandates.knowledge import knowledge
from mealink.store.engine.database import Store
from mealink.store.mandates import DigestGroup, digest

__all__ = ["ProgressReport", "build_report", "render_html", "report_rows", "write_pdf"]

COLUMNS = ["document", "paragraph", "paragraph_id", "actor", "strength", "action", "deadline",
           "due", "condition", "reporting_to", "status", "status_reason", "latest_date",
           "latest_by", "latest_note", "evidence", "paragraph_text"]


@dataclass(slots=True)
class ProgressReport:
    """What the report shows."""

    actor: str
    for_meeting: str | None
    convention: str | None
    generated: datetime
    groups: list[DigestGroup]
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def mandates(self) -> int:
        return sum(len(g.mandates) for g in self.groups)

    @property
    def title(self) -> str:
        conv = f"{self.convention} " if self.convention else ""
        return f"Progress on the {conv}mandates addressed to the {self.actor}"


def build_report(store: Store, actor: str, *, for_meeting: str | None = None,
                 convention: str | None = None, now: datetime | None = None
                 ) -> ProgressReport:
    """Gather the in-force mandates of ``actor`` for the report."""
    groups = digest(store, actor, convention=convention, in_force=True, with_text=True)
    if not groups:
        where = f" under {convention}" if convention else ""
        raise MealinkError(f"no mandate in force is addressed to {actor!r}{where}; "
                           "`mealink mandates` lists actors and their mandates")
    counts = Counter(m.status for g in groups for m in g.mandates)
    order = list(knowledge().statuses)
    return ProgressReport(actor, for_meeting, convention, now or datetime.now(UTC), groups,
                          {s: counts[s] for s in order if counts[s]})


def report_rows(report: ProgressReport) -> list[dict[str, Any]]:
    """One row per mandate, for the spreadsheet."""
    rows = []
    for g in report.groups:
        for m in g.mandates:
            latest = m.latest
            rows.append({
                "document": g.label, "paragraph": m.paragraph, "paragraph_id": m.paragraph_id,
                "actor": m.actor, "strength": m.strength, "action": m.action,
                "deadline": m.deadline.written if m.deadline else None,
                "due": m.deadline.label if m.deadline else "standing",
                "condition": m.condition, "reporting_to": m.reporting_to,
                "status": m.status, "status_reason": m.derived_reason,
                "latest_date": latest.recorded_at.date().isoformat() if latest else None,
                "latest_by": latest.author if latest else None,
                "latest_note": latest.note if latest else None,
                "evidence": list(latest.evidence) if latest else [],
                "paragraph_text": m.text,
            })
    return rows


@cache
def _env() -> Environment:
    return Environment(loader=PackageLoader("mealink.reports", "templates"),
                       autoescape=select_autoescape(["html"]), trim_blocks=True,
                       lstrip_blocks=True)


def render_html(report: ProgressReport) -> str:
    """The report as one self-contained HTML page, styled for A4 print."""
    return _env().get_template("progress.html").render(
        r=report, meanings=knowledge().statuses, labels=knowledge().strength_labels)


def write_pdf(html: str, path: str | Path) -> None:
    """Print the HTML to PDF with WeasyPrint (the optional ``mealink[pdf]`` extra)."""
    try:
        from weasyprint import HTML  # type: ignore[import-untyped]
    except (ImportError, OSError) as exc:
        raise MealinkError("PDF needs WeasyPrint: pip install 'mealink[pdf]' (and the Pango "
                           f"library), or write .html and print it ({exc})") from exc
    HTML(string=html).write_pdf(str(path))
