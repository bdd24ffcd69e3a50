"""What kinds of texts each convention adopts, who adopts them and how long each lasts.

Read once from ``data/instruments.toml``: the parser uses the body names to tell a
convention's own texts from its subsidiary bodies', from drafts and from other bodies'; the
in-force rules use the life spans (a CMS Decision lasts until the next COP, a CITES Decision
until the CoP deletes it, a CBD decision until retired).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from mealink.datafiles import load_data
from mealink.errors import VocabularyError
from mealink.vocabulary import alternation

__all__ = ["UNTIL_NEXT_MEETING", "UNTIL_REMOVED", "Instruments", "Lifespan", "instruments"]

UNTIL_NEXT_MEETING = "until-next-meeting"
UNTIL_REMOVED = "until-removed"
_LASTS = (UNTIL_NEXT_MEETING, UNTIL_REMOVED)


@dataclass(frozen=True, slots=True)
class Lifespan:
    """How long a convention's texts of one type last, and whose texts they are."""

    convention: str
    type: str
    lasts: str
    by: str  # "governing" or "subsidiary"
    rule: str
    ends: str = "repeal"  # what the governing body does to end one: repeal, delete, retire


@dataclass(frozen=True, slots=True)
class Instruments:
    """The compiled knowledge of ``data/instruments.toml``."""

    lifespans: dict[tuple[str, str], Lifespan]
    governing: dict[str, tuple[str, ...]]
    subsidiary: dict[str, tuple[str, ...]]
    draft_pattern: re.Pattern[str]

    def ends(self, convention: str | None, type_: str | None) -> str:
        """The word for ending such a text: 'repeal', 'delete' or 'retire'."""
        span = self.lifespan(convention, type_)
        return span.ends if span is not None else "repeal"

    def lifespan(self, convention: str | None, type_: str | None) -> Lifespan | None:
        """The rule for ``convention``'s texts of ``type_`` (None: lasts until removed)."""
        if convention is None or type_ is None:
            return None
        return self.lifespans.get((convention, type_))

    def body_kind(self, name: str, convention: str | None) -> str | None:
        """'governing' or 'subsidiary' when ``name`` ("the Subsidiary Body on Scientific,
        Technical and Technological Advice") names a body of ``convention`` (of any
        convention when None); None when it names no body mealink knows."""
        flat = " ".join(name.split()).lower().removeprefix("the ")
        convs = [convention] if convention in self.governing else list(self.governing)
        for kind, table in (("subsidiary", self.subsidiary), ("governing", self.governing)):
            for c in convs:
                if any(flat == b.lower() or flat.startswith(b.lower() + " ")
                       for b in table.get(c, ())):
                    return kind
        return None


@cache
def instruments() -> Instruments:
    """The instrument knowledge, loaded once per process."""
    data = load_data("instruments.toml")
    lifespans: dict[tuple[str, str], Lifespan] = {}
    governing: dict[str, tuple[str, ...]] = {}
    subsidiary: dict[str, tuple[str, ...]] = {}
    try:
        for conv in data["convention"]:
            cid = conv["id"]
            governing[cid] = tuple(conv["governing"])
            subsidiary[cid] = tuple(conv.get("subsidiary", ()))
            for ins in conv.get("instrument", []):
                if ins["lasts"] not in _LASTS:
                    raise VocabularyError(f"data file instruments.toml: {cid} {ins['type']}: "
                                          f"lasts must be one of {', '.join(_LASTS)}")
                lifespans[(cid, ins["type"])] = Lifespan(
                    cid, ins["type"], ins["lasts"], ins.get("by", "governing"), ins["rule"],
                    ins.get("ends", "repeal"))
        markers = list(data["draft"]["markers"])
    except (KeyError, TypeError) as exc:
        raise VocabularyError(f"data file instruments.toml is malformed: {exc!r}") from exc
    return Instruments(lifespans, governing, subsidiary,
                       re.compile(rf"(?<![\w-])(?:{alternation(markers)})(?![\w-])",
                                  re.IGNORECASE))
