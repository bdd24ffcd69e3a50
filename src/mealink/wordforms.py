"""Forms of words the vocabulary is built from: the English verb forms made from a base
("request" -> "requests", "requesting", "requested") and accent-folded spellings of French
and Spanish words (as encoding damage or plain typing leaves them). Pure string functions."""

from __future__ import annotations

import re
import unicodedata
from typing import Any, Literal

__all__ = ["Form", "english_forms", "fold_accents", "participle", "past", "strip_accented",
           "third_person"]

Form = Literal["finite", "participle", "past", "base"]


def strip_accented(text: str) -> str:
    """The form a word takes when encoding damage drops accented letters ('décide' -> 'dcide')."""
    return "".join(c for c in text if ord(c) < 128 and c not in "'’")


def fold_accents(text: str) -> str:
    """Remove diacritics, keep the letters ('décide' -> 'decide')."""
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def third_person(word: str) -> str:
    """'request' -> 'requests', 'urge' -> 'urges', 'identify' -> 'identifies'."""
    if re.search(r"(?:s|sh|ch|x|z|o)$", word):
        return word + "es"
    if re.search(r"[^aeiou]y$", word):
        return word[:-1] + "ies"
    return word + "s"


def participle(word: str) -> str:
    """'request' -> 'requesting', 'urge' -> 'urging'."""
    if word.endswith("ie"):
        return word[:-2] + "ying"
    if word.endswith("e") and not word.endswith(("ee", "ye", "oe")):
        return word[:-1] + "ing"
    return word + "ing"


def past(word: str) -> str:
    """'request' -> 'requested', 'urge' -> 'urged'."""
    if word.endswith("e"):
        return word + "d"
    if re.search(r"[^aeiou]y$", word):
        return word[:-1] + "ied"
    return word + "ed"


def english_forms(base: str, entry: dict[str, Any]) -> list[tuple[str, Form]]:
    """Every form of an English verb of verbs.toml that may open a paragraph, with its kind:
    the base, the third person, the participle, the past (or the entry's own ``forms``),
    each with its particle, "having" + past, and British "-is-" spellings."""
    forms: list[tuple[str, Form]] = [(base, "base")]
    explicit = entry.get("forms")
    if explicit:
        kinds: tuple[Form, ...] = ("finite", "participle", "past", "past")
        forms += [(f, kinds[i]) for i, f in enumerate(explicit[:4])]
    else:
        head, _, rest = base.partition(" ")
        tail = f" {rest}" if rest else ""
        forms += [
            (third_person(head) + tail, "finite"),
            (participle(head) + tail, "participle"),
            (past(head) + tail, "past"),
        ]
    particle = entry.get("particle")
    if particle:
        forms = [(f"{f} {particle}", k) for f, k in forms] + forms
    # "having requested" opens preamble paragraphs like a participle.
    forms += [(f"having {f}", "participle") for f, k in list(forms) if k == "past"]
    out: list[tuple[str, Form]] = []
    for f, k in forms:
        out.append((f, k))
        if "iz" in f:
            out.append((f.replace("iz", "is"), k))
    return out
