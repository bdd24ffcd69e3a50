"""A work plan's progress report a secretariat can table at a meeting: per activity, what
it is, who leads, its mandates, timetable, status, latest progress and evidence, with what
is overdue at the report's date listed first; as print-ready HTML, or as a spreadsheet."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from mealink.mandates.knowledge import knowledge
from mealink.reports.progress import _env
from mealink.reports.tables import write_xlsx
from mealink.store.workplans.views import ROW_COLUMNS, PlanView

__all__ = ["render_plan_html", "write_plan_xlsx"]


def render_plan_html(plan: PlanView, now: datetime | None = None) -> str:
    """The plan's report as one self-contained HTML page, styled for A4 print."""
    return _env().get_template("workplan.html").render(
        p=plan, meanings=knowledge().statuses, generated=now or datetime.now(UTC))


def write_plan_xlsx(plans: list[PlanView], path: str | Path) -> None:
    """One sheet per plan, a row per activity (its mandates and latest progress)."""
    write_xlsx(path, [(p.id, ROW_COLUMNS, [a.row() for a in p.activities]) for p in plans],
               {"activity": 60, "mandates": 40, "latest_note": 40, "unresolved": 30})
