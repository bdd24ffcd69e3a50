"""The knowledge of the synergy analyses, read once from ``data/synergies.toml``."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from mealink.errors import VocabularyError

__all__ = ["LeadWeights", "SynergyRules", "synergy_rules"]


@dataclass(frozen=True, slots=True)
class LeadWeights:
    """Weights of the evidence for a lead convention (see synergies.toml)."""

    mandates: float
    earliest: float
    specific: float
    standing: float
    cited: float
    margin: float


@dataclass(frozen=True, slots=True)
class SynergyRules:
    """Thresholds, addressee families and lead weights."""

    overlap_threshold: float
    topic_min_score: float
    families: dict[str, str]  # role -> the family's first role
    standing_roles: frozenset[str]
    lead: LeadWeights
    finding_threshold: float
    finding_limit: int
    overlap_suggest: float  # from here up to the threshold: "may ask the same", not merged

    def family(self, role: str | None, actor: str) -> str:
        """The kind of addressee: the role's family, else the actor itself."""
        if role:
            return self.families.get(role, role)
        return actor


def rules_from(data: dict[str, Any], name: str = "synergies.toml") -> SynergyRules:
    """Rules from parsed TOML; one line naming the key when something is missing or wrong."""
    try:
        families = {role: group[0] for group in data["roles"]["families"] for role in group}
        lead = data["lead"]
        return SynergyRules(
            float(data["overlaps"]["threshold"]), float(data["overlaps"]["topic_min_score"]),
            families, frozenset(data["roles"]["standing"]),
            LeadWeights(float(lead["mandates"]), float(lead["earliest"]),
                        float(lead["specific"]), float(lead["standing"]),
                        float(lead["cited"]), float(lead["margin"])),
            float(data["findings"]["threshold"]), int(data["findings"]["limit"]),
            float(data["overlaps"]["suggest"]))
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise VocabularyError(f"{name}: missing or invalid entry {exc}") from None


@cache
def synergy_rules() -> SynergyRules:
    """The rules shipped with mealink."""
    raw = resources.files("mealink.data").joinpath("synergies.toml").read_text(encoding="utf-8")
    return rules_from(tomllib.loads(raw))
