"""The shapes of the API's joint work plans, as its OpenAPI description publishes them (beside
``schemas``, which holds the corpus's, the mandates' and search's)."""

from __future__ import annotations

from pydantic import BaseModel


class WorkPlanSummary(BaseModel):
    """A stored work plan: its activities per status and those overdue."""

    id: str
    name: str
    updated_at: str
    activities: int
    counts: dict[str, int]
    overdue: list[str]


class ActivityLink(BaseModel):
    written: str
    document: str | None
    label: str | None
    paragraph_id: str | None
    mandates: list[str]
    resolved: bool
    problem: str | None


class ActivityEntry(BaseModel):
    workplan: str
    activity: str
    seq: int
    author: str
    recorded_at: str
    status: str | None
    note: str | None
    evidence: list[str]


class Activity(BaseModel):
    id: str
    text: str
    lead: str | None
    partners: list[str]
    targets: list[str]
    timetable: str | None
    due: str | None
    status: str
    overdue: bool
    removed: bool
    entries: int
    latest_progress: ActivityEntry | None
    mandates: list[ActivityLink]


class WorkPlan(BaseModel):
    id: str
    name: str
    description: str | None
    source: str | None
    created_at: str
    updated_at: str
    as_of: str
    counts: dict[str, int]
    overdue: list[str]
    activities: list[Activity]
