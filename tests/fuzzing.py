"""Mutated real texts for fuzzing the load -> parse -> annotate chain, and what every run
of that chain must hold (used by tests/test_fuzz.py and benchmarks/fuzz_parse.py).

A mutant is a real decision with a few edits of the kinds that real copies suffer or that
attack a parser: a span deleted, duplicated or moved, a long run of white space,
punctuation, brackets or numbers put in, line breaks removed or added, words glued, case
flipped, odd characters inserted, the text cut short. Every mutant must come out as a
document or as one ``MealinkError`` (a refusal with a reason), within a time limit: never
another exception, never a hang, never a span outside the text.
"""

from __future__ import annotations

import json
import random
import signal
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from mealink import MealinkError
from mealink.annotate import annotate
from mealink.load import load_bytes
from mealink.parse import parse
from mealink.serialize import document_to_dict

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = REPO / "examples"

_RUNS = [" ", "\n", "\t", "\n\n", " \n", ".", ",", ";", ":", "-", "(", ")", "(a) ", "a) ",
         "1. ", "  1.", "I", "\u00a0", "\u200b", "*", "#", "[", "\"", "/", "… ", "and ", "The "]
_ODD = ["\x00", "\ufffd", "\u202e", "\U0001f600", "\u0301", "İ", "ß", "\ufb01", "\r", "\x0c",
        "<", ">", "&", "&amp;", "\\x", "\\xe2\\x80", "<sup>", "</i>", "[^1]", "**", "_"]


class TimeLimitExceeded(Exception):
    """One input took longer than its limit (a hang or a quadratic path)."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise TimeLimitExceeded in the main thread when the block runs longer than
    ``seconds`` (a guard against hangs, not a speed target)."""
    def _expired(signum: int, frame: object) -> None:
        raise TimeLimitExceeded(f"took more than {seconds:g} s")

    old = signal.signal(signal.SIGALRM, _expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _span(rng: random.Random, text: str, longest: int = 400) -> tuple[int, int]:
    s = rng.randrange(len(text) + 1)
    return s, min(len(text), s + rng.randint(0, longest))


def _delete(rng: random.Random, t: str) -> str:
    s, e = _span(rng, t)
    return t[:s] + t[e:]


def _duplicate(rng: random.Random, t: str) -> str:
    s, e = _span(rng, t, 2000)
    return t[:e] + t[s:e] * rng.randint(1, 20) + t[e:]


def _move(rng: random.Random, t: str) -> str:
    s, e = _span(rng, t)
    rest = t[:s] + t[e:]
    at = rng.randrange(len(rest) + 1)
    return rest[:at] + t[s:e] + rest[at:]


def _run(rng: random.Random, t: str) -> str:
    at = rng.randrange(len(t) + 1)
    piece = rng.choice(_RUNS)
    return t[:at] + piece * rng.choice((2, 10, 100, 1000, 5000)) + t[at:]


def _join_lines(rng: random.Random, t: str) -> str:
    s, e = _span(rng, t, 5000) if rng.random() < 0.7 else (0, len(t))
    return t[:s] + " ".join(t[s:e].split("\n")) + t[e:]


def _break_lines(rng: random.Random, t: str) -> str:
    chars = list(t)
    for _ in range(rng.randint(1, 30)):
        at = rng.randrange(len(chars) + 1)
        chars.insert(at, "\n")
    return "".join(chars)


def _glue(rng: random.Random, t: str) -> str:
    s, e = _span(rng, t, 1000)
    return t[:s] + t[s:e].replace(" ", "") + t[e:]


def _case(rng: random.Random, t: str) -> str:
    s, e = _span(rng, t, 1000)
    return t[:s] + (t[s:e].upper() if rng.random() < 0.5 else t[s:e].swapcase()) + t[e:]


def _odd(rng: random.Random, t: str) -> str:
    chars = list(t)
    for _ in range(rng.randint(1, 20)):
        chars.insert(rng.randrange(len(chars) + 1), rng.choice(_ODD))
    return "".join(chars)


def _cut(rng: random.Random, t: str) -> str:
    return t[:rng.randrange(len(t) + 1)]


MUTATIONS: dict[str, Callable[[random.Random, str], str]] = {
    "delete": _delete, "duplicate": _duplicate, "move": _move, "run": _run,
    "join-lines": _join_lines, "break-lines": _break_lines, "glue": _glue, "case": _case,
    "odd": _odd, "cut": _cut,
}


def seed_texts(folder: Path = EXAMPLES) -> list[tuple[str, str]]:
    """The real texts to mutate: (file name, text) of every ``*.txt`` in ``folder``."""
    return [(p.name, p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.txt"))]


@dataclass(frozen=True)
class Mutant:
    """One fuzz input: which real text, which edits (in order), and the result."""

    number: int
    source: str
    edits: tuple[str, ...]
    text: str


def mutants(texts: Sequence[tuple[str, str]], n: int, seed: int) -> Iterator[Mutant]:
    """``n`` mutants of ``texts``, one to three edits each, the same for the same seed."""
    rng = random.Random(seed)
    names = sorted(MUTATIONS)
    for i in range(n):
        source, text = texts[rng.randrange(len(texts))]
        edits = tuple(rng.choice(names) for _ in range(rng.randint(1, 3)))
        for edit in edits:
            text = MUTATIONS[edit](rng, text)
        yield Mutant(i, source, edits, text)


@dataclass(frozen=True)
class Outcome:
    """What the chain made of one mutant: "parsed", "refused" (a MealinkError), "failed"
    (anything else: a bug, with the reason), and how long it took."""

    result: str
    seconds: float
    reason: str = ""


def run_one(m: Mutant, limit: float) -> Outcome:
    """Load (as a .txt file's bytes), parse, annotate and serialize ``m`` within ``limit``
    seconds, and check every span lies in the text."""
    t0 = time.perf_counter()
    try:
        with time_limit(limit):
            src = load_bytes(m.text.encode("utf-8", "surrogatepass"), f"{m.source}.fuzz.txt")
            doc = annotate(parse(src.text, src.name))
            json.dumps(document_to_dict(doc), ensure_ascii=False).encode("utf-8")
            n = len(doc.text)
            for p in doc.paragraphs:
                if not 0 <= p.span.start <= p.body.start <= p.body.end <= p.span.end <= n:
                    raise AssertionError(f"paragraph {p.number!r} span {p.span} outside the text")
                for x in [*p.actors, *p.conditions, *p.references, *p.instruments,
                          *([p.verb] if p.verb else [])]:
                    if not 0 <= x.span.start <= x.span.end <= n:
                        raise AssertionError(f"paragraph {p.number!r}: span {x.span} outside")
    except MealinkError as exc:
        return Outcome("refused", time.perf_counter() - t0, str(exc))
    except Exception as exc:  # a fuzz run records every other failure as a bug
        return Outcome("failed", time.perf_counter() - t0, f"{type(exc).__name__}: {exc}")
    return Outcome("parsed", time.perf_counter() - t0)
