"""How each convention numbers its texts, read once from ``data/numbering.toml``.

The shapes of numbers ("11.10" in CMS, "XIV/11" in CBD, "Conf. 13.10" in CITES), the
symbols that are numbers in disguise ("UNEP/EA.3/Res.7"), the words that name a convention
in a citation, and the words that tell what an operative paragraph does to the texts it
names. The parser uses the shapes to tell which convention a number belongs to; ``link``
uses all of it to give every citation one identifier.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from mealink.datafiles import load_data
from mealink.errors import VocabularyError

__all__ = ["TYPE_WORD", "Numbering", "Shape", "numbering", "type_word"]

#: the word that says what kind of text a symbol or citation names, in English, French or
#: Spanish ("Resolution", "Décision", "Resolución", plural too)
TYPE_WORD = re.compile(r"\b(resolution|decision|recommendation|r[ée]solution|d[ée]cision|"
                       r"resoluci[óo]n|decisi[óo]n|recomendaci[óo]n)(?:e?s)?\b", re.I)


def type_word(text: str) -> str | None:
    """'resolution', 'decision' or 'recommendation' for the first type word in ``text``
    ('Résolution Conf. 13.10' -> 'resolution'); None when it has none."""
    m = TYPE_WORD.search(text)
    if m is None:
        return None
    w = m.group(1).lower()
    if w.startswith("rec"):
        return "recommendation"
    return "resolution" if w.startswith(("res", "rés")) else "decision"


@dataclass(frozen=True, slots=True)
class Shape:
    """One way a convention writes its numbers."""

    convention: str
    types: frozenset[str]
    pattern: re.Pattern[str]
    format: str
    named_only: bool = False  # formats a named body's number; never guesses an owner


@dataclass(frozen=True, slots=True)
class Numbering:
    """The numbering knowledge of ``data/numbering.toml``, compiled."""

    shapes: tuple[Shape, ...]
    symbols: tuple[tuple[Shape, str], ...]
    aliases: re.Pattern[str]
    alias_owner: dict[str, str]
    #: a body named right after a citation ("..., adopted by the Governing Council of ...")
    body_after: re.Pattern[str]
    #: the bodies and aliases, single-spaced, longest first: what may stand right before a
    #: citation ("General Assembly resolution 65/162"), tested with one ``str.endswith``
    body_names: tuple[str, ...]
    body_owner: dict[str, str]
    meetings: dict[str, str]
    revision_meetings: dict[str, str]  # "CdP" -> "CoP"
    default_types: dict[str, str]
    labels: dict[tuple[str, str], str]
    relations: dict[str, tuple[str, ...]]
    file_names: dict[str, str]  # first word of a file name -> convention


@cache
def numbering() -> Numbering:
    """The numbering knowledge, loaded once per process."""
    data = load_data("numbering.toml")
    shapes: list[Shape] = []
    symbols: list[tuple[Shape, str]] = []
    owner: dict[str, str] = {}
    body_owner: dict[str, str] = {}
    labels: dict[tuple[str, str], str] = {}
    try:
        for conv in data["numbering"]:
            cid = conv["id"]
            for alias in conv["aliases"]:
                owner[alias] = cid
            for body in (*conv.get("bodies", []), *conv["aliases"]):
                body_owner[body] = cid
            for s in conv.get("shape", []):
                shapes.append(Shape(cid, frozenset(s["types"]), re.compile(s["number"]),
                                    s["format"], bool(s.get("named_only", False))))
                if "label" in s:
                    for t in s["types"]:
                        labels[(cid, t)] = s["label"]
            for s in conv.get("symbol", []):
                symbols.append((Shape(cid, frozenset([s["type"]]), re.compile(s["pattern"]),
                                      s["format"]), s["type"]))
        alias_alt = "|".join(re.escape(a) for a in sorted(owner, key=len, reverse=True))
        body_alt = "|".join(r"\s+".join(map(re.escape, b.split()))
                            for b in sorted(body_owner, key=len, reverse=True))
        return Numbering(
            shapes=tuple(shapes), symbols=tuple(symbols),
            aliases=re.compile(rf"(?<![\w/])(?:{alias_alt})(?![\w])"), alias_owner=owner,
            # within the clause after the citation: "of the" or "by the" and the body
            # ("decision 26/4 of 24 February 2011 of the Governing Council of the United
            # Nations Environment Programme"); the caller checks no other citation is between
            body_after=re.compile(
                r"[^;.:]{0,80}?\s(?:of|by)\s+(?:the\s+)?"
                rf"(?P<body>{body_alt})(?![\w])"),
            body_names=tuple(sorted(body_owner, key=len, reverse=True)),
            body_owner=body_owner,
            meetings={c["id"]: c["meeting"] for c in data["numbering"]},
            revision_meetings=dict(data.get("revision_meetings", {})),
            default_types={c["id"]: c["type"] for c in data["numbering"]},
            labels=labels,
            relations={k: tuple(v) for k, v in data["relations"].items()},
            file_names={w: c["id"] for c in data["numbering"] for w in c.get("file_names", [])},
        )
    except (KeyError, TypeError, re.error) as exc:
        raise VocabularyError(f"data file numbering.toml is malformed: {exc!r}") from exc


