"""``mealink.versions``: two versions of a text compared paragraph by paragraph. The real
pair is CITES Decision 17.170 as revised at CoP18 and at CoP19 (``../shared/realdocs``),
checked by hand: the CoP19 page has no title block but a breadcrumb, and its one paragraph
drops an "and", adds the work of the intersessional periods and moves the report from the
19th to the 20th meeting. The small cases are written for the test, under no symbol.

Regenerate the golden Markdown after an intended change with
``MEALINK_UPDATE_GOLDEN=1 pytest tests/test_diff.py`` and review it before committing.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mealink.models import Document, Kind, Paragraph, Span
from mealink.pipeline import parse_file
from mealink.versions import align, compare, html_fragment, markdown
from mealink.versions.align import DiffSettings
from mealink.versions.words import word_runs, words
from tests.conftest import REPO

GOLDEN = REPO / "tests" / "golden" / "diff-cites-17.170-cop18-cop19.md"
CITES_A, CITES_B = "cites-dec-17.170-rev-cop18.txt", "cites-dec-17.170-rev-cop19.txt"


def doc(*paras: tuple[Kind, str | None, str]) -> Document:
    """A document of the given (kind, number, text) paragraphs, one a line."""
    text, out = "", []
    for kind, number, body in paras:
        start = len(text)
        text += body + "\n"
        out.append(Paragraph(kind, number, Span(start, start + len(body)),
                             Span(start, start + len(body)), body))
    return Document(source="test.txt", text=text, paragraphs=out)


X = "Requests the Secretariat to compile the reports of the Parties on the matters listed below"
#: X rewritten by half (a share of 0.53: under ``similar``, over ``same_number``)
X2 = ("Requests the Secretariat to compile the national reports submitted by Parties and "
      "observers each year")
Y = "Invites the Parties to share their experience with the measures taken since the last meeting"
Z = "Decides to keep this decision under review at its next ordinary meeting"
NEW = "Urges donors to fund the workshops that the committee has called for in its report"
P = "Recalling the earlier decisions on this matter taken by the meeting of the Parties"
Q = "Noting with concern the decline of the populations of the species concerned"
R = "Aware of the work of other bodies on the same question and of its results"


def ops(*texts: str, start: int = 1) -> list[tuple[Kind, str | None, str]]:
    return [("operative", str(i), t) for i, t in enumerate(texts, start)]


# (case, earlier, later, expected (status, title) in order)
CASES = [
    ("identical", ops(X, Y, Z), ops(X, Y, Z),
     [("unchanged", "¶1 → ¶1"), ("unchanged", "¶2 → ¶2"), ("unchanged", "¶3 → ¶3")]),
    ("inserted before others: they are renumbered, not deleted and added",
     ops(X, Y, Z), ops(X, NEW, Y, Z),
     [("unchanged", "¶1 → ¶1"), ("added", "— → ¶2"), ("moved", "¶2 → ¶3"),
      ("moved", "¶3 → ¶4")]),
    ("deleted: it stands after the paragraph it followed", ops(X, Y, Z), ops(X, Z),
     [("unchanged", "¶1 → ¶1"), ("deleted", "¶2 → —"), ("moved", "¶3 → ¶2")]),
    ("reordered unnumbered preamble: only the paragraph out of order moved",
     [("preamble", None, t) for t in (P, Q, R)], [("preamble", None, t) for t in (R, P, Q)],
     [("moved", "pre 3 → pre 1"), ("unchanged", "pre 1 → pre 2"),
      ("unchanged", "pre 2 → pre 3")]),
    ("a word changed under the same number", ops(X, Z),
     ops(X, Z.replace("next ordinary", "next extraordinary")),
     [("unchanged", "¶1 → ¶1"), ("changed", "¶2 → ¶2")]),
    ("changed and renumbered", ops(X, Y), ops(X, NEW, Y.replace("last", "previous")),
     [("unchanged", "¶1 → ¶1"), ("added", "— → ¶2"), ("changed", "¶2 → ¶3")]),
    ("split in two: the first half is the paragraph changed, the second added",
     ops(f"{X}; {Y}"), ops(X, Y),
     [("changed", "¶1 → ¶1"), ("added", "— → ¶2")]),
    ("a number reused for another text: deleted and added, not changed",
     ops(X, Y), ops(X, NEW),
     [("unchanged", "¶1 → ¶1"), ("deleted", "¶2 → —"), ("added", "— → ¶2")]),
    ("a number twice (two decisions of one text): each pairs with the one it resembles",
     ops(X, Z) + ops(Y, start=1), ops(X2, Z) + ops(Y.replace("last", "previous"), start=1),
     [("changed", "¶1 → ¶1"), ("unchanged", "¶2 → ¶2"), ("changed", "¶1 → ¶1")]),
    ("the same words in the preamble and the operative part are not one paragraph",
     [("preamble", None, P)], [("operative", "1", P)],
     [("deleted", "pre 1 → —"), ("added", "— → ¶1")]),
]


@pytest.mark.parametrize(("case", "a", "b", "expected"), CASES, ids=[c[0] for c in CASES])
def test_small_cases(case: str, a: list[tuple[Kind, str | None, str]],
                     b: list[tuple[Kind, str | None, str]],
                     expected: list[tuple[str, str]]) -> None:
    d = compare(doc(*a), doc(*b), "A", "B")
    assert [(c.status, c.title) for c in d.changes] == expected
    assert d.identical == (case == "identical")


def test_word_runs_mark_the_words_with_spans_into_each_text() -> None:
    a, b = Z, Z.replace("next ordinary", "next extraordinary").replace("keep", "keep all of")
    runs = word_runs(a, b)
    assert [(r.op, r.text) for r in runs] == [
        ("equal", "Decides to keep"), ("insert", "all of"),
        ("equal", "this decision under review at its next"), ("delete", "ordinary"),
        ("insert", "extraordinary"), ("equal", "meeting")]
    for r in runs:
        if r.a:
            assert a[r.a.start:r.a.end] == r.text
        if r.b:
            assert b[r.b.start:r.b.end] == r.text


def test_thresholds_are_data() -> None:
    assert align.settings() == DiffSettings(same_number=0.4, similar=0.6)
    strict = DiffSettings(same_number=0.99, similar=0.99)
    d = compare(doc(*ops(X, Z)), doc(*ops(X, Z.replace("next", "following"))), cfg=strict)
    assert [c.status for c in d.changes] == ["unchanged", "deleted", "added"]


def test_html_escapes_text_and_marks_words() -> None:
    d = compare(doc(*ops("Decides that <b>x</b> & y apply")),
                doc(*ops("Decides that <b>x</b> & z apply")), "A <1>", "B")
    html = html_fragment(d)
    assert "<b>" not in html and "&lt;b&gt;x&lt;/b&gt; &amp; <del>y</del> <ins>z</ins> apply" \
        in html
    md = markdown(d)
    assert "# A \\<1\\> → B" in md and "\\<b\\>x\\</b\\> & ~~y~~ **z** apply" in md


@pytest.fixture(scope="module")
def cites(realdocs_dir: Path) -> tuple[Document, Document]:
    return parse_file(realdocs_dir / CITES_A), parse_file(realdocs_dir / CITES_B)


def test_cites_17_170_cop18_to_cop19(cites: tuple[Document, Document]) -> None:
    d = compare(*cites)
    assert (d.a_label, d.b_label) == ("CITES Decision 17.170 (Rev. CoP18)",
                                     "CITES Decision 17.170 (Rev. CoP19)")
    assert d.counts() == {"unchanged": 0, "changed": 1, "added": 0, "deleted": 4, "moved": 0}
    got = [(c.status, c.part, (c.a or c.b).text if c.status != "changed" else c.title)
           for c in d.changes if c.a or c.b]
    assert got == [
        # the CoP18 page's title block, which the CoP19 page does not print
        ("deleted", "heading", "Stocks and stockpiles"),
        ("deleted", "heading", "Decision directed to"),
        ("deleted", "heading", "17.170 (Rev. CoP18)"),
        ("deleted", "heading", "Decision directed to:"),
        ("changed", "operative", "op 1 → op 1")]  # the CoP19 page's breadcrumb is apparatus
    changed = d.changes[4]
    assert [(r.op, r.text) for r in changed.runs if r.op != "equal"] == [
        ("delete", "and"),
        ("insert", "the work conducted during the previous intersessional periods, and"),
        ("delete", "19th"), ("insert", "20th")]
    assert changed.a and changed.b
    for r in changed.runs:  # every span slices its version's text
        if r.a:
            assert changed.a.text[r.a.start:r.a.end] == r.text
        if r.b:
            assert changed.b.text[r.b.start:r.b.end] == r.text
    for side, version in ((changed.a, cites[0]), (changed.b, cites[1])):
        assert version.text[side.span.start:side.span.end] == side.text


@pytest.mark.parametrize("name", [CITES_A, "cms-res-10.8-rev-cop14.txt",
                                  "cites-res-conf-13.10.fr.txt"])
def test_a_text_against_itself_is_identical(realdocs_dir: Path, name: str) -> None:
    d = compare(parse_file(realdocs_dir / name), parse_file(realdocs_dir / name))
    assert d.identical and set(d.counts()) and d.counts()["unchanged"] == len(d.changes) > 0
    assert d.summary() == f"The texts are identical: {len(d.changes)} paragraphs, none changed."
    assert all(not c.runs for c in d.changes)


def test_one_text_from_two_sources_is_identical(corpus_dir: Path, realdocs_dir: Path) -> None:
    """CMS Resolution 10.8 (Rev.COP14) as Markdown (the seed of the gold corpus) and as
    plain text (realdocs): the parser reads both alike, so nothing changed."""
    d = compare(parse_file(corpus_dir / "seed-cms-res-10.8.txt"),
                parse_file(realdocs_dir / "cms-res-10.8-rev-cop14.txt"))
    assert d.identical and len(d.changes) == 23


def test_output_is_deterministic(cites: tuple[Document, Document]) -> None:
    assert compare(*cites).to_dict() == compare(*cites).to_dict()


def test_golden_markdown(cites: tuple[Document, Document]) -> None:
    got = markdown(compare(*cites))
    if os.environ.get("MEALINK_UPDATE_GOLDEN") == "1":
        GOLDEN.write_text(got, encoding="utf-8")
    assert GOLDEN.is_file(), f"no golden file {GOLDEN}; run with MEALINK_UPDATE_GOLDEN=1"
    assert got == GOLDEN.read_text(encoding="utf-8")


_WORDS = st.lists(st.sampled_from(["Parties", "shall", "report", ",", "the", "19th", "20th",
                                   "Secretariat", ";", "and", "review"]), max_size=14)
_PARAS = st.lists(st.tuples(st.sampled_from(["preamble", "operative"]),
                            st.sampled_from([None, "1", "2", "3"]), _WORDS), max_size=7)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(_WORDS, _WORDS)
def test_runs_rebuild_both_texts(a: list[str], b: list[str]) -> None:
    ta, tb = " ".join(a), " ".join(b)
    runs = word_runs(ta, tb)
    assert [w.text for r in runs if r.op != "insert" for w in words(r.text)] == a
    assert [w.text for r in runs if r.op != "delete" for w in words(r.text)] == b


@settings(max_examples=200, deadline=None, derandomize=True)
@given(_PARAS, _PARAS)
def test_every_paragraph_once(a: list[tuple[Kind, str | None, list[str]]],
                              b: list[tuple[Kind, str | None, list[str]]]) -> None:
    d = compare(doc(*((k, n, " ".join(w)) for k, n, w in a)),
                doc(*((k, n, " ".join(w)) for k, n, w in b)))
    assert sorted(c.a.index for c in d.changes if c.a) == list(range(len(a)))
    assert [c.b.index for c in d.changes if c.b] == list(range(len(b)))  # the later order
    assert sum(d.counts().values()) == len(d.changes)
