"""Progress on a work plan's activities: append-only entries, each with its author, the
status it records (the mandates' statuses), a note and evidence checked as on mandates
(``store.progress.check_evidence``). Keyed by the plan's and the activity's ids, so a new
import of the plan keeps them."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from mealink.errors import ConflictError, MealinkError, NotFoundError
from mealink.mandates.knowledge import knowledge
from mealink.store.engine.database import Store
from mealink.store.engine.schema import ActivityProgressRow, ActivityRow, WorkPlanRow
from mealink.store.progress import check_evidence, check_expected

__all__ = ["ActivityEntry", "activity_history", "add_activity_progress", "entry_of_row"]


@dataclass(frozen=True, slots=True)
class ActivityEntry:
    """One attributed progress entry on an activity."""

    workplan_id: str
    activity_id: str
    seq: int
    author: str
    recorded_at: datetime
    status: str | None
    note: str | None
    evidence: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"workplan": self.workplan_id, "activity": self.activity_id, "seq": self.seq,
                "author": self.author, "recorded_at": self.recorded_at.isoformat(),
                "status": self.status, "note": self.note, "evidence": list(self.evidence)}


def entry_of_row(r: Any) -> ActivityEntry:
    at = r.recorded_at if r.recorded_at.tzinfo else r.recorded_at.replace(tzinfo=UTC)
    return ActivityEntry(r.workplan_id, r.activity_id, r.seq, r.author, at, r.status, r.note,
                         tuple(r.evidence or ()))


def activity_history(store: Store, plan_id: str, activity_id: str) -> list[ActivityEntry]:
    """Every progress entry of an activity, oldest first."""
    with store.engine.connect() as conn:
        return [entry_of_row(r) for r in conn.execute(select(ActivityProgressRow.__table__)
                .where(ActivityProgressRow.workplan_id == plan_id,
                       ActivityProgressRow.activity_id == activity_id)
                .order_by(ActivityProgressRow.seq))]


def add_activity_progress(store: Store, plan_id: str, activity_id: str, author: str, *,
                          status: str | None = None, note: str | None = None,
                          evidence: Iterable[str] = (), expected_seq: int | None = None,
                          now: datetime | None = None) -> ActivityEntry:
    """Append a progress entry to an activity. ``expected_seq`` is the number of the latest
    entry the writer saw (0 for none): if someone wrote since, ConflictError, nothing is
    written."""
    author = " ".join(author.split())
    if not author:
        raise MealinkError("a progress entry needs an author (--by NAME)")
    if status is not None and status not in knowledge().statuses:
        raise MealinkError(f"status {status!r} is not one of: "
                           f"{', '.join(knowledge().statuses)}")
    ev = check_evidence(evidence)
    if status is None and not (note or "").strip() and not ev:
        raise MealinkError("a progress entry needs a status, a note or evidence")
    name = f"activity {activity_id} of work plan {plan_id}"
    try:
        with store.engine.begin() as conn:
            if conn.execute(select(WorkPlanRow.id).where(WorkPlanRow.id == plan_id)
                            ).first() is None:
                raise NotFoundError(f"no work plan {plan_id!r}; `mealink workplan list` "
                                    "gives their ids")
            if conn.execute(select(ActivityRow.pk).where(
                    ActivityRow.workplan_id == plan_id,
                    ActivityRow.activity_id == activity_id)).first() is None:
                raise NotFoundError(f"work plan {plan_id!r} has no activity {activity_id!r}; "
                                    f"`mealink workplan show {plan_id}` lists them")
            latest = conn.execute(select(func.max(ActivityProgressRow.seq)).where(
                ActivityProgressRow.workplan_id == plan_id,
                ActivityProgressRow.activity_id == activity_id)).scalar() or 0
            check_expected(name, expected_seq, latest)
            made = ActivityEntry(plan_id, activity_id, latest + 1, author[:200],
                                 now or datetime.now(UTC), status,
                                 (note or "").strip() or None, ev)
            conn.execute(insert(ActivityProgressRow), [{
                "workplan_id": plan_id, "activity_id": activity_id, "seq": made.seq,
                "author": made.author, "recorded_at": made.recorded_at, "status": status,
                "note": made.note, "evidence": list(ev)}])
    except IntegrityError as exc:  # another writer took this entry number first
        raise ConflictError(f"{name}: another entry was written at the same time; reload "
                            "its history and try again") from exc
    return made
