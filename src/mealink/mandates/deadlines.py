"""Deadlines as written ("COP12", "the next meeting of the Standing Committee", "by 2030")
resolved to a meeting or a date, and whether one has passed by a given moment.

A meeting of the adopting body is resolved to its number ("next Conference of the Parties"
in a COP11 text is COP12); a meeting of another body whose numbers the text does not give
("next meeting of the Standing Committee") stays relative to the adopting meeting and counts
as held once the next COP has been held, since these bodies meet between COPs.
"""

from __future__ import annotations

import calendar as _cal
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

from mealink.link.status import AsOf
from mealink.mandates.knowledge import MeetingEntry, bundled_calendar, knowledge
from mealink.models import Span
from mealink.vocabulary import vocabulary

__all__ = ["Calendar", "Deadline", "implied_deadline", "resolve_deadline"]

_MONTHS = {m.lower(): i for i, m in enumerate(_cal.month_name) if m}
_DAY_MONTH_YEAR = re.compile(r"(?P<d>\d{1,2}) (?P<m>[A-Za-z]+) (?P<y>\d{4})")
_MONTH_YEAR = re.compile(r"(?P<m>[A-Za-z]+) (?P<y>\d{4})$")
_YEAR = re.compile(r"(?:end of (?:the )?(?:year |biennium |triennium )?)?(?P<y>\d{4})$", re.I)
_NTH = re.compile(r"(?P<n>\d{1,2})(?:st|nd|rd|th)\b|(?P<word>[a-z]+)\b", re.I)


@dataclass(frozen=True, slots=True)
class Deadline:
    """When a mandate is due: a meeting (``body`` ``number`` of ``convention``), the next
    meeting of a body after the adopting meeting ``after``, or a ``day``."""

    written: str
    kind: Literal["meeting", "next", "date"]
    convention: str | None = None
    body: str | None = None
    number: int | None = None
    after: int | None = None
    day: date | None = None
    implied: bool = False
    span: Span | None = None

    @property
    def label(self) -> str:
        """'CMS COP12', 'CMS StC after COP11', '2030-12-31'."""
        conv = f"{self.convention} " if self.convention else ""
        if self.kind == "date" and self.day is not None:
            return self.day.isoformat()
        if self.kind == "meeting":
            return f"{conv}{self._body_word(self.body)}{self.number}"
        after = f" after {self._body_word('COP')}{self.after}" if self.after is not None else ""
        return f"{conv}next {self._body_word(self.body)}{after}"

    def _body_word(self, body: str | None) -> str:
        """The convention's own word for its adopting meeting (CITES 'CoP', AEWA 'MOP')."""
        if body != "COP" or self.convention is None:
            return body or ""
        return next((c.meeting for c in vocabulary().conventions if c.id == self.convention),
                    "COP")


def _last_day(year: int, month: int) -> date:
    return date(year, month, _cal.monthrange(year, month)[1])


def _as_date(written: str) -> date | None:
    w = " ".join(written.split())
    if m := _DAY_MONTH_YEAR.fullmatch(w):
        month = _MONTHS.get(m.group("m").lower())
        if month:
            try:
                return date(int(m.group("y")), month, int(m.group("d")))
            except ValueError:
                return None
    if (m := _MONTH_YEAR.fullmatch(w)) and m.group("m").lower() in _MONTHS:
        return _last_day(int(m.group("y")), _MONTHS[m.group("m").lower()])
    if m := _YEAR.fullmatch(w):
        return date(int(m.group("y")), 12, 31)
    return None


def _ordinal(written: str) -> int | None:
    know = knowledge()
    for m in _NTH.finditer(written):
        if m.group("n"):
            return int(m.group("n"))
        if (word := m.group("word").lower()) in know.ordinals:
            return know.ordinals[word]
    return None


def _body_named(text: str) -> str | None:
    """The meeting body the last name in ``text`` refers to ('... the Standing Committee')."""
    know = knowledge()
    last = None
    for m in know.body_names.finditer(text):
        last = know.body_of_name[" ".join(m.group(0).lower().split())]
    return last


def resolve_deadline(written: str, before: str, convention: str | None,
                     adopted_meeting: int | None, span: Span | None = None) -> Deadline:
    """Resolve a deadline as ``find_deadline`` reports it. ``before`` is the text of the
    clause before it, to tell whose meeting "its next meeting" is (a body named just before,
    else the adopting Conference of the Parties)."""
    know = knowledge()
    w = " ".join(written.split())
    day = _as_date(w)
    if day is not None:
        return Deadline(written, "date", day=day, span=span)
    if m := know.abbreviation.search(w):
        conv_id = _convention_id(m.group("conv")) if m.group("conv") else convention
        return Deadline(written, "meeting", conv_id,
                        know.body_of_abbreviation[m.group("abbr").lower()], int(m.group("n")),
                        after=adopted_meeting if conv_id == convention else None, span=span)
    lower = w.lower()
    if lower.startswith(("its ", "their ")):
        body = _body_named(before[-160:]) or "COP"
    else:
        body = _body_named(w) or "COP"
    relative = any(word in know.relative for word in lower.split()[:3])
    number = None if relative else _ordinal(w)
    if number is not None:
        return Deadline(written, "meeting", convention, body, number, adopted_meeting,
                        span=span)
    if relative and body == "COP" and adopted_meeting is not None:
        return Deadline(written, "meeting", convention, "COP", adopted_meeting + 1,
                        adopted_meeting, span=span)
    return Deadline(written, "next", convention, body, after=adopted_meeting, span=span)


def _convention_id(written: str) -> str:
    """'cbd' -> 'CBD': a convention as the vocabulary names it."""
    for c in vocabulary().conventions:
        if c.id.lower() == written.lower():
            return c.id
    return written


def implied_deadline(convention: str, adopted_meeting: int) -> Deadline:
    """The deadline of a text adopted for one period between meetings: the next COP."""
    return Deadline("until the next meeting of the Conference of the Parties", "meeting",
                    convention, "COP", adopted_meeting + 1, implied=True)


class Calendar:
    """When meetings were held: the bundled calendar, a user's meetings file, and the
    meetings that adopted texts in the corpus (their adoption dates)."""

    def __init__(self, meetings: Iterable[MeetingEntry] = (),
                 today: date | None = None) -> None:
        self.today = today or date.today()
        self._ends: dict[tuple[str, str, int], date] = {}
        for m in (*bundled_calendar(), *meetings):
            self._ends[(m.convention, m.body, m.number)] = m.end

    def add_adoption(self, convention: str | None, meeting: int | None,
                     adopted_on: date | None) -> None:
        """A text of the corpus adopted at COP ``meeting`` on ``adopted_on``."""
        if convention and meeting is not None and adopted_on is not None:
            self._ends.setdefault((convention, "COP", meeting), adopted_on)

    def end_of(self, convention: str | None, body: str | None, number: int | None) -> date | None:
        if convention is None or body is None or number is None:
            return None
        return self._ends.get((convention, body, number))

    def moment(self, as_of: AsOf | None, convention: str | None) -> tuple[int | None, date]:
        """The meeting number (in ``convention``) and the day an as-of stands for."""
        if as_of is None:
            return None, self.today
        if as_of.meeting is not None:
            end = self.end_of(convention, "COP", as_of.meeting)
            return as_of.meeting, end or self.today
        return None, as_of.day or self.today

    def passed(self, d: Deadline, as_of: AsOf | None = None,
               as_of_convention: str | None = None) -> bool:
        """Whether ``d`` has passed by ``as_of`` (a meeting of ``as_of_convention`` or a
        day; today when None). A meeting passes when it is held: a review prepared for
        COP15 treats what was due at COP15 as due."""
        meeting, day = self.moment(as_of, as_of_convention)
        if d.kind == "date":
            return d.day is not None and d.day < day
        if d.kind == "next":  # held before the adopting body's next meeting
            if d.after is None:
                return False
            return self._meeting_passed(d.convention, "COP", d.after + 1, meeting,
                                        as_of_convention, day)
        if self._meeting_passed(d.convention, d.body, d.number, meeting, as_of_convention, day):
            return True
        # a meeting of another body (StC56) named in a COP text is held before the next COP
        return d.body != "COP" and d.after is not None and self.end_of(
            d.convention, d.body, d.number) is None and self._meeting_passed(
            d.convention, "COP", d.after + 1, meeting, as_of_convention, day)

    def held(self, convention: str | None, body: str | None, number: int | None,
             as_of: AsOf | None = None, as_of_convention: str | None = None) -> bool | None:
        """Whether meeting ``number`` of ``convention``'s ``body`` has been held by
        ``as_of`` (today when None): True, False, or None when nothing tells (no date in
        the calendar, no later meeting known to have been held)."""
        if number is None:
            return None
        meeting, day = self.moment(as_of, as_of_convention)
        if meeting is not None and convention == as_of_convention and body == "COP":
            return number <= meeting
        end = self.end_of(convention, body, number)
        if end is not None:
            return end <= day
        if self._meeting_passed(convention, body, number, meeting, as_of_convention, day):
            return True
        return None

    def _meeting_passed(self, convention: str | None, body: str | None, number: int | None,
                        meeting: int | None, as_of_convention: str | None, day: date) -> bool:
        if number is None:
            return False
        if meeting is not None and convention == as_of_convention and body == "COP":
            return number <= meeting
        end = self.end_of(convention, body, number)
        if end is not None:
            return end <= day
        # a later meeting of the same body that was held tells this one was held too
        return any(c == convention and b == body and n > number and e <= day
                   for (c, b, n), e in self._ends.items())
