"""A Party's filled-in questionnaire as read from a file, before it is checked and stored:
which template it claims to be, the questions it carries and each answer with where it is
in the file (so that a bad answer is reported at its cell)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from mealink.errors import MealinkError

__all__ = ["AnswerFile", "FilledAnswer", "check_cycle", "check_party"]

_CYCLE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,19}$")


@dataclass(frozen=True, slots=True)
class FilledAnswer:
    """One answer cell and its details cell, as the file holds them."""

    question_id: str
    value: Any
    details: str | None
    where: str  # "sheet 'General', row 4"


@dataclass(frozen=True, slots=True)
class AnswerFile:
    """What an answered questionnaire says it is, and what it holds."""

    source: str
    template_id: str
    conventions: tuple[str, ...]
    as_of: str | None
    questions: dict[str, tuple[str, ...]]  # question id -> the mandates it says it answers
    answers: tuple[FilledAnswer, ...] = field(default=())
    party: str | None = None  # the Party the copy was made for, if it names one


def check_party(party: str) -> str:
    """A Party's name as stored: spaces folded; refused when empty or over 200 characters."""
    name = " ".join(party.split())
    if not name or len(name) > 200 or name.startswith(("=", "+", "-", "@")):
        raise MealinkError(f"--party {party[:40]!r}: give the Party's name (1 to 200 "
                           "characters, not starting with =, +, - or @), e.g. --party Kenya")
    return name


def check_cycle(cycle: str) -> str:
    """A reporting cycle: a year or a short label (2026, COP15, 2024-2026)."""
    if not _CYCLE.match(cycle.strip()):
        raise MealinkError(f"--cycle {cycle[:40]!r}: give a year or a short label of letters, "
                           "digits, '.', '_' or '-' (e.g. 2026, COP15)")
    return cycle.strip()
