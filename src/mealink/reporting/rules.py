"""The knowledge of harmonised national reporting, read once from ``data/reporting.toml``:
who a national report answers for, the kinds of answer, and the rules that choose a kind
from a mandate's wording."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from mealink.errors import VocabularyError

__all__ = ["AnswerKind", "ReportingRules", "TypeRule", "reporting_rules", "rules_from"]


@dataclass(frozen=True, slots=True)
class AnswerKind:
    """A kind of answer: its name, what the questionnaire asks, the values it offers."""

    type: str
    prompt: str
    choices: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class TypeRule:
    """Words in a mandate's action that show what kind of answer it asks for."""

    type: str
    pattern: re.Pattern[str]
    why: str


@dataclass(frozen=True, slots=True)
class ReportingRules:
    """Addressee roles, answer kinds (by type) and the rules, in the order they are tried."""

    roles: tuple[str, ...]
    kinds: dict[str, AnswerKind]
    default: str
    rules: tuple[TypeRule, ...]

    def answer_type(self, action: str) -> tuple[str, str]:
        """(type, why) for one mandate's action: the first rule that matches, else the
        default (yes/no/partly with details), which claims nothing about the wording."""
        lower = " ".join(action.lower().split())
        for r in self.rules:
            m = r.pattern.search(lower)
            if m:
                return r.type, f"{r.why} (“{m.group(0).strip()}”)"
        return self.default, "no rule matched the wording: whether it was done, with details"


def rules_from(data: dict[str, Any], name: str = "reporting.toml") -> ReportingRules:
    """Rules from parsed TOML; one line naming the entry when something is missing or wrong."""
    try:
        kinds = {a["type"]: AnswerKind(a["type"], a["prompt"], tuple(a["choices"]))
                 for a in data["answer"]}
        rules = tuple(TypeRule(r["type"], re.compile(r["pattern"]), r["why"])
                      for r in data["rule"])
        default = data["default"]
        for t in (default, *(r.type for r in rules)):
            if t not in kinds:
                raise VocabularyError(f"{name}: answer type {t!r} is not one of the "
                                      f"[[answer]] entries")
        return ReportingRules(tuple(data["addressees"]["roles"]), kinds, default, rules)
    except (KeyError, TypeError, re.error) as exc:
        raise VocabularyError(f"{name}: missing or invalid entry {exc}") from None


@cache
def reporting_rules() -> ReportingRules:
    """The rules shipped with mealink."""
    raw = resources.files("mealink.data").joinpath("reporting.toml").read_text(encoding="utf-8")
    return rules_from(tomllib.loads(raw))
