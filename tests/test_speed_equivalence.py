"""Faster forms of patterns and gates give exactly what the plain forms give (fixed seeds).

Each speed-up kept in the parser or in repair is checked here against the form it replaced,
on random strings built from the characters that matter to it.
"""

from __future__ import annotations

import random
import re
from typing import TYPE_CHECKING

import numpy as np
import pytest

from mealink.load import clean
from mealink.semantic.neighbours import ClosePairs, close_pairs, most_similar_first, neighbours_of

if TYPE_CHECKING:
    from numpy.typing import NDArray

#: the emphasis pattern as first written (a look-behind first: tried at every position)
_PLAIN_EMPHASIS = re.compile(
    r"(?<![\w*\\])(\*{1,3}|_{1,2})(?=[^\s*_])((?:(?!\n\s*\n)[^*_]){1,400}?)(?<=[^\s*_])\1(?![\w*])"
)


def _strings(seed: int, alphabet: str, n: int, longest: int) -> list[str]:
    """``n`` random strings of ``alphabet``, up to ``longest`` characters long."""
    rng = random.Random(seed)
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, longest)))
            for _ in range(n)]


def test_emphasis_pattern_matches_as_the_plain_one() -> None:
    """The emphasis pattern that starts with a literal finds the same runs as the plain one."""
    for s in _strings(20261206, "*_ a\\\n\tb.*_", 30_000, 24):
        assert clean._EMPHASIS.sub(r"\2", s) == _PLAIN_EMPHASIS.sub(r"\2", s), repr(s)


def test_spaces_and_trailing_as_before() -> None:
    """Spaces made plain, then trailing spaces removed, as the plain patterns would."""
    spaces = re.compile(r"[ \t\u00a0\u2007\u202f\u2000-\u200a\u3000]")
    trailing = re.compile(r"(?<![ ])[ ]+$", re.MULTILINE)
    for s in _strings(7, " \t\u00a0\u3000\u2005a\n", 20_000, 16):
        expected = trailing.sub("", spaces.sub(" ", s))
        text = clean._SPACES.sub(" ", s)
        if " \n" in text or text.endswith(" "):
            text = clean._TRAILING.sub("", text)
        assert text == expected, repr(s)


def _plain_split_glued(text: str) -> str:
    """Glued words split as first written: every long token of the text looked at anew."""
    from mealink.load import glue
    from mealink.vocabulary import vocabulary

    vocab = vocabulary()
    lower = text.lower()
    if len(lower) != len(text):
        return text
    is_word = glue._is_word()
    unknown = [t for t in set(glue._LONG_LOWER.findall(lower))
               if not is_word(t) and glue._may_be_glued(t, vocab, is_word)]
    cuts: list[int] = []
    for token in unknown:
        i = lower.find(token)
        while i >= 0:
            end = i + len(token)
            if (i == 0 or not lower[i - 1].isalpha()) and \
                    (end == len(lower) or not lower[end].isalpha()):
                cut = glue._cut(text[i:end], vocab)
                if cut is not None:
                    cuts.append(i + cut)
            i = lower.find(token, end)
    out, pos = [], 0
    for cut in sorted(cuts):
        out.append(text[pos:cut])
        pos = cut
    out.append(text[pos:])
    return " ".join(out)


def test_glued_words_as_before() -> None:
    """Tokens looked at once per process split the same glued words as looking at each anew."""
    from mealink.load.glue import split_glued_words
    from mealink.vocabulary import vocabulary

    rng = random.Random(11)
    words = ["Recallingits", "inResolution", "Awareof", "Requeststhe", "Awareness", "the",
             "Furthermore", "Notingham", "decision,", "(Recallingits", "Secretariat", "é",
             "notingthat", "theSecretariat.", "\n", "\u00e9tude", "ofdecisions"]
    for _ in range(3000):
        text = rng.choice(["", " ", "\t", "-"]).join(
            rng.choice(words) for _ in range(rng.randint(0, 12)))
        assert split_glued_words(text, vocabulary()) == _plain_split_glued(text), repr(text)


def test_topic_phrases_found_as_by_the_plain_pattern() -> None:
    """The topic pattern that matches the character before a phrase finds what the one
    with the look-behind finds, on texts dense with phrases run into each other."""
    from mealink.annotate.topics import topic_vocabulary

    tv = topic_vocabulary()
    assert tv.bounded is not None
    rng = random.Random(3)
    labels = sorted({c.label.lower() for c in tv.concepts.values()})[:300]
    words = [*labels, "redd+", "article 8(j)", "/", "-", " ", "  ", "(", "x", "’", "1"]
    for _ in range(4000):
        text = "".join(rng.choice(words) + rng.choice(["", " ", "-", "/", ", "])
                       for _ in range(rng.randint(0, 8)))
        plain = [(m.start(), m.end()) for m in tv.pattern.finditer(text)]
        fast = [(m.start(1) - 1, m.end(1) - 1) for m in tv.bounded.finditer(" " + text)]
        assert fast == plain, repr(text)


def test_finite_verbs_found_as_by_the_plain_pattern() -> None:
    """``finite_bounded`` on " " + text finds the verbs ``finite_lower`` finds, one further."""
    from mealink.vocabulary import vocabulary

    vocab = vocabulary()
    rng = random.Random(5)
    finite = [f for f, v in vocab.verb_forms.items() if v.form == "finite"][:200]
    words = [*finite, "-", " ", "  ", "x", "1", ",", "and", "é", "\n"]
    for _ in range(4000):
        text = "".join(rng.choice(words) + rng.choice(["", " ", "-", ", ", "_"])
                       for _ in range(rng.randint(0, 8)))
        plain = [m.span("verb") for m in vocab.finite_lower.finditer(text)]
        fast = [(m.start("verb") - 1, m.end("verb") - 1)
                for m in vocab.finite_bounded.finditer(" " + text)]
        assert fast == plain, repr(text)



def _look_behind_patterns() -> list[re.Pattern[str]]:
    """The patterns opening with a look-behind that the parser runs with finditer_behind:
    hedges and deadlines of each language (all their alternatives), long names of bodies,
    document symbols and convention names."""
    from mealink.languages import vocabulary_for
    from mealink.vocabulary import vocabulary

    vocab = vocabulary()
    out = [vocab.long_names_pattern, vocab.symbol_pattern, vocab.convention_names_pattern,
           vocab.convention_long_names]
    for lang in ("en", "fr", "es"):
        v = vocabulary_for(lang)
        for gate in (v.conditions_lower, v.deadlines):
            every = " ".join(gate.words)  # every word present: every alternative kept
            pattern = gate.pattern(every + " é")
            assert pattern is not None
            out.append(pattern)
    return out


@pytest.mark.parametrize("case", range(10))
def test_look_behind_patterns_found_as_by_finditer(case: int) -> None:
    """``finditer_behind`` (the twin that matches the character before a match finds where
    it starts) gives the matches ``finditer`` gives, between any bounds, on texts dense
    with the patterns' phrases run into each other and into words."""
    from mealink.regexes import behind_twin, finditer_behind, search_behind

    pattern = _look_behind_patterns()[case]
    assert behind_twin(pattern) is not None
    rng = random.Random(case)
    phrases = ["resources permitting", "as appropriate", "where appropriate", "next meeting",
               "its next meeting", "cop15", "COP 15", "the 20th meeting of the Standing "
               "Committee", "si procede", "según proceda", "UNEP/CMS/Resolution 11.2",
               "CMS", "CITES", "Convention on Biological Diversity", "basel convention",
               "2015-2023", "as", "x", "1", "é", "-", "/", ".", "_"]
    for _ in range(1500):
        text = "".join(rng.choice(phrases) + rng.choice(["", " ", "-", ", ", "/", "\n"])
                       for _ in range(rng.randint(0, 10)))
        text = text.lower() if rng.random() < 0.5 else text
        start = rng.randint(0, len(text))
        end = rng.randint(start, len(text))
        plain = [(m.span(), m.lastgroup) for m in pattern.finditer(text, start, end)]
        fast = [(m.span(), m.lastgroup) for m in finditer_behind(pattern, text, start, end)]
        assert fast == plain, (pattern.pattern[:60], text, start, end)
        first = search_behind(pattern, text, start, end)
        assert (first.span() if first else None) == (plain[0][0] if plain else None)


def test_patterns_without_a_look_behind_before_every_match_have_no_twin() -> None:
    """A look-behind that opens only one branch, or none at all, is run as it is."""
    from mealink.regexes import behind_twin, finditer_behind

    for source in (r"(?<!\w)as|so", r"as", r"\bas", r"(?<![^a])as", r"(?<=\s)as"):
        pattern = re.compile(source)
        assert behind_twin(pattern) is None, source
        text = "as so asso, as"
        assert [m.span() for m in finditer_behind(pattern, text, 1)] == \
            [m.span() for m in pattern.finditer(text, 1)]


@pytest.mark.parametrize("chars", [r"\w", r"\w-", r"\w/", r"\w/-", "A-Za-z/.-"])
def test_outside_is_the_plain_negated_class(chars: str) -> None:
    """``outside`` lists ASCII word characters before ``\\w`` for speed: it refuses and
    accepts every character of the Basic Multilingual Plane as the plain class does, with
    and without ignoring case."""
    from mealink.regexes import outside

    for flags in (0, re.IGNORECASE):
        fast, plain = re.compile(outside(chars), flags), re.compile(f"[^{chars}]", flags)
        text = "".join(map(chr, range(0xD800))) + "".join(map(chr, range(0xE000, 0x10000)))
        assert [m.start() for m in fast.finditer(text)] == \
            [m.start() for m in plain.finditer(text)]


def test_record_labels_found_from_line_breaks() -> None:
    """A page's record labels, looked for only after line breaks, are found where the
    pattern opening with "^" (tried at every position) finds them."""
    from mealink.parse import pagemeta

    labels = pagemeta._labels()
    rng = random.Random(11)
    pieces = ["Decision number:", "Document status", "COP meeting:", "meeting:", "Meeting:",
              "Decision", "\n", "\n", "  ", "\t", " x", "12.5", "Number / Code:", "\n\n"]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 12)))
        for pattern in (labels.number, labels.meeting, labels.decision):
            assert [m.span() for m in pagemeta._at_line_starts(pattern, text)] == \
                [m.span() for m in pattern.finditer(text)], (pattern.pattern[:40], text)



def _plain_close_pairs(vectors: NDArray[np.float32], groups: NDArray[np.integer],
                       threshold: float) -> set[tuple[int, int, float]]:
    """Every pair of rows in different groups with cosine >= threshold, the whole matrix at
    once: what ``close_pairs`` computes block by block."""
    s = vectors @ vectors.T
    i, j = np.nonzero(np.triu(s >= threshold, k=1) & (groups[:, None] != groups[None, :]))
    return {(int(a), int(b), float(s[a, b])) for a, b in zip(i, j, strict=True)}


@pytest.mark.parametrize("block", [7, 64, 1024])
def test_close_pairs_finds_the_pairs_of_the_whole_matrix(block: int) -> None:
    """Blocks, sorted groups and the flat positions of the mask give the pairs (and their
    order, most similar first) the whole matrix gives."""
    rng = np.random.default_rng(20261206)
    centres = rng.normal(size=(12, 24))
    x = (centres[rng.integers(0, 12, 300)] + 0.35 * rng.normal(size=(300, 24)))
    x = (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)
    groups = rng.integers(0, 4, 300).astype(np.int16)
    pairs = close_pairs(x, groups, 0.8, block=block)
    got = list(zip(pairs.left.tolist(), pairs.right.tolist(), pairs.similarity.tolist(),
                   strict=True))
    assert len(got) > 200
    want = {(a, b): s for a, b, s in _plain_close_pairs(x, groups, 0.8)}
    assert {(a, b) for a, b, _ in got} == set(want)
    assert all(abs(s - want[(a, b)]) < 1e-5 for a, b, s in got)
    assert [s for _, _, s in got] == sorted((s for _, _, s in got), reverse=True)


def _distinct_pairs(rng: np.random.Generator, n: int, m: int
                    ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """``m`` distinct pairs of distinct rows below ``n``, lower row first, in random order."""
    a, b = rng.integers(0, n, 3 * m), rng.integers(0, n, 3 * m)
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    keys = np.unique((lo * n + hi)[lo != hi])[:m]
    keys = keys[rng.permutation(len(keys))]
    return keys // n, keys % n


@pytest.mark.parametrize(("n", "low", "high", "levels"), [
    (300, 0.8, 1.0, 7),             # few distinct similarities: ties ordered by the rows
    (100_032, 0.8, 1.0000001, 0),   # the benchmark's size, a float just past 1
    (5_000, 0.01, 1.0, 50),         # a wide spread of bit patterns still fits in the key
    (5_000, -0.3, 0.9, 20),         # negative similarities: lexsort's way
    (2**31, 0.5, 1.0, 9),           # row numbers too wide for one key: lexsort's way
    (50, 0.0, 0.0, 1),              # all zero
])
def test_most_similar_first_is_lexsorts_order(n: int, low: float, high: float,
                                               levels: int) -> None:
    """One integer key sorts pairs as lexsort((hi, lo, -sim)) does, ties included."""
    rng = np.random.default_rng(20261207)
    lo, hi = _distinct_pairs(rng, n, 4_000)
    sim = rng.uniform(low, high, len(lo))
    if levels:
        sim = np.round(sim * levels) / levels
    sim = sim.astype(np.float32)
    assert np.array_equal(most_similar_first(lo, hi, sim, n), np.lexsort((hi, lo, -sim)))


def _plain_neighbours(pairs: ClosePairs, n: int, k: int) -> list[list[tuple[int, float]]]:
    """Each row's first ``k`` pairs in the pairs' order, one pair at a time."""
    out: list[list[tuple[int, float]]] = [[] for _ in range(n)]
    for a, b, s in zip(pairs.left.tolist(), pairs.right.tolist(), pairs.similarity.tolist(),
                       strict=True):
        if len(out[a]) < k:
            out[a].append((b, s))
        if len(out[b]) < k:
            out[b].append((a, s))
    return out


@pytest.mark.parametrize("k", [0, 1, 3, 10, 40, 400])
def test_neighbours_of_lists_each_rows_first_pairs(k: int, monkeypatch: pytest.MonkeyPatch
                                                   ) -> None:
    """Read in chunks (small ones here, so that rows fill across them) or in one loop, each
    row lists its first ``k`` pairs in their order; rows with no pair list none."""
    from mealink.semantic import neighbours

    monkeypatch.setattr(neighbours, "_NEIGHBOUR_CHUNK", 97)
    rng = np.random.default_rng(20261207)
    n = 400
    lo, hi = _distinct_pairs(rng, n - 40, 6_000)  # the last 40 rows have no pair
    sim = (np.round(rng.uniform(0.8, 1.0, len(lo)) * 9) / 9).astype(np.float32)
    rank = most_similar_first(lo, hi, sim, n)
    pairs = ClosePairs(lo[rank], hi[rank], sim[rank])
    got = neighbours_of(pairs, n, k)
    assert got == _plain_neighbours(pairs, n, k)
    assert all(not row for row in got[n - 40:])
