"""Put back the spaces that PDF and web extraction lost between words.

Copies of decisions arrive with leads run into the next word ("Recallingits decision",
"1.Requeststhe Secretariat", "Awareof") and function words glued to a capitalised one
("inResolution 4.14"). A lead glued this way is invisible to the parser, and a text whose
leads are all glued would be refused. A space is put back only where the glued form is not
a word: the token must be missing from the word list of the segmentation library
``wordninja`` (English Wikipedia word frequencies), and ``wordninja`` must split it exactly
after a lead word of the vocabulary ("Awareness", "Furthermore", "Notingham" stay whole),
or it must be a function word glued to a capitalised word.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache

from mealink.vocabulary import Vocabulary

_LONG_LOWER = re.compile(r"(?<![a-z])[a-z]{6,}(?![a-z])")


@cache
def _is_word() -> Callable[[str], bool]:
    """Whether a lower-case token is in the library's word list (never split). The list is
    the library's ``_wordcost``; should it move, a word is what the library does not split."""
    import wordninja  # loads its word list (16 MiB, 0.1 s): only when a text is repaired

    words = getattr(wordninja.DEFAULT_LANGUAGE_MODEL, "_wordcost", None)
    if isinstance(words, dict):
        return words.__contains__
    return lambda token: len(wordninja.split(token)) == 1


@cache
def _longest(words: frozenset[str]) -> int:
    """The length of the longest of ``words``: no prefix longer than it can be one of them."""
    return max(map(len, words), default=0)


def _cut(token: str, vocab: Vocabulary) -> int | None:
    """Where a space belongs in a glued ``token``, or None."""
    lower = token.lower()
    camel = next((i for i in range(1, len(token) - 2)
                  if token[i].isupper() and token[i - 1].islower()), None)
    if camel is not None:
        return camel if lower[:camel] in vocab.glue_function_words else None
    # the longest lead word first (prefixes no longer than a lead word: linear in the token)
    for i in range(min(len(token) - 2, _longest(vocab.glue_lead_words)), 3, -1):
        if lower[:i] in vocab.glue_lead_words and token[i:].islower():
            import wordninja

            pieces = wordninja.split(token)
            return i if len(pieces) >= 2 and pieces[0].lower() == lower[:i] else None
    return None


def _may_be_glued(token: str, vocab: Vocabulary, is_word: Callable[[str], bool]) -> bool:
    """Whether a lower-case token that is not a word begins with a lead word, or with a
    function word before a word ("inresolution"): only these are looked for in the text."""
    longest = _longest(vocab.glue_lead_words)
    if any(token[:n] in vocab.glue_lead_words for n in range(4, min(len(token) - 1, longest + 1))):
        return True
    return any(token.startswith(w) and is_word(token[len(w):])
               for w in vocab.glue_function_words)


#: for each vocabulary's glue words, the glued candidates of every white-space-separated
#: lower-case token already seen (emptied when it grows large: memory stays bounded)
_SEEN: dict[tuple[frozenset[str], frozenset[str]], dict[str, tuple[str, ...]]] = {}
_SEEN_MAX = 50_000


def _candidates(token: str, vocab: Vocabulary, is_word: Callable[[str], bool]) -> tuple[str, ...]:
    """The runs of six or more letters a-z in ``token`` that are not words but may be glued
    (white space being no letter, the runs of a text are those of its tokens)."""
    return tuple(t for t in _LONG_LOWER.findall(token)
                 if not is_word(t) and _may_be_glued(t, vocab, is_word))


def split_glued_words(text: str, vocab: Vocabulary) -> str:
    """``text`` with a space put back inside glued leads and function words."""
    lower = text.lower()
    if len(lower) != len(text):  # a letter whose lower case is longer: offsets would shift
        return text
    # each distinct token once (most texts repeat their words), its verdict kept from text
    # to text; then only the few that are not words are looked for in the text
    is_word = _is_word()
    seen = _SEEN.setdefault((vocab.glue_lead_words, vocab.glue_function_words), {})
    unknown: set[str] = set()
    for token in set(lower.split()):
        found = seen.get(token)
        if found is None:
            if len(seen) >= _SEEN_MAX:
                seen.clear()
            found = seen[token] = _candidates(token, vocab, is_word)
        if found:
            unknown.update(found)
    cuts: list[int] = []
    for token in unknown:
        i = lower.find(token)
        while i >= 0:
            end = i + len(token)
            if (i == 0 or not lower[i - 1].isalpha()) and \
                    (end == len(lower) or not lower[end].isalpha()):
                cut = _cut(text[i:end], vocab)
                if cut is not None:
                    cuts.append(i + cut)
            i = lower.find(token, end)
    if not cuts:
        return text
    out: list[str] = []
    pos = 0
    for cut in sorted(cuts):
        out.append(text[pos:cut])
        pos = cut
    out.append(text[pos:])
    return " ".join(out)
