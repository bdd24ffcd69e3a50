"""What the findings parser knows and the values it builds: ``Finding``, ``Assessment`` and
the known assessments, the rules of ``data/findings.toml`` compiled, labels in one form and
assessment identifiers (``"{body}/{year}/{slug}"``, e.g. "ipbes/2023/invasive-alien-species":
the slug of the first known assessment one of whose names occurs in the title, otherwise the
title's subject folded to ASCII, without stop words, at most ``slug_words`` words)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import PurePath

from mealink.datafiles import load_data
from mealink.errors import VocabularyError
from mealink.models import Source, Span
from mealink.vocabulary import alternation
from mealink.wordforms import fold_accents

_SPACE_BEFORE_PUNCT = re.compile(r"\s+([.,;:])")
_SENTENCE_BREAK = re.compile(r"(?<=[.!?])\s+(?=[A-Z“\"‘'(])")
_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "cf.", "approx.", "no.", "fig.", "vs.")
__all__ = ["Assessment", "Finding", "KnownAssessment", "Rules", "assessment_id", "known_assessment",
           "load_rules", "normalise_label"]

_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True, slots=True)
class Finding:
    """One labelled finding (key message) of an assessment.

    ``label`` is normalised ("B.3"), ``written`` as in the source ("B3"); ``section`` is the
    label's section letter ("B") and ``heading`` that section's heading, when known;
    ``text`` is the statement and its explanation, whitespace collapsed, without confidence
    brackets and chapter references; ``confidence`` the first confidence term given.
    """

    label: str
    text: str
    span: Span
    section: str | None
    heading: str | None
    written: str = ""
    confidence: str | None = None

    @property
    def statement(self) -> str:
        """The first sentence of ``text``: the finding's headline statement."""
        for m in _SENTENCE_BREAK.finditer(self.text):
            before = self.text[:m.start()].rsplit(" ", 1)[-1].lower()
            if before not in _ABBREVIATIONS:
                return self.text[:m.start()]
        return self.text


@dataclass(frozen=True, slots=True)
class Assessment:
    """An assessment (report) and its findings, as read from one source.

    ``id`` is ``assessment_id(body, year, title)``; ``source`` the input's name and ``text``
    its text; ``topics`` the words ``data/findings.toml`` gives for a known assessment.
    """

    id: str
    title: str
    body: str
    year: int | None
    symbol: str | None
    source: str
    text: str
    findings: tuple[Finding, ...]
    topics: tuple[str, ...] = ()

    def finding(self, label: str) -> Finding | None:
        """The finding with this label, written in any of the usual forms ("B3", "B.3")."""
        wanted = normalise_label(label) or " ".join(label.split())
        return next((f for f in self.findings if f.label == wanted), None)


@dataclass(frozen=True, slots=True)
class KnownAssessment:
    """An assessment listed in ``data/findings.toml``."""

    slug: str
    title: str
    year: int | None
    names: tuple[str, ...]
    topics: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Rules:
    """``data/findings.toml`` with its patterns compiled."""

    min_labels: int
    markers: tuple[str, ...]  # lower case
    label: re.Pattern[str]  # at the start of a line
    label_alone: re.Pattern[str]  # a label given by itself (lists)
    label_format: str
    section: re.Pattern[str]
    end: re.Pattern[str]
    confidence: re.Pattern[str]  # a bracketed term, group `term`
    terms: dict[str, str]  # collapsed lower case -> as in the data file
    reference: re.Pattern[str]
    title: re.Pattern[str]
    symbol: re.Pattern[str]
    year: re.Pattern[str]
    stop_words: frozenset[str]
    slug_words: int
    keys: dict[str, tuple[str, ...]]  # JSON keys / CSV columns by field
    delimiters: tuple[str, ...]
    bodies: tuple[tuple[str, tuple[str, ...]], ...]
    assessments: tuple[KnownAssessment, ...]


@cache
def load_rules() -> Rules:
    data = load_data("findings.toml")
    try:
        labels, conf, meta, lists = data["labels"], data["confidence"], data["metadata"], \
            data["lists"]
        line = re.ASCII | re.MULTILINE
        terms = {" ".join(t.lower().split()): t for t in conf["terms"]}
        return Rules(
            min_labels=int(data["detect"]["min_labels"]),
            markers=tuple(m.lower() for m in data["detect"]["markers"]),
            label=re.compile(rf"^[ \t]*(?:(?:{labels['bullet']})[ \t]+)?"
                             rf"(?P<written>{labels['written']}){labels['after']}", line),
            label_alone=re.compile(rf"{labels['written']}[.:)]?", re.ASCII),
            label_format=labels["format"],
            section=re.compile(labels["section"], line),
            end=re.compile(labels["end"], line),
            confidence=re.compile(rf"[{{(]\s*(?P<term>{alternation(list(terms))})\s*[}})]",
                                  re.IGNORECASE),
            terms=terms,
            reference=re.compile(conf["reference"]),
            title=re.compile(meta["title"], re.IGNORECASE),
            symbol=re.compile(meta["symbol"]),
            year=re.compile(meta["year"], re.ASCII),
            stop_words=frozenset(meta["slug_stop_words"]),
            slug_words=int(meta["slug_words"]),
            keys={k: tuple(v) for k, v in lists.items() if k != "csv_delimiters"},
            delimiters=tuple(lists["csv_delimiters"]),
            bodies=tuple((b["id"], tuple(b["names"])) for b in data["body"]),
            assessments=tuple(
                KnownAssessment(a["slug"], a["title"], a.get("year"),
                                tuple(n.lower() for n in a["names"]), tuple(a["topics"]))
                for a in data["assessment"]),
        )
    except (KeyError, TypeError, ValueError, re.error) as exc:
        raise VocabularyError(f"findings.toml is malformed: {exc!r}") from exc


# --- public API ---------------------------------------------------------------------------


def normalise_label(written: str) -> str | None:
    """The one form of a finding label ("B3", "b 3", "B.03." -> "B.3"); None if it is none."""
    rules = load_rules()
    m = rules.label_alone.fullmatch(" ".join(written.split()).upper())
    return format_label(m, rules) if m else None


def known_assessment(title: str) -> KnownAssessment | None:
    """The assessment of ``data/findings.toml`` one of whose names occurs in ``title``."""
    lower = " ".join(title.lower().split())
    return next((a for a in load_rules().assessments if any(n in lower for n in a.names)), None)


def assessment_id(body: str, year: int | None, title: str) -> str:
    """``"{body}/{year}/{slug}"``, e.g. "ipbes/2023/invasive-alien-species" (module doc)."""
    rules = load_rules()
    known = known_assessment(title)
    if known is not None:
        slug = known.slug
    else:
        m = rules.title.search(" ".join(title.split()))
        slug = make_slug(m["subject"] if m else title, rules.stop_words, rules.slug_words)
    body_slug = make_slug(body, frozenset(), 8) or "unknown"
    return f"{body_slug}/{year if year is not None else 'undated'}/{slug or 'untitled'}"




def make_assessment(source: Source, title: str, body: str, year: int | None, symbol: str | None,
                findings: list[Finding]) -> Assessment:
    known = known_assessment(title)
    return Assessment(assessment_id(body, year, title), title, body, year, symbol or None,
                      source.name, source.text, tuple(findings),
                      known.topics if known else ())



def clean_finding(raw: str, rules: Rules) -> tuple[str, str | None]:
    """A finding's text without confidence brackets and chapter references, and the first
    confidence term found."""
    m = rules.confidence.search(raw)
    confidence = rules.terms[" ".join(m["term"].lower().split())] if m else None
    raw = rules.reference.sub(" ", rules.confidence.sub(" ", raw))
    return _SPACE_BEFORE_PUNCT.sub(r"\1", collapse(raw)), confidence


def format_label(m: re.Match[str], rules: Rules) -> str:
    return rules.label_format.format(letter=m["letter"], number=int(m["number"]))


def make_slug(text: str, stop_words: frozenset[str], limit: int) -> str:
    words = (w for w in _WORD.findall(fold_accents(text).lower()) if w not in stop_words)
    return "-".join(list(words)[:limit])


def title_from_name(name: str) -> str:
    stem = PurePath(name).stem.replace("_", " ").replace("-", " ")
    return collapse(stem) or "Untitled assessment"


def collapse(text: str) -> str:
    return " ".join(text.split())


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:200] or type(exc).__name__

