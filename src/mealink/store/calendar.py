"""The meeting calendar as the store knows it: the bundled meetings, a user's file, and the
dates the stored texts were adopted (a meeting's texts date it). Read through the
lightweight tables, so ``mealink status`` builds it without the ORM."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import Connection, func, select

from mealink.mandates.deadlines import Calendar
from mealink.mandates.knowledge import MeetingEntry
from mealink.store.engine.tables import documents

__all__ = ["calendar_for"]


def calendar_for(conn: Connection, meetings: Iterable[MeetingEntry] = (),
                 today: date | None = None) -> Calendar:
    """The meeting calendar: bundled, a user's file, and the corpus's adoption dates."""
    cal = Calendar(meetings, today)
    d = documents.c
    for r in conn.execute(select(d.convention, d.meeting, func.min(d.adopted_on)).where(
            d.adopted_on.is_not(None)).group_by(d.convention, d.meeting)):
        cal.add_adoption(r[0], r[1], r[2])
    return cal
