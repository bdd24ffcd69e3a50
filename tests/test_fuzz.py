"""A fuzz run sized for CI: mutated real decisions (``tests/fuzzing.py``) through load,
parse, annotate and JSON, each within a time limit. The longer run (100,000 inputs and
more) is ``benchmarks/fuzz_parse.py``; its figures are in the README."""

from __future__ import annotations

from collections import Counter

from tests.fuzzing import mutants, run_one, seed_texts

N = 3000
SEED = 20261206
LIMIT = 10.0  # seconds per input: a guard against hangs (a typical input takes ~5 ms)


def test_mutated_real_texts_are_parsed_or_refused_never_crash_or_hang() -> None:
    texts = seed_texts()
    assert len(texts) >= 10, "the fuzz run needs the real texts of examples/"
    tally: Counter[str] = Counter()
    failures = []
    for m in mutants(texts, N, SEED):
        outcome = run_one(m, LIMIT)
        tally[outcome.result] += 1
        if outcome.result == "failed":
            failures.append(f"#{m.number} {m.source} {'+'.join(m.edits)}: {outcome.reason}")
    assert not failures, f"{len(failures)} of {N} inputs failed:\n" + "\n".join(failures[:20])
    assert tally["parsed"] > N * 0.8, tally  # most mutants are still decisions


def test_refusals_say_why() -> None:
    """A refused input is refused with a reason a person can read, on one line."""
    for m in mutants(seed_texts(), 300, SEED + 1):
        outcome = run_one(m, LIMIT)
        if outcome.result == "refused":
            assert outcome.reason.strip() and "\n" not in outcome.reason.strip(), outcome.reason
