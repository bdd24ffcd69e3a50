"""Deadlines ("report to COP12", "by 2030"), reporting due dates, periods ("up to 2030") and
conditions ("resources permitting"), read as a careful reader reads them.

A meeting or a date is a **deadline** only after a cue that makes it a due date ("by",
"to", "at", "for consideration by": ``deadline_cues`` in ``data/clauses.toml``), and only
when it is not the past:

- after a past participle it is context ("as decided at its 12th meeting", "adopted at
  COP11", "requested by the Standing Committee at its 70th meeting"), unless "be" comes
  before it ("to be considered at its 15th meeting");
- where the text's own meeting is known (``adopting_meeting``: its revision, its adoption
  line, else the number: Decision 13.7 -> COP13), a meeting of its Conference of the Parties
  numbered at or before it has been held ("COP13" in a COP13 text); meetings of other
  bodies, and of other conventions ("CBD COP13" in a CMS text), are not compared.

A **period** a standing task runs over is not a due date: "up to 2030", "until 2020", "in the
period up to COP15" (a meeting or a date after ``period_cues``) and ranges of years after a
lead ("for the period 2015-2023", "for 2021-2030", "during the triennium 2024-2026", "from
2011 to 2020"). "In the period up to COP15" is a period too: the task runs until COP15 and
nothing is to be handed in there; when it ends is what a review of lapsed mandates wants, so
it is kept as ``Paragraph.period``. A range with no lead is part of a name ("the Strategic
Plan for Biodiversity 2011-2020") and is not kept.

A **reporting clause** ("and report on progress to the Standing Committee at its 78th
meeting") has its own due date, ``Paragraph.report_deadline`` (``report_by`` in JSON),
apart from the main ask's ("The Secretariat shall ... by CoP20"). The paragraph's
``deadline`` is the main ask's date and, when the paragraph names no other, the reporting
date: "Requests the Secretariat to report on progress to the Scientific Council and COP12"
is due at COP12 (as the corpus gold has it, and as a mandate list wants it), and its
``report_by`` says so too.

Conditions are the hedges of ``conditions`` in text order; two hedges joined only by "and"
or "or" ("when possible and when applicable") are one condition, as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from mealink.models import Document, Mention, Span
from mealink.numbering import numbering
from mealink.parse.adoption import OTHER_BODY, SUBSIDIARY
from mealink.parse.markers import roman_value
from mealink.vocabulary import ADOPTING, Vocabulary, vocabulary

__all__ = ["Meeting", "Timing", "adopting_meeting", "find_conditions", "find_deadline",
           "find_timing"]

# where a reporting clause ends: ';', ':', a sentence end, a run-in item "b) ", or ", and"
# before something other than more places to report to (", and to COP14")
_CLAUSE_END = re.compile(r"[;:]|\.(?=\s+[A-Z(]|\s*$)|\s\(?[a-z]\)\s|"
                         r",\s+and\s+(?!(?:to|at|by|the|its|their)\b|[A-Z0-9])")
_CAPITALISED = re.compile(r"\b[A-Z][\w-]*")
_OF_CONVENTION = re.compile(r"\s*,?\s*(?:to|of)\s+(?:the\s+)?")
_FIRST_NUMBER = re.compile(r"\d+")
_LOOK_BACK = 160  # characters searched for the body an "its 14th meeting" belongs to
_CUE_WORDS = 8  # no deadline or period cue has more words


@dataclass(frozen=True, slots=True)
class Meeting:
    """The meeting that adopted the text being read: COP ``number`` of ``convention``."""

    convention: str | None
    number: int


@dataclass(frozen=True, slots=True)
class Timing:
    """When a paragraph's ask is due (``deadline``), when its report is (``report_by``), and
    the period it runs over (``period``)."""

    deadline: Mention | None = None
    report_by: Mention | None = None
    period: Mention | None = None


_NO_TIMING = Timing()


def _clean(s: str) -> str:
    return " ".join(s.split())


def adopting_meeting(doc: Document) -> Meeting | None:
    """The meeting of the Conference of the Parties that adopted ``doc``: the meeting of its
    revision ("Rev.COP14"), else the one its adoption line names ("COP11, Quito"), else the
    one its number tells (CMS Decision 13.7 -> 13, CBD Decision XI/10 -> 11). None for texts
    of subsidiary and other bodies (an SBSTTA recommendation's number is SBSTTA's meeting)
    and when nothing tells."""
    if doc.adoption in (SUBSIDIARY, OTHER_BODY):
        return None
    if doc.revision and (m := _FIRST_NUMBER.search(doc.revision)):
        return Meeting(doc.convention, int(m.group(0)))
    meetings = vocabulary().meetings
    if doc.adopted_at:
        for a in meetings.abbreviation.finditer(doc.adopted_at):
            if (a.start() == 0 or not doc.adopted_at[a.start() - 1].isalnum()) and \
                    meetings.body_of_abbreviation[a.group("abbr").lower()] == ADOPTING:
                return Meeting(doc.convention, int(a.group("n")))
    if doc.convention and doc.number:
        for shape in numbering().shapes:
            if shape.convention != doc.convention:
                continue
            found = shape.pattern.fullmatch(doc.number)
            written = found.groupdict().get("meeting") if found else None
            if written:
                n = int(written) if written.isdigit() else roman_value(written)
                return Meeting(doc.convention, n) if n else None
    return None


def find_conditions(text: str, start: int, end: int, vocab: Vocabulary,
                    lower: str | None = None) -> list[Mention]:
    """Every hedge on the requested action, in text order; hedges joined by "and"/"or" are
    one ("when possible and when applicable"). ``lower``: the body lower-cased, if known."""
    chunk = text[start:end]
    lower = chunk.lower() if lower is None else lower
    pattern = vocab.conditions_lower.pattern(lower)
    if pattern is None:
        return []
    if len(lower) != len(chunk):  # lower-casing changed offsets (rare letters): slow path
        found = [Mention(_clean(m.group(0)), Span(m.start(), m.end()))
                 for m in vocab.conditions.finditer(text, start, end)]
    else:
        found = [Mention(_clean(chunk[m.start():m.end()]), Span(start + m.start(),
                                                                start + m.end()))
                 for m in pattern.finditer(lower)]
    if len(found) < 2:
        return found
    out = found[:1]
    for c in found[1:]:
        if vocab.conjoined.match(text, out[-1].span.end, c.span.start):
            s = out.pop().span.start
            c = Mention(_clean(text[s:c.span.end]), Span(s, c.span.end))
        out.append(c)
    return out


def _strip_names(words: list[str]) -> None:
    """Drop the names of bodies at the end of ``words`` ("... to the Scientific Council and")."""
    while words and (words[-1][:1].isupper() or words[-1] in ("and", "the", "of", "its")):
        words.pop()


@cache
def _cue_last_words(*cues: tuple[str, ...]) -> frozenset[str]:
    """The words that end a cue ("to" of "up to", "by" of "no later than ... by")."""
    return frozenset(c.split()[-1] for group in cues for c in group)


def _cue(before: str, vocab: Vocabulary) -> tuple[str, str] | None:
    """What the words just before a meeting or date make of it: ("period", cue) after "up
    to", "until" ...; ("due", cue) after a deadline cue; ("past", cue) after a context cue
    that follows a past participle ("adopted at"); None without a cue. Between the cue and
    the meeting may stand the names of bodies ("to the Scientific Council and COP12")."""
    words = before.split()
    lows = before.lower().split()
    n = len(words)
    last_words = _cue_last_words(vocab.period_cues, vocab.deadline_cues)
    while n:
        if lows[n - 1] not in last_words:  # no cue ends with this word: skip the joins
            if words[n - 1][:1].isupper() or words[n - 1] in ("and", "the", "of", "its"):
                n -= 1
                continue
            return None
        tail = " " + " ".join(lows[max(0, n - _CUE_WORDS):n])  # cues are at most this long
        if tail.endswith(vocab.period_cues):
            return "period", next(c for c in vocab.period_cues if tail.endswith(c))
        if tail.endswith(vocab.deadline_cues):
            cue = max((c for c in vocab.deadline_cues if tail.endswith(c)), key=len)
            if cue not in vocab.context_cues:
                return "due", cue
            rest = words[:n - cue.count(" ")]
            _strip_names(rest)
            if rest and rest[-1].lower() in ("by", "upon"):  # "requested by X at"
                rest.pop()
            if rest and rest[-1].lower() in vocab.past_participles and \
                    not (len(rest) > 1 and rest[-2].lower() in ("be", "being")):
                return "past", cue
            return "due", cue
        if words[n - 1][:1].isupper() or words[n - 1] in ("and", "the", "of", "its"):
            n -= 1
            continue
        return None
    return None


def _named_convention(text: str, pos: int, end: int, vocab: Vocabulary) -> str | None:
    """The convention named right after a meeting ("... of the Conference of the Parties to
    the Convention on Biological Diversity", "... of the CBD"), if any."""
    m = _OF_CONVENTION.match(text, pos, end)
    if not m:
        return None
    short = vocab.convention_names_pattern.match(text, m.end(), end)
    if short and short.lastgroup:
        return vocab.conventions[int(short.lastgroup[1:].split("_")[0])].id
    long = vocab.convention_long_names.match(text[m.end():min(end, m.end() + 160)].lower())
    if long:
        return vocab.conventions[vocab.convention_long_owner[" ".join(long.group(0).split())]].id
    return None


def _its_body(text: str, start: int, pos: int, vocab: Vocabulary) -> str | None:
    """The body whose meeting "its 14th meeting" is: the last one named before it, when no
    other body is named after that ("... the Conference of the Parties at its 14th meeting");
    None when that cannot be told ("the Working Group ... at its fifth meeting")."""
    meetings = vocab.meetings
    lo = max(start, pos - _LOOK_BACK)
    last = None
    for m in meetings.body_names.finditer(text, lo, pos):
        last = m
    if last is None:
        return None
    for w in _CAPITALISED.finditer(text, last.end(), pos):
        if w.group(0).lower() in vocab.actor_heads:
            return None
    return meetings.body_of_name[" ".join(last.group(0).lower().split())]


def _held(text: str, m: re.Match[str], start: int, end: int, own: Meeting,
          vocab: Vocabulary) -> bool:
    """Whether the meeting ``m`` names is one of the text's own Conference of the Parties
    numbered at or before the meeting that adopted it."""
    meetings = vocab.meetings
    value = m.group(0)
    if value.isdigit():
        return False  # a year
    # "COP12", "CBD COP 13": an abbreviation ends with its number; names end with a word
    abbr = meetings.abbreviation.search(value) if value[-1].isdigit() else None
    if abbr:
        body = meetings.body_of_abbreviation[abbr.group("abbr").lower()]
        convention = abbr.group("conv")
        numbers = [int(abbr.group("n"))]
    else:
        lower = value.lower()
        if any(w in meetings.relative for w in lower.split()[:3]):
            return False
        head = lower.partition(" meeting")[0].partition(" session")[0]  # "its 77th and 78th"
        numbers = [int(o.group("n")) if o.group("n") else meetings.ordinals.get(o.group("word"), 0)
                   for o in meetings.ordinal.finditer(head)]
        numbers = [n for n in numbers if n]
        if not numbers:
            return False
        if lower.startswith(("its ", "their ")):
            found = _its_body(text, start, m.start(), vocab)
        else:
            named = list(meetings.body_names.finditer(value))
            found = meetings.body_of_name[" ".join(named[-1].group(0).lower().split())] \
                if named else None
        body = found or ""
        convention = _named_convention(text, m.end(), end, vocab)
    if body != ADOPTING or not numbers:
        return False
    if convention and own.convention and convention.lower() != own.convention.lower():
        return False
    return max(numbers) <= own.number


def _report_clauses(text: str, start: int, end: int, vocab: Vocabulary) -> list[Span]:
    """The reporting clauses of a paragraph: from "report" (as a verb) to the clause end."""
    if "report" not in text[start:end].lower():
        return []
    starts = [m.start() for m in vocab.report_verb.finditer(text, start, end)
              if not text[start:m.start()].strip()  # opening the paragraph
              or vocab.report_opener.search(text, max(start, m.start() - 24), m.start())]
    out: list[Span] = []
    for s in starts:
        if out and s < out[-1].end:
            continue
        stop = _CLAUSE_END.search(text, s, end)
        out.append(Span(s, stop.start() if stop else end))
    return out


def find_timing(text: str, start: int, end: int, vocab: Vocabulary,
                own: Meeting | None = None, lower: str | None = None) -> Timing:
    """The deadline, reporting due date and period of the paragraph body ``text[start:end]``
    (see the module's docstring); ``own`` is the meeting that adopted the text, if known;
    ``lower`` the body lower-cased, when the caller has it."""
    lower = text[start:end].lower() if lower is None else lower
    pattern = vocab.deadlines.pattern(lower)
    if pattern is None:
        return _NO_TIMING
    period: Mention | None = None
    reports: list[Span] | None = None
    main: Mention | None = None
    report: Mention | None = None
    for m in pattern.finditer(text, start, end):
        head = vocab.period_range_head.search(text, max(start, m.start() - 24), m.start()) \
            if m.group(0).isdigit() else None
        if head:  # the end of a range ("2015-2023", "from 2011 to 2020"): never due
            lead = vocab.period_lead.search(text, max(start, head.start() - 60), head.start())
            if lead and period is None:
                period = Mention(_clean(text[lead.start():m.end()]), Span(lead.start(), m.end()))
            continue
        cue = _cue(text[max(start, m.start() - 80):m.start()], vocab)
        if cue is None or cue[0] == "past":
            continue
        if cue[0] == "period":
            if period is None:
                at = _cue_start(text, start, m.start(), cue[1])
                period = Mention(_clean(text[at:m.end()]), Span(at, m.end()))
            continue
        if reports is None:
            reports = _report_clauses(text, start, end, vocab)
        in_report = any(r.start <= m.start() < r.end for r in reports)
        if (report if in_report else main) is not None:
            continue  # the first of each is kept
        if own is not None and _held(text, m, start, end, own, vocab):
            continue
        value, s = _clean(m.group(0)), m.start()
        if value.lower().startswith("the "):
            value, s = value[4:], s + 4
        if in_report:
            report = Mention(value, Span(s, m.end()))
        else:
            main = Mention(value, Span(s, m.end()))
        if main is not None and report is not None and period is not None:
            break
    if main is None and report is None and period is None:
        return _NO_TIMING
    return Timing(main or report, report, period)


def _cue_start(text: str, start: int, pos: int, cue: str) -> int:
    """Where ``cue`` (as in the data: lower case, single spaces) begins before ``pos``, body
    names between them allowed."""
    words = r"\s+".join(re.escape(w) for w in cue.split())
    found = None
    for m in re.finditer(rf"(?<!\w){words}(?!\w)", text[max(start, pos - 80):pos], re.I):
        found = m
    return max(start, pos - 80) + found.start() if found else pos


def find_deadline(text: str, start: int, end: int, vocab: Vocabulary,
                  own: Meeting | None = None) -> Mention | None:
    """The due date of ``text[start:end]``: the main ask's, else the reporting clause's."""
    return find_timing(text, start, end, vocab, own).deadline
