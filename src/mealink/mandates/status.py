"""A mandate's status: derived from the lineage and the meetings, then what people
recorded. The vocabulary is the CBD decision tracking tool's (data/mandates.toml)."""

from __future__ import annotations

from dataclasses import dataclass

from mealink.link.status import PAST, AsOf
from mealink.mandates.deadlines import Calendar, Deadline

__all__ = ["FINAL", "Derived", "carry_status", "derive_status", "effective_status",
           "removal_status"]

# repeals and retires end a mandate; a later text that revises, supersedes or consolidates
# the paragraph takes it over.
_REMOVAL = {"repeals": "retired", "retires": "retired", "supersedes": "superseded",
            "consolidates": "superseded", "revises": "superseded"}


#: derived statuses no progress entry overrides: the paragraph is out of force, or the text
#: that asks was never adopted (a draft, a subsidiary body's recommendation)
FINAL = frozenset({"superseded", "retired", "not-adopted"})


@dataclass(frozen=True, slots=True)
class Derived:
    """A derived status and the reason a reader is shown for it."""

    status: str
    reason: str | None = None


def removal_status(relation: str, by: str) -> Derived:
    """The status a mandate takes when ``by`` repeals, retires, revises ... its paragraph."""
    return Derived(_REMOVAL.get(relation, "superseded"), f"{PAST.get(relation, relation)} "
                   f"by {by}")


def carry_status(how: str, by: str) -> Derived:
    """The status of a mandate of an earlier version once ``by`` (the next version) is
    stored: carried on to its mandate there (``how``: unchanged, renumbered, reworded), or
    superseded by it when its paragraph or its actor is gone."""
    if how == "superseded":
        return Derived("superseded", f"superseded by {by}: its paragraph is not in it")
    return Derived("superseded", f"carried on in {by} ({how}); its history continues there")


def derive_status(removal: Derived | None, deadline: Deadline | None, calendar: Calendar,
                  as_of: AsOf | None = None, as_of_convention: str | None = None) -> Derived:
    """Superseded or retired when its paragraph is out of force (elapsed when its text
    lapsed, not-adopted when it was never adopted); elapsed when its deadline has passed;
    else active."""
    if removal is not None:
        return removal
    if deadline is not None and calendar.passed(deadline, as_of, as_of_convention):
        why = "until" if deadline.implied else "due by"
        return Derived("elapsed", f"{why} {deadline.label}, which has passed")
    return Derived("active")


def effective_status(derived: Derived, recorded: str | None) -> str:
    """What holds: out of force wins over anything recorded; a recorded status wins over
    'elapsed' and 'active' (a person knows it was implemented on time)."""
    if derived.status in FINAL or recorded is None:
        return derived.status
    return recorded
