"""Who a text is when its own words do not say: what the person ingesting it said
(``ingest --as SYMBOL``), a sidecar ``NAME.meta.json`` or front matter, and, last and
weakest, its file name (``cms-res-11.28.txt``).

The seed copy of CMS Resolution 11.28 has no header at all; without this it would be an
anonymous text "in force" while "CMS Resolution 11.28" is "not in the corpus". Every
identification says which evidence it used (``Document.identified_by``), and a file name is
taken only when it spells a whole symbol the convention's numbering allows (convention, type
and number: ``cites-dec-17.170-rev-cop19``) and the text names no other convention.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from mealink.models import Document
from mealink.numbering import numbering
from mealink.parse.adoption import ADOPTED, UNKNOWN
from mealink.parse.metadata import detect_symbol_convention, symbol_parts, type_of
from mealink.vocabulary import vocabulary

__all__ = ["file_symbol", "identify"]

_TYPES = {"res": "Resolution", "resolution": "Resolution", "resolutions": "Resolution",
          "dec": "Decision", "decision": "Decision", "decisions": "Decision",
          "rec": "Recommendation", "recommendation": "Recommendation"}
_EXTENSION = re.compile(r"\.(?:txt|md|html?|pdf|docx|json|xml|akn\.xml)$", re.I)
_LANGUAGE = re.compile(r"\.(?:en|fr|es|ar|ru|zh)$", re.I)
_DOTTED = re.compile(r"^(?P<m>\d{1,2})\.(?P<n>\d{1,3})$")
_PART = re.compile(r"^(?:[ivxl]{1,6}|\d{1,3})$")
_MEETING = re.compile(r"^[a-z]{2,3}(?P<n>\d{1,2})$")


def _fits(convention: str, type_: str, ident: str) -> bool:
    return any(s.convention == convention and type_ in s.types and s.pattern.fullmatch(ident)
               for s in numbering().shapes)


def _number(tokens: list[str]) -> tuple[str, bool] | None:
    """The number the tokens after the type spell, and whether it names several texts."""
    if len(tokens) == 1 and _DOTTED.match(tokens[0]):
        return tokens[0], False
    if len(tokens) == 2 and _DOTTED.match(tokens[0]) and _DOTTED.match(tokens[1]):
        a, b = _DOTTED.match(tokens[0]), _DOTTED.match(tokens[1])
        joined = "-" if a and b and a["m"] == b["m"] else " and "
        return f"{tokens[0]}{joined}{tokens[1]}", True
    if len(tokens) == 2 and all(_PART.match(t) for t in tokens):
        return f"{tokens[0].upper()}/{tokens[1]}", False
    if len(tokens) == 3 and tokens[0].isalpha() and all(_PART.match(t) for t in tokens[1:]):
        return f"{tokens[0].upper()} {tokens[1].upper()}/{tokens[2]}", False
    return None


def file_symbol(name: str) -> tuple[str, str] | None:
    """(convention, symbol) that a file name spells in full ('cms-res-11.28.txt' ->
    ('CMS', 'Resolution 11.28'); 'cites-dec-17.170-rev-cop19.txt' -> ('CITES', 'Decision
    17.170 (Rev. CoP19)')); None for any name that does not (a title, a meeting, a word)."""
    stem = _EXTENSION.sub("", Path(name.split("#", 1)[0]).name)
    stem = _LANGUAGE.sub("", stem)
    tokens = [t for t in re.split(r"[-_\s]+", stem.lower()) if t]
    if len(tokens) < 3:
        return None
    nb = numbering()
    convention = nb.file_names.get(tokens[0])
    kind = _TYPES.get(tokens[1])
    if convention is None or kind is None:
        return None
    rest = tokens[2:]
    revision = ""
    if "rev" in rest:
        at = rest.index("rev")
        meeting = _MEETING.match(rest[at + 1]) if len(rest) == at + 2 else None
        if meeting is None:
            return None
        revision = f" (Rev. {nb.meetings.get(convention, 'COP')}{int(meeting['n'])})"
        rest = rest[:at]
    conf = bool(rest[:1] == ["conf"])
    found = _number(rest[1:] if conf else rest)
    if found is None:
        return None
    number, several = found
    first = re.split(r"-| and ", number)[0]
    type_ = kind.lower()
    if not _fits(convention, type_, f"Conf. {first}" if conf else first):
        return None
    written = f"{kind}{'s' if several else ''} {'Conf. ' if conf else ''}{number}{revision}"
    return convention, written


def identify(doc: Document, meta: Mapping[str, str] | None = None) -> None:
    """Fill what the text does not say from what is known outside it (``meta``: symbol,
    title, convention, adopted_at and ``from``, where they were said), else its symbol and
    convention from its file name; record which evidence was used."""
    meta = meta or {}
    vocab = vocabulary()
    given = (meta.get("symbol") or "").strip()
    said_by = meta.get("from") or "given with the text"
    if given:
        note = f" (the text itself says '{doc.symbol}')" if doc.symbol and doc.symbol != given \
            else ""
        doc.symbol, doc.identified_by = given, f"{said_by}{note}"
        doc.convention = meta.get("convention") or detect_symbol_convention(given, vocab) \
            or (file_symbol(doc.source) or (doc.convention, ""))[0]
    elif meta.get("convention"):
        doc.convention = meta["convention"]
    for name in ("title", "adopted_at"):
        if meta.get(name):
            setattr(doc, name, " ".join(meta[name].split()))
    from_file = file_symbol(doc.source) if not given else None
    if from_file is not None and doc.symbol is None and doc.convention in (None, from_file[0]):
        doc.symbol, doc.convention = from_file[1], from_file[0]
        doc.identified_by = f"its file name ({Path(doc.source).name})"
    elif from_file is not None and doc.symbol is not None and doc.convention is None and \
            symbol_parts(doc.symbol, vocab)[0] == symbol_parts(from_file[1], vocab)[0]:
        doc.convention = from_file[0]
        doc.identified_by = f"{doc.identified_by}; its convention from its file name " \
                            f"({Path(doc.source).name})"
    if doc.symbol:
        doc.number, doc.revision = symbol_parts(doc.symbol, vocab)
        if doc.adoption == UNKNOWN and doc.convention and type_of(doc.symbol):
            doc.adoption = ADOPTED
            doc.adoption_evidence = (f"assumed from its symbol '{doc.symbol}' "
                                     f"({doc.identified_by}): nothing in the text names "
                                     "another body")
