"""Deadlines ("report to COP12", "by 2030") and conditions ("resources permitting")."""

from __future__ import annotations

from mealink.models import Mention, Span
from mealink.vocabulary import Vocabulary


def _clean(s: str) -> str:
    return " ".join(s.split())


def find_conditions(text: str, start: int, end: int, vocab: Vocabulary) -> list[Mention]:
    """Every hedge on the requested action, in text order."""
    chunk = text[start:end]
    lower = chunk.lower()
    pattern = vocab.conditions_lower.pattern(lower)
    if pattern is None:
        return []
    if len(lower) != len(chunk):  # lower-casing changed offsets (rare letters): slow path
        return [Mention(_clean(m.group(0)), Span(m.start(), m.end()))
                for m in vocab.conditions.finditer(text, start, end)]
    return [Mention(_clean(chunk[m.start():m.end()]), Span(start + m.start(), start + m.end()))
            for m in pattern.finditer(lower)]


def _after_cue(before: str, cues: tuple[str, ...]) -> bool:
    """Whether ``before`` ends with a cue, perhaps followed by the names of bodies
    ("... to the Scientific Council and")."""
    words = before.split()
    while words and (words[-1][:1].isupper() or words[-1] in ("and", "the", "of", "its")):
        if words[-1] in ("to", "by", "at") or " ".join(words).lower().endswith(cues):
            break
        words.pop()
    return (" " + " ".join(words).lower()).endswith(cues)


def find_deadline(text: str, start: int, end: int, vocab: Vocabulary) -> Mention | None:
    """The first meeting or date that a cue word ('by', 'to', 'report ... to') makes a due date."""
    pattern = vocab.deadlines.pattern(text[start:end].lower())
    if pattern is None:
        return None
    for m in pattern.finditer(text, start, end):
        if not _after_cue(text[max(start, m.start() - 80):m.start()], vocab.deadline_cues):
            continue
        value = _clean(m.group(0))
        s = m.start()
        if value.lower().startswith("the "):
            value, s = value[4:], s + 4
        return Mention(value, Span(s, m.end()))
    return None
