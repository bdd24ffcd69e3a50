"""The objects of a joint work plan (a plan, its activities, the references that mandate
them) and what mealink knows of how people write them, read once from
``data/workplans.toml``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from mealink.datafiles import load_data
from mealink.errors import MealinkError, VocabularyError

__all__ = ["FIELDS", "LIST_FIELDS", "Activity", "PlanRules", "WorkPlan", "WorkPlanError",
           "plan_rules"]

#: the fields of an activity, in the order mealink writes them
FIELDS = ("id", "text", "lead", "partners", "targets", "timetable", "mandates")
#: the fields that hold several values
LIST_FIELDS = ("partners", "targets", "mandates")


class WorkPlanError(MealinkError):
    """A work plan file is malformed: the message names the file, the row and the column."""


@dataclass(frozen=True, slots=True)
class Activity:
    """One activity as the plan writes it; ``row`` is where it is in the file (the
    spreadsheet's row number, or the item's number in a YAML list)."""

    id: str
    text: str
    lead: str | None = None
    partners: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()
    timetable: str | None = None
    mandates: tuple[str, ...] = ()  # references as written: "CMS Resolution 11.10 ¶8"
    row: int = 0

    def to_dict(self) -> dict[str, Any]:
        """The activity as a plan file holds it (what ``workplan import`` reads back)."""
        return {"id": self.id, "text": self.text, "lead": self.lead,
                "partners": list(self.partners), "targets": list(self.targets),
                "timetable": self.timetable, "mandates": list(self.mandates)}


@dataclass(frozen=True, slots=True)
class WorkPlan:
    """A joint work plan: a name, where it was read from, its activities in order."""

    name: str
    activities: tuple[Activity, ...]
    source: str | None = None
    description: str | None = None
    notes: tuple[str, ...] = field(default=())  # what a draft says of what it left out


@dataclass(frozen=True, slots=True)
class PlanRules:
    """Column names, cell separators, paragraph markers and closing statuses."""

    columns: dict[str, str]  # folded heading -> field
    required: tuple[str, ...]
    separators: re.Pattern[str]
    markers: tuple[str, ...]
    joiners: re.Pattern[str]
    closed: frozenset[str]
    first_names: dict[str, str]  # field -> the heading mealink writes

    def field_of(self, heading: str) -> str | None:
        """The field a column heading names ('Lead convention' -> 'lead')."""
        return self.columns.get(fold(heading))


def fold(heading: str) -> str:
    """A heading with case, punctuation and spacing folded: 'Targets / Indicators' ->
    'targets indicators'."""
    return " ".join(re.sub(r"[^\w]+", " ", heading.lower()).split())


@cache
def plan_rules() -> PlanRules:
    """The work plan knowledge shipped with mealink."""
    data = load_data("workplans.toml")
    try:
        columns = {fold(name): f for f in FIELDS for name in data["columns"][f]}
        first = {f: str(data["columns"][f][0]) for f in FIELDS}
        seps = "|".join(re.escape(s) for s in data["cells"]["separators"])
        joiners = "|".join(rf"\s*{re.escape(j)}\s*" if not j.isalpha() else rf"\s+{j}\s+"
                           for j in data["references"]["joiners"])
        return PlanRules(columns, tuple(data["required"]["fields"]),
                         re.compile(rf"\r?\n|{seps}"), tuple(data["references"]["markers"]),
                         re.compile(joiners, re.I), frozenset(data["status"]["closed"]), first)
    except (KeyError, TypeError) as exc:
        raise VocabularyError(f"workplans.toml: missing or invalid entry {exc}") from None
