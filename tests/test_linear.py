"""Time and memory grow linearly with the text: long runs of one character, a megabyte on
one line, thousands of numbers on one line. Each case ran for seconds to minutes before
(80 KB of spaces in one paragraph: 79 s; 24 MB on one line: 262 s); each now runs in well
under a second per 100 KB. The limit is a guard against a quadratic path coming back (a
hundred times the time these take), not a speed target: speed is measured in benchmarks/."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, seed, settings
from hypothesis import strategies as st

from mealink import clean_text, parse
from mealink.annotate import annotate
from tests.fuzzing import EXAMPLES, time_limit

HEAD = ("The Conference of the Parties,\n\nRecalling its decision,\n\n"
        "1. Requests the Secretariat to ")
# (what is repeated, how many characters of it); each was quadratic somewhere: in removing
# trailing spaces, in finding a gap before a run-in number, in the page's record labels, in
# the prefixes of a glued lead word, in finding the end of a chapeau's line
RUNS = [(" ", 80_000), ("\t", 80_000), ("\u00a0", 80_000), ("\n", 80_000), ("\n\n", 80_000),
        (" \n", 80_000), ("\r\n", 80_000), ("  1.", 80_000), ("I", 160_000), ("(a) ", 80_000),
        ("The Parties, ", 80_000), ("Requests ", 80_000)]


def _run(text: str) -> int:
    return len(annotate(parse(clean_text(text), "<run>")).paragraphs)


@pytest.mark.parametrize(("piece", "size"), RUNS, ids=[repr(p) for p, _ in RUNS])
def test_long_run_inside_a_paragraph(piece: str, size: int) -> None:
    body = piece * (size // len(piece))
    with time_limit(20):
        assert _run(HEAD + body + " report.\n") >= 1
    with time_limit(20):
        _run(body)  # the run alone: refused or read, in bounded time


# A run put inside a word of a real paragraph: where the actors' phrase is cut (soft stops,
# "and" between bodies) and where a numbered lead may follow white space.
INSIDE = [("cites-dec-16.15.txt", "16.15 The Chairs o"),
          ("cites-res-conf-13.3.txt", "DIRECTS the Standing Comm"),
          ("cms-res-11.28.txt", "The Conference of the Parties to th")]


@pytest.mark.parametrize(("name", "before"), INSIDE, ids=[n for n, _ in INSIDE])
@pytest.mark.parametrize("piece", [" ", "\n", " \n"], ids=["spaces", "newlines", "both"])
def test_long_run_inside_a_word_of_a_real_text(name: str, before: str, piece: str) -> None:
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    at = text.index(before) + len(before)
    with time_limit(20):
        assert _run(text[:at] + piece * (120_000 // len(piece)) + text[at:]) >= 1


def test_megabytes_on_one_line() -> None:
    """Real decisions with every line break taken out, 4 MB on one line."""
    one = " ".join(" ".join(p.read_text(encoding="utf-8").split())
                   for p in sorted(EXAMPLES.glob("*.txt")))
    text = (one + " ") * (4_000_000 // len(one) + 1)
    with time_limit(60):
        assert _run(text[:4_000_000]) >= 1


SHAPES = st.lists(st.tuples(
    st.sampled_from([" ", "\n", "\t", ".", ",", ";", ":", "(", ")", "(a) ", "a) ", "(i) ", "1. ",
                     "  1.", "I", "-", "\"", "The ", "Requests ", "Parties", "[", "]", "…"]),
    st.integers(1, 20_000)), min_size=1, max_size=6)


@seed(20261206)
@settings(max_examples=40, deadline=None, derandomize=True)
@given(SHAPES)
def test_runs_of_white_space_punctuation_and_nesting(shape: list[tuple[str, int]]) -> None:
    """Any mix of long runs, nested brackets and markers, put inside a real decision."""
    rng = random.Random(len(shape))
    base = (EXAMPLES / "cms-res-11.28.txt").read_text(encoding="utf-8")
    text = base
    for piece, n in shape:
        at = rng.randrange(len(text) + 1)
        text = text[:at] + piece * n + text[at:]
    with time_limit(20):
        doc = annotate(parse(clean_text(text), "<shape>"))
    for p in doc.paragraphs:
        assert 0 <= p.span.start <= p.body.start <= p.body.end <= p.span.end <= len(doc.text)
