"""The work plan pages: the list of plans, one plan with its activities (their mandates,
timetable, status, progress and what is overdue) and the form editors record progress
with. ``?format=json`` / ``?format=csv`` give the same rows as the API and the CLI."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from mealink.mandates.knowledge import knowledge
from mealink.store.engine.database import Store
from mealink.store.progress import evidence_links
from mealink.store.workplans.progress import add_activity_progress
from mealink.store.workplans.views import ROW_COLUMNS, list_plans, plan_view
from mealink.web.pages import render
from mealink.web.render import csv_response
from mealink.web.security import check_csrf, may_read, require

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
Str = Annotated[str | None, Query(max_length=200)]


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


@router.get("/workplans", response_class=HTMLResponse)
def workplans_page(request: Request, as_of: Str = None, format: Str = None) -> Response:
    may_read(request)
    plans = list_plans(_store(request), as_of)
    if format == "json":
        return JSONResponse([{"id": p.id, "name": p.name, "counts": p.counts,
                              "overdue": [a.id for a in p.overdue]} for p in plans])
    return render(request, "workplans.html", plans=plans, as_of=as_of)


@router.get("/workplans/{plan_id}", response_class=HTMLResponse)
def workplan_page(request: Request, plan_id: str, as_of: Str = None,
                  format: Str = None) -> Response:
    may_read(request)
    p = plan_view(_store(request), plan_id, as_of)
    if format == "json":
        return JSONResponse(p.to_dict())
    if format == "csv":
        rows = [a.row() for a in p.activities]
        return csv_response(p.id, ROW_COLUMNS, [[r[c] for c in ROW_COLUMNS] for r in rows])
    links = evidence_links(_store(request), (ev for a in p.activities if a.latest
                                             for ev in a.latest.evidence))
    return render(request, "workplan.html", p=p, statuses=knowledge().statuses,
                  evidence_links=links, as_of=as_of)


@router.post("/workplans/{plan_id}/{activity_id}/progress")
def workplan_progress(request: Request, plan_id: str, activity_id: str,
                      csrf_token: Annotated[str, Form(max_length=200)] = "",
                      status: Annotated[str, Form(max_length=20)] = "",
                      note: Annotated[str, Form(max_length=20_000)] = "",
                      evidence: Annotated[str, Form(max_length=5_000)] = "",
                      expect: Annotated[int | None, Form(ge=0)] = None) -> Response:
    user = require(request, "editor")
    check_csrf(request, csrf_token)
    add_activity_progress(_store(request), plan_id, activity_id, user.name,
                          status=status or None, note=note,
                          evidence=[e for e in evidence.splitlines() if e.strip()],
                          expected_seq=expect)
    request.session["flash"] = f"Progress recorded on activity {activity_id}."
    return RedirectResponse(f"/workplans/{plan_id}#a-{activity_id}", status_code=303)
