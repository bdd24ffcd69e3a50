"""Stable Akoma Ntoso names: FRBR work, expression and manifestation URIs of a decision,
and the ``eId`` slugs of the bodies and actors it names (``data/interop.toml``).

``/akn/int/statement/deliberation/cms-cop/2014-11-09/11-10/!main`` is the work of CMS
Resolution 11.10: the adopting body, the last day of the meeting that adopted it, and its
number. The date comes from the adoption line, else from the meeting calendar
(``data/meetings.toml``), else it is the word ``undated``; so a URI only changes when what
mealink knows of the text changes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from mealink.datafiles import load_data
from mealink.mandates.knowledge import knowledge
from mealink.vocabulary import vocabulary

__all__ = ["WorkName", "interop_rules", "language3", "slug", "work_date"]

_SLUG = re.compile(r"[^0-9a-z]+")
_LANG3 = {"en": "eng", "fr": "fra", "es": "spa", "ar": "ara", "ru": "rus", "zh": "zho",
          "pt": "por", "de": "deu"}


def slug(text: str) -> str:
    """Lower-case letters and digits joined by hyphens ('UNEP/CMS 11.10' -> 'unep-cms-11-10')."""
    return _SLUG.sub("-", text.lower()).strip("-") or "x"


def language3(code: str) -> str:
    """The ISO 639-2 code Akoma Ntoso names languages with ('en' -> 'eng')."""
    return _LANG3.get(code, code if len(code) == 3 else "und")


@lru_cache(maxsize=1)
def interop_rules() -> dict[str, Any]:
    """``data/interop.toml``, parsed once."""
    return load_data("interop.toml")


def _meeting_body(convention: str | None) -> str:
    for c in vocabulary().conventions:
        if c.id == convention:
            return c.meeting
    return "COP"


def work_date(convention: str | None, meeting: int | None, adopted_on: date | None
              ) -> date | None:
    """The date a work is named by: its adoption, else the last day of its meeting."""
    if adopted_on is not None:
        return adopted_on
    if convention is None or meeting is None:
        return None
    for m in knowledge().calendar:
        if m.convention == convention and m.number == meeting and m.body.upper() == "COP":
            return m.end
    return None


@dataclass(frozen=True, slots=True)
class WorkName:
    """What names a work: its convention, type, number (or, lacking one, its mealink id)
    and the date it is known by."""

    convention: str | None
    type: str
    number: str | None
    revision: str | None
    day: date | None
    fallback: str

    @property
    def author(self) -> str:
        """The adopting body's slug ('cms-cop')."""
        conv = self.convention or "unknown"
        return f"{slug(conv)}-{slug(_meeting_body(self.convention))}"

    @property
    def number_slug(self) -> str:
        base = slug(self.number) if self.number else slug(self.fallback.rsplit("/", 1)[-1])
        return f"{base}-{slug(self.revision)}" if self.revision else base

    @property
    def date_part(self) -> str:
        return self.day.isoformat() if self.day else str(interop_rules()["akn"]["undated"])

    @property
    def frbr_date(self) -> str:
        return self.day.isoformat() if self.day else str(interop_rules()["akn"]["undated_date"])

    def work(self) -> str:
        """The work URI without component ('/akn/int/statement/deliberation/cms-cop/...')."""
        akn = interop_rules()["akn"]
        return (f"/akn/{akn['country']}/{akn['doctype']}/{akn['subtype']}/{self.author}/"
                f"{self.date_part}/{self.number_slug}")

    def expression(self, language: str) -> str:
        return f"{self.work()}/{language3(language)}@"

    def manifestation(self, language: str) -> str:
        return f"{self.expression(language)}/!main.xml"
