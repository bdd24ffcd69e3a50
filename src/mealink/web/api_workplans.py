"""The work plan endpoints of the REST API under ``/api/v1/workplans``: plans, one plan
with its activities (mandates, status, progress, overdue at a date), an activity's
history, and recording progress on it (editors, as on mandates)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from mealink.errors import NotFoundError
from mealink.store.engine.database import Store
from mealink.store.workplans.progress import activity_history, add_activity_progress
from mealink.store.workplans.views import list_plans, plan_view
from mealink.web import schemas as s
from mealink.web import schemas_workplans as sw
from mealink.web.api import _ERRORS, Limit, Offset
from mealink.web.security import check_csrf, may_read, require

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", dependencies=[Depends(may_read)], responses=_ERRORS)
AsOf = Annotated[str | None, Query(max_length=40, description="overdue as of this date "
                                                              "(2026-06-30) or meeting of "
                                                              "the lead's convention (COP15); "
                                                              "default today")]


def _store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


@router.get("/workplans", response_model=s.Page[sw.WorkPlanSummary], summary="Work plans")
def get_workplans(request: Request, as_of: AsOf = None, limit: Limit = 50,
                  offset: Offset = 0) -> Any:
    plans = list_plans(_store(request), as_of)
    items = [{"id": p.id, "name": p.name, "updated_at": p.updated_at.isoformat(),
              "activities": sum(1 for a in p.activities if not a.removed),
              "counts": p.counts, "overdue": [a.id for a in p.overdue]}
             for p in plans[offset:offset + limit]]
    return {"total": len(plans), "limit": limit, "offset": offset, "items": items}


@router.get("/workplans/{plan_id}", response_model=sw.WorkPlan,
            summary="A work plan with its activities")
def get_workplan(request: Request, plan_id: str, as_of: AsOf = None) -> Any:
    return plan_view(_store(request), plan_id, as_of).to_dict()


@router.get("/workplans/{plan_id}/activities/{activity_id}/progress",
            response_model=s.Page[sw.ActivityEntry],
            summary="An activity's progress entries, oldest first")
def get_activity_progress(request: Request, plan_id: str, activity_id: str,
                          limit: Limit = 50, offset: Offset = 0) -> Any:
    view = plan_view(_store(request), plan_id)  # 404 for an unknown plan
    if activity_id not in {a.id for a in view.activities}:
        raise NotFoundError(f"work plan {plan_id!r} has no activity {activity_id!r}")
    entries = activity_history(_store(request), plan_id, activity_id)
    return {"total": len(entries), "limit": limit, "offset": offset,
            "items": [e.to_dict() for e in entries[offset:offset + limit]]}


@router.post("/workplans/{plan_id}/activities/{activity_id}/progress",
             response_model=sw.ActivityEntry, status_code=201,
             summary="Record progress on an activity (editors)",
             responses={409: {"model": s.Error, "description": "someone wrote since"}})
def post_activity_progress(request: Request, plan_id: str, activity_id: str,
                           entry: s.ProgressIn) -> Any:
    """Append an attributed entry (status, note, evidence). Needs the editor role: an API
    token, or a session cookie with the ``X-CSRF-Token`` header."""
    user = require(request, "editor")
    check_csrf(request, None)
    made = add_activity_progress(_store(request), plan_id, activity_id, user.name,
                                 status=entry.status, note=entry.note,
                                 evidence=entry.evidence, expected_seq=entry.expected_seq)
    return JSONResponse(made.to_dict(), status_code=201)
