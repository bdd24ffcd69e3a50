"""Property tests (hypothesis, fixed seed): the parser never raises, never loses content,
and gives the same result twice."""

from __future__ import annotations

from hypothesis import given, seed, settings
from hypothesis import strategies as st

from mealink import Document, clean_text, parse
from mealink.annotate import annotate
from mealink.serialize import document_to_dict

# Text made of the pieces decisions are made of, shuffled: numbers, leads, actors,
# references, punctuation and line breaks, plus arbitrary unicode.
PIECES = st.sampled_from([
    "1.", "2. ", "12.91\n", "(a) ", "a) ", "- b) ", "( iii) ", "I.", "A. ", "\n", "\n\n", "; ",
    ", ", ": ", ". ", "Requests ", "URGES ", "Recalling ", "Further recalling\n", "Aware ",
    "the Secretariat ", "Parties, non-Parties and donors ", "to ", "shall ", "are invited to:",
    "The Conference of the Parties,", "decision VI/23* ", "Resolutions 7.9, 8.11 and 9.6 ",
    "UNEP/CHW.14/5", "11UNEP/CHW.14/5, annex.", "[3]", "¹ ", "&nbsp;", "\\xe2\\x80\\x99",
    "*Requests*", "**TITLE**", "<sup>th</sup>", "Annex ", "[...]", "decision_n12", "Page 3",
    "Repeals Resolution 10.21", "resources permitting", "by 2030", "COP12", "  ", "…",
])
TEXT = st.one_of(
    st.lists(st.one_of(PIECES, st.text(max_size=12)), max_size=60).map("".join),
    st.text(max_size=400),
)


def covered_by_spans(doc: Document) -> set[int]:
    spans = [p.span for p in doc.paragraphs] + list(doc.header) + list(doc.annexes)
    spans += [f.span for f in doc.footnotes] + [a.span for a in doc.apparatus]
    spans += [f.span for p in doc.paragraphs for f in p.footnotes]
    return {i for s in spans for i in range(s.start, s.end)}


@seed(20261121)
@settings(max_examples=400, deadline=None, derandomize=True)
@given(TEXT)
def test_never_raises_and_never_loses_content(raw: str) -> None:
    text = clean_text(raw)
    doc = annotate(parse(text))
    covered = covered_by_spans(doc)
    lost = [i for i, ch in enumerate(text) if not ch.isspace() and i not in covered]
    assert not lost, f"characters not in any part: {[text[i] for i in lost][:20]!r}"
    for p in doc.paragraphs:
        assert 0 <= p.span.start <= p.body.start <= p.body.end <= p.span.end <= len(text)
        for m in [*p.actors, *p.conditions, *p.repeals, *([p.verb] if p.verb else [])]:
            assert 0 <= m.span.start <= m.span.end <= len(text)


@seed(20261121)
@settings(max_examples=150, deadline=None, derandomize=True)
@given(TEXT)
def test_deterministic(raw: str) -> None:
    first = document_to_dict(annotate(parse(clean_text(raw))))
    second = document_to_dict(annotate(parse(clean_text(raw))))
    assert first == second


@seed(20261121)
@settings(max_examples=150, deadline=None, derandomize=True)
@given(TEXT)
def test_clean_text_is_idempotent_on_its_output(raw: str) -> None:
    once = clean_text(raw)
    assert clean_text(once) == clean_text(clean_text(once))
