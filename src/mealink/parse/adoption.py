"""Who adopted a text: the convention's governing body (its COP, MOP ...), one of its
subsidiary bodies, nobody yet (a draft), or a body of another kind altogether.

A SBSTTA recommendation is not a COP decision, a "Draft Resolution" is not in force and the
6th World Conference on Birds of Prey's "Resolution 3" is not a CMS resolution, so each
answer names what in the text marks it: the draft marker, the adoption line, the body a
heading says it comes from, the enacting formula, or (failing all of them) the symbol. The
body names are data (``data/instruments.toml``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mealink.instruments import instruments

__all__ = ["ADOPTED", "DRAFT", "OTHER_BODY", "SUBSIDIARY", "UNKNOWN", "Adoption", "adoption"]

ADOPTED = "adopted"
SUBSIDIARY = "subsidiary body"
DRAFT = "draft"
OTHER_BODY = "other body"
UNKNOWN = "unknown"

_WS = re.compile(r"\s+")
# "Adopted by the Conference of the Parties at its 11th Meeting", "adopted by the plenary
# meeting ... at its second session"
_ADOPTED_BY = re.compile(r"\badopted\s+(?:by|at)\s+(?:the\s+)?(?P<body>[^,;.()]{3,160}?)"
                         r"(?=\s+at\s+its\b|\s+held\b|\s+in\s+[A-Z]|[,;.(]|$)", re.I)
# "Resolution 3 from the 6th World Conference on Birds of Prey and Owls, held in Budapest"
_FROM_BODY = re.compile(
    r"^(?:Draft\s+)?(?:Resolution|Decision|Recommendation)s?\s+\S{1,20}\s+(?:from|of)\s+"
    r"(?:the\s+)?(?P<body>[^,;.()]{3,160}?)(?=\s+held\b|\s+at\s+its\b|[,;.(]|$)", re.I)
# "The Subsidiary Body on Scientific, Technical and Technological Advice recommends that the
# Conference of the Parties ...": the body that recommends
_RECOMMENDS = re.compile(r"^\s*(?:The|Le|La|El|L['’])\s*(?P<body>[A-Z][^:;\n]{3,160}?)\s+"
                         r"(?:recommends|recommande|recomienda)\b")
# "The Subsidiary Body on Scientific, Technical and Technological Advice" as enacting formula
_ENACTING = re.compile(r"^\s*(?:The|Le|La|El|L['’])\s*(?P<body>.+?)[\s,:]*$", re.S)


@dataclass(frozen=True, slots=True)
class Adoption:
    """Who adopted a text, the body as named, and what says so."""

    kind: str
    body: str | None
    evidence: str | None


def _flat(s: str) -> str:
    return _WS.sub(" ", s).strip()


def _quote(s: str, limit: int = 90) -> str:
    flat = _flat(s)
    return f"'{flat if len(flat) <= limit else flat[:limit - 1] + '…'}'"


def _of_body(body: str, convention: str | None, evidence: str) -> Adoption:
    kind = instruments().body_kind(body, convention)
    if kind == "subsidiary":
        return Adoption(SUBSIDIARY, body, evidence)
    if kind == "governing":
        return Adoption(ADOPTED, body, evidence)
    return Adoption(OTHER_BODY, body, evidence)


def adoption(header: list[str], headings: list[str], chapeaus: list[str],
             symbol: str | None, title: str | None, convention: str | None,
             doc_type: str | None, openers: list[str] | None = None) -> Adoption:
    """Who adopted the text. ``header`` and ``headings`` are the cover blocks and the
    headings before the text, ``chapeaus`` the enacting formulas among them ("The
    Conference of the Parties,"), ``doc_type`` the type its symbol names, ``openers`` the
    first paragraphs (a recommending formula may be read as one)."""
    ins = instruments()
    for place, what in (("symbol", symbol), ("title", title),
                        *(("heading", h) for h in [*header, *headings][:6])):
        if what and (m := ins.draft_pattern.search(what)):
            return Adoption(DRAFT, None, f"a draft: its {place} says {_quote(m.group(0))}")
    for block in [*header, *headings][:8]:
        flat = _flat(block)
        if m := _ADOPTED_BY.search(flat):
            return _of_body(_flat(m.group("body")), convention,
                            f"its adoption line: {_quote(flat)}")
        if m := _FROM_BODY.match(flat):
            return _of_body(_flat(m.group("body")), convention, f"its heading: {_quote(flat)}")
    for block in [*headings[:6], *chapeaus[:1], *(openers or [])[:3]]:
        if m := _RECOMMENDS.match(_flat(block)):
            body = _flat(m.group("body"))
            kind = ins.body_kind(body, convention)
            return Adoption(SUBSIDIARY if kind == "subsidiary" else OTHER_BODY if kind is None
                            else ADOPTED, body, f"its recommending formula: {_quote(block, 120)}")
    for chapeau in chapeaus[:1]:
        if m := _ENACTING.match(_flat(chapeau)):  # flat: linear in a long run of spaces
            body = _flat(m.group("body"))
            kind = ins.body_kind(body, convention)
            evidence = f"its enacting formula: {_quote(chapeau)}"
            # an enacting body mealink does not list (an organization's Executive Council)
            # adopts that organization's own texts
            return Adoption(SUBSIDIARY if kind == "subsidiary" else ADOPTED, body, evidence)
    span = ins.lifespan(convention, doc_type)
    if span is not None and span.by == "subsidiary":
        return Adoption(SUBSIDIARY, None, span.rule)
    if symbol and convention:
        return Adoption(ADOPTED, None, f"assumed from its symbol {_quote(symbol)}: "
                                       "nothing in the text names another body")
    return Adoption(UNKNOWN, None, "nothing in the text says who adopted it")
