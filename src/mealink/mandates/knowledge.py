"""What the mandate rules know, read once from ``data/mandates.toml`` and ``meetings.toml``:
verb strengths, statuses, lapsing text types and the meeting calendar; the meeting bodies
are the annotator's (``clauses.toml``, ``Vocabulary.meetings``)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

from mealink.choices import mandate_statuses
from mealink.datafiles import load_data
from mealink.errors import MealinkError, VocabularyError
from mealink.instruments import UNTIL_NEXT_MEETING, instruments
from mealink.vocabulary import alternation, vocabulary

__all__ = ["MandateKnowledge", "MeetingEntry", "bundled_calendar", "knowledge", "meetings_from",
           "read_meetings"]

STRENGTHS = ("request", "urge", "invite")


@dataclass(frozen=True, slots=True)
class MeetingEntry:
    """One meeting of a convention's body with its dates."""

    convention: str
    body: str
    number: int
    start: date
    end: date
    place: str = ""


@dataclass(frozen=True, slots=True)
class MandateKnowledge:
    """Compiled mandate vocabulary."""

    strength_of: dict[str, str]  # verb or modal -> strength
    strength_labels: dict[str, str]
    modal_pattern: re.Pattern[str]
    report_verbs: re.Pattern[str]
    report_words: tuple[str, ...]
    report_bodies: re.Pattern[str]  # names of bodies reported to, and meeting abbreviations
    body_of_name: dict[str, str]  # lower-cased meeting body name -> short body
    body_names: re.Pattern[str]  # "Standing Committee" ... (for "its" look-back)
    abbreviation: re.Pattern[str]  # "COP12", "CMS COP 12", "StC56"
    body_of_abbreviation: dict[str, str]
    ordinals: dict[str, int]
    relative: frozenset[str]
    lapsing: frozenset[tuple[str, str]]  # (convention, type) lasting until the next meeting
    statuses: dict[str, str]  # name -> meaning
    derived_statuses: frozenset[str]
    calendar: tuple[MeetingEntry, ...]
    standing_verbs: frozenset[str]
    consolidate_at: float


def _date(value: Any, where: str) -> date:
    if isinstance(value, date):
        return value
    raise VocabularyError(f"{where}: a date must be written 2024-02-12, not {value!r}")


def meetings_from(data: dict[str, Any], where: str) -> tuple[MeetingEntry, ...]:
    """Meetings from a parsed meetings TOML table (``meeting = [{...}, ...]``)."""
    out: list[MeetingEntry] = []
    for i, m in enumerate(data.get("meeting", []), 1):
        here = f"{where}, meeting {i}"
        try:
            out.append(MeetingEntry(str(m["convention"]), str(m.get("body", "COP")),
                                    int(m["number"]), _date(m["start"], here),
                                    _date(m.get("end", m["start"]), here),
                                    str(m.get("place", ""))))
        except (KeyError, TypeError, ValueError) as exc:
            raise VocabularyError(f"{here}: needs convention, number and start ({exc})") \
                from exc
    return tuple(out)


def read_meetings(path: Path | None) -> tuple[MeetingEntry, ...]:
    """The meetings of a user's TOML file (the layout of ``data/meetings.toml``): what the
    bundled calendar does not know yet, such as the dates of the next COP."""
    if path is None:
        return ()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise MealinkError(f"--meetings {path}: cannot read it as TOML ({exc})") from exc
    return meetings_from(data, str(path))


@cache
def bundled_calendar() -> tuple[MeetingEntry, ...]:
    """The meetings of ``meetings.toml``, read alone: telling whether a text is in force
    needs the calendar, not the compiled vocabulary."""
    return meetings_from(load_data("meetings.toml"), "meetings.toml")


@cache
def knowledge() -> MandateKnowledge:
    """The package's mandate knowledge, built once per process."""
    data = load_data("mandates.toml")
    vocab = vocabulary()
    strength_of = {w: s for s in STRENGTHS for w in data["strength"][s]}
    roles = set(data["reporting"]["roles"])
    reportable = [alias for alias, name in vocab.actor_aliases.items()
                  if vocab.actor_roles.get(name) in roles]
    meetings = vocab.meetings
    report_bodies = re.compile(
        rf"(?<![\w-])(?:{alternation(reportable)})(?![\w-])|{meetings.abbreviation.pattern}",
        re.IGNORECASE)
    return MandateKnowledge(
        strength_of=strength_of,
        strength_labels=dict(data["strength_labels"]),
        modal_pattern=re.compile(data["modals"]["pattern"], re.IGNORECASE),
        report_verbs=re.compile(data["reporting"]["verbs"], re.IGNORECASE),
        report_words=tuple(data["reporting"]["words"]),
        report_bodies=report_bodies,
        body_of_name=meetings.body_of_name,
        body_names=meetings.body_names,
        abbreviation=meetings.abbreviation,
        body_of_abbreviation=meetings.body_of_abbreviation,
        ordinals=meetings.ordinals,
        relative=meetings.relative,
        lapsing=frozenset(k for k, span in instruments().lifespans.items()
                          if span.lasts == UNTIL_NEXT_MEETING),
        statuses=dict(mandate_statuses()),
        derived_statuses=frozenset(s["name"] for s in data["status"] if s["derived"]),
        calendar=bundled_calendar(),
        standing_verbs=frozenset(data["review"]["standing_verbs"]),
        consolidate_at=float(data["review"]["consolidate_at"]),
    )
