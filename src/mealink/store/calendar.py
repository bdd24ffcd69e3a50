"""The meeting calendar as the store knows it: the bundled meetings, a user's file, and the
dates the stored texts were adopted (a meeting's texts date it). Read in plain SQL through
a ``Reader``, so ``mealink status`` builds it without SQLAlchemy."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from mealink.mandates.deadlines import Calendar
from mealink.mandates.knowledge import MeetingEntry
from mealink.store.engine.reader import Reader, as_date

__all__ = ["calendar_for"]


def calendar_for(reader: Reader, meetings: Iterable[MeetingEntry] = (),
                 today: date | None = None) -> Calendar:
    """The meeting calendar: bundled, a user's file, and the corpus's adoption dates."""
    cal = Calendar(meetings, today)
    for convention, meeting, day in reader.rows(
            "SELECT convention, meeting, MIN(adopted_on) FROM documents"
            " WHERE adopted_on IS NOT NULL GROUP BY convention, meeting"):
        cal.add_adoption(convention, meeting, as_date(day))
    return cal
