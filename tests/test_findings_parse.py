"""Assessment findings (mealink/findings/): key-messages texts and JSON/CSV lists of
findings, their labels, spans and confidence, routing by ``looks_like_findings``, one-line
errors, and a property test that random text raises nothing but ``ParseError``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, seed, settings
from hypothesis import strategies as st

from mealink.errors import LoadError, MealinkError, ParseError
from mealink.findings.parse import findings_source, looks_like_findings, parse_findings
from mealink.findings.rules import Assessment, assessment_id, known_assessment, normalise_label
from mealink.load import load, load_bytes
from mealink.models import Source
from tests.conftest import INVENTED, REPO

DATA = REPO / "tests" / "data"
SAMPLE = DATA / "ipbes-key-messages-sample.txt"
JSON_LIST = DATA / "ipbes-findings.json"

HEADER = ("Summary for policymakers of the thematic assessment report on invasive alien species "
          "and their control\n\nKey messages\n\n")


def text_source(body: str, name: str = "spm.txt", header: str = HEADER) -> Source:
    return Source(name=name, format="txt", text=header + body)


def first_words(text: str, n: int = 3) -> str:
    return " ".join(text.split()[:n])


# --- key-messages texts: (body, [(label, written, first words of text, confidence)]) ------
TEXT_CASES = [
    pytest.param(
        "A1. Invasive alien species are a major threat. {well established} {1.1, 4.3}\n\n"
        "A2. Numbers keep rising. {established but incomplete} {2.2}\n\n"
        "A3. Costs are poorly known.\n",
        [("A.1", "A1", "Invasive alien species", "well established"),
         ("A.2", "A2", "Numbers keep rising.", "established but incomplete"),
         ("A.3", "A3", "Costs are poorly", None)],
        id="A1.-labels-with-and-without-confidence"),
    pytest.param(
        "B.1 Trade is the main driver.\nB.2 Transport carries stowaways.\n"
        "B.3 Climate change helps invasions {unresolved}.\n",
        [("B.1", "B.1", "Trade is the", None), ("B.2", "B.2", "Transport carries stowaways.",
                                                 None),
         ("B.3", "B.3", "Climate change helps", "unresolved")],
        id="B.3-labels-one-per-line"),
    pytest.param(
        "C 1 Prevention is cheapest.\n\nC 2 Eradication works on islands (well established)"
        " {5.4}.\n\nC 3 Control needs sustained effort.\n",
        [("C.1", "C 1", "Prevention is cheapest.", None),
         ("C.2", "C 2", "Eradication works on", "well established"),
         ("C.3", "C 3", "Control needs sustained", None)],
        id="C-2-labels-with-a-space-and-parenthesised-confidence"),
    pytest.param(
        "- A1 Invasive species threaten islands.\n- A2 Wetlands are heavily invaded.\n"
        "• B1 Trade in live animals is a pathway.\n• B2 Ships carry stowaways.\n",
        [("A.1", "A1", "Invasive species threaten", None),
         ("A.2", "A2", "Wetlands are heavily", None),
         ("B.1", "B1", "Trade in live", None), ("B.2", "B2", "Ships carry stowaways.", None)],
        id="labels-in-a-list"),
    pytest.param(
        "D1.Cooperation across conventions avoids duplication.\nD2:Information systems help."
        "\nD10) Capacity matters.\n",
        [("D.1", "D1", "Cooperation across conventions", None),
         ("D.2", "D2", "Information systems help.", None),
         ("D.10", "D10", "Capacity matters.", None)],
        id="glued-labels-and-two-digits"),
    pytest.param(
        "B.3 Trade drives invasions.\nB.3.1 Sub-finding that belongs to B.3.\n"
        "B.4 Transport too,\nA 10 per cent rise is a wrapped line, not a label.\nB.5 End.\n",
        [("B.3", "B.3", "Trade drives invasions.", None),
         ("B.4", "B.4", "Transport too, A", None), ("B.5", "B.5", "End.", None)],
        id="sub-findings-and-wrapped-lines-are-not-labels"),
]


@pytest.mark.parametrize(("body", "expected"), TEXT_CASES)
def test_text_shapes(body: str, expected: list[tuple[str, str, str, str | None]]) -> None:
    source = text_source(body)
    assert looks_like_findings(source)
    assessment = parse_findings(source)
    got = [(f.label, f.written, first_words(f.text), f.confidence)
           for f in assessment.findings]
    assert got == [(label, written, first_words(words), conf)
                   for label, written, words, conf in expected]
    for f in assessment.findings:
        assert "{" not in f.text and "well established" not in f.text
        assert " ".join(f.text.split()) == f.text
        assert f.section == f.label.split(".")[0]
        assert first_words(f.text) in " ".join(source.text[f.span.start:f.span.end].split())
        assert source.text[f.span.start:f.span.end].startswith(f.written)


def test_sections_headings_and_appendix() -> None:
    body = ("A. Status and trends of invasive alien species\nacross all regions\n\n"
            "A1 Invasions are rising.\n\n"
            "B. Drivers and pathways\n\nB1 Trade is the main driver. More text follows\n"
            "on a wrapped line.\n\nAppendix I\nCommunication of the degree of confidence\n"
            "Well established: multiple studies agree.\n")
    findings = parse_findings(text_source(body)).findings
    assert [(f.label, f.heading) for f in findings] == [
        ("A.1", "Status and trends of invasive alien species across all regions"),
        ("B.1", "Drivers and pathways")]
    assert findings[1].text == "Trade is the main driver. More text follows on a wrapped line."
    assert findings[1].statement == "Trade is the main driver."


def test_finding_text_drops_brackets_and_keeps_first_confidence() -> None:
    body = ("A1 Invasive alien species are a major threat. {well established} {1.1, 4.3.1} "
            "Impacts are greatest on islands (established but\nincomplete) {4.3.1; Box 4.2}.\n"
            "A2 Second. {inconclusive}\nA3 Third {Table 2.1}.\n")
    a1, a2, a3 = parse_findings(text_source(body)).findings
    assert a1.text == ("Invasive alien species are a major threat. Impacts are greatest on "
                       "islands.")
    assert a1.statement == "Invasive alien species are a major threat."
    assert a1.confidence == "well established"
    assert (a2.text, a2.confidence) == ("Second.", "inconclusive")
    assert (a3.text, a3.confidence) == ("Third.", None)


def test_sample_text() -> None:
    source = load(SAMPLE)
    assert looks_like_findings(source)
    a = parse_findings(source)
    assert (a.id, a.title, a.body, a.year, a.symbol) == (
        "ipbes/2023/invasive-alien-species",
        "Thematic assessment report on invasive alien species and their control",
        "IPBES", 2023, "IPBES/10/12/Add.1")
    assert [f.label for f in a.findings] == ["A.1", "A.2", "B.1", "C.1", "C.2"]
    assert [f.confidence for f in a.findings] == [
        "well established", "established but incomplete", "well established",
        "well established", None]
    assert a.findings[0].heading == "Invasive alien species are a major threat to nature and people"
    assert a.findings[-1].text == ("Classical biological control has controlled many invasive "
                                   "weeds of crops and pastures at low cost.")  # appendix cut
    assert "biosecurity" in a.topics
    assert a.source == str(SAMPLE) and a.text == source.text
    assert a.finding("C2") is a.finding("C.2") is a.findings[-1]
    for f in a.findings:
        assert first_words(f.text) in " ".join(source.text[f.span.start:f.span.end].split())


# --- lists ----------------------------------------------------------------------------------
def test_json_list() -> None:
    source = findings_source(JSON_LIST.read_bytes(), str(JSON_LIST))
    assert source.format == "json" and source.text.lstrip().startswith("{")
    assert looks_like_findings(source)
    a = parse_findings(source)
    assert (a.id, a.body, a.year, a.symbol) == (
        "ipbes/2023/invasive-alien-species", "IPBES", 2023, "IPBES/10/12/Add.1")
    assert [(f.label, f.written, f.section, f.confidence) for f in a.findings] == [
        ("A.2", "A2", "A", "established but incomplete"), ("B.2", "B.2", "B", "well established"),
        ("C.3", "C3", "C", "well established"), ("C.5", "C 5", "C", "well established")]
    assert a.findings[2].heading == "Management of invasive alien species"
    assert "{" not in a.findings[0].text
    for f in a.findings:
        assert source.text[f.span.start:f.span.end].startswith(first_words(f.text))


def test_json_list_is_refused_by_the_resolution_loader() -> None:
    """Why lists reach parse_findings as raw text: load_bytes keeps only "text" fields."""
    with pytest.raises(LoadError):
        load_bytes(JSON_LIST.read_bytes(), "ipbes-findings.json")


def test_bare_json_list_takes_its_title_from_the_file_name() -> None:
    raw = json.dumps([{"label": "A1", "text": "First."}, {"label": 2, "text": "Second."}])
    a = parse_findings(Source("ipbes-values-assessment.json", "json", raw))
    assert [f.label for f in a.findings] == ["A.1", "2"]
    assert a.findings[1].section is None
    assert a.title == "ipbes values assessment" and a.id == "ipbes/2022/values"


CSV_CASES = [
    pytest.param('label,text\nA1,"Invasions are rising, everywhere. {well established} {2.1}"\n'
                 'B.3,Trade is a pathway.\n',
                 [("A.1", "Invasions are rising,", "well established"),
                  ("B.3", "Trade is a", None)], id="comma"),
    pytest.param("Label;Text;Confidence\nC 2;Eradication works on islands.;well established\n"
                 "\n;;\nC3;Control needs \"sustained\" effort.;\n",
                 [("C.2", "Eradication works on", "well established"),
                  ("C.3", 'Control needs "sustained"', None)], id="semicolon-confidence-column"),
    pytest.param('\n\ntext,label\n"A multi-line\nfinding text.",A1\n',
                 [("A.1", "A multi-line finding", None)], id="columns-swapped-multiline-field"),
]


@pytest.mark.parametrize(("raw", "expected"), CSV_CASES)
def test_csv_list(raw: str, expected: list[tuple[str, str, str | None]]) -> None:
    source = findings_source(raw.encode(), "findings.csv")
    assert source.format == "csv" and source.text == raw
    assert looks_like_findings(source)
    a = parse_findings(source)
    assert [(f.label, first_words(f.text), f.confidence) for f in a.findings] == expected
    assert a.title == "findings" and a.body == "IPBES" and a.year is None
    assert a.id == "ipbes/undated/findings"
    for f in a.findings:
        written = " ".join(source.text[f.span.start:f.span.end].replace('""', '"').split())
        assert written.startswith(first_words(f.text))


def test_findings_source_passes_other_files_to_the_loader() -> None:
    source = findings_source(SAMPLE.read_bytes(), str(SAMPLE))
    assert source == load(SAMPLE)
    record = json.dumps({"text": "1. Requests the Secretariat to report."}).encode()
    assert findings_source(record, "decision.json").text.startswith("1. Requests")


# --- labels and identifiers -----------------------------------------------------------------
@pytest.mark.parametrize(("written", "label"), [
    ("B3", "B.3"), ("B.3", "B.3"), ("B 3", "B.3"), ("b3", "B.3"), ("B03", "B.3"),
    ("B.3.", "B.3"), (" C12 ", "C.12"), ("3", None), ("BB3", None), ("B.3.2", None),
    ("Z1", None), ("", None),
])
def test_normalise_label(written: str, label: str | None) -> None:
    assert normalise_label(written) == label


@pytest.mark.parametrize(("body", "year", "title", "expected"), [
    ("IPBES", 2023, "Thematic assessment report on invasive alien species and their control",
     "ipbes/2023/invasive-alien-species"),
    ("IPBES", 2019, "Global Assessment Report on Biodiversity and Ecosystem Services",
     "ipbes/2019/global-assessment"),
    ("IPBES", None, "Thematic assessment of the sustainable use of wild species",
     "ipbes/undated/sustainable-use-of-wild-species"),
    ("IPBES", 2030, "Thematic assessment on spatial planning and connectivity of protected "
     "areas", "ipbes/2030/spatial-planning-connectivity-protected-areas"),
    ("IPBES", 2031, "Ocean acidification", "ipbes/2031/ocean-acidification"),
])
def test_assessment_id(body: str, year: int | None, title: str, expected: str) -> None:
    assert assessment_id(body, year, title) == expected


def test_known_assessment() -> None:
    known = known_assessment("IPBES Invasive Alien Species Assessment")
    assert known is not None and (known.slug, known.year) == ("invasive-alien-species", 2023)
    assert known_assessment("An assessment of something else") is None


# --- routing: nothing that is a resolution looks like findings ------------------------------
def test_resolutions_and_decisions_do_not_look_like_findings(corpus_dir: Path) -> None:
    paths = sorted(corpus_dir.glob("*.txt")) + sorted(
        p for p in INVENTED.iterdir() if p.is_file() and not p.name.startswith("ipbes-"))
    assert len(paths) > 10
    ipbes = INVENTED / "ipbes-ias-key-messages.txt"  # the one fixture that is findings
    assert looks_like_findings(findings_source(ipbes.read_bytes(), str(ipbes)))
    wrong = [p.name for p in paths if looks_like_findings(load(p))
             or looks_like_findings(findings_source(p.read_bytes(), str(p)))]
    assert wrong == []
    golds = sorted(corpus_dir.glob("*.gold.json"))
    assert [p.name for p in golds if looks_like_findings(Source(p.name, "json", p.read_text()))
            ] == []


@pytest.mark.parametrize("text", [
    "Key messages\n\nA1 Only one labelled line.\nA2 And a second one.\n",  # too few labels
    "A1 First finding.\nA2 Second finding.\nA3 Third finding.\n",  # no marker
    "The Conference of the Parties,\nRecalling the IPBES global assessment,\n"
    "1. Requests the Scientific Council to consider IPBES findings;\n",
    '{"text": "Recalling the IPBES assessment of invasive alien species"}',
    '[{"text": "no labels here"}]',
    "id,title,summary\n1,IPBES,Key messages\n",
])
def test_other_texts_do_not_look_like_findings(text: str) -> None:
    assert not looks_like_findings(Source("x.txt", "txt", text))


# --- errors: one line, naming the input and the place ---------------------------------------
def _findings(*items: object, **assessment: object) -> str:
    meta = {"title": "Thematic assessment of invasive alien species", **assessment}
    return json.dumps({"assessment": meta, "findings": list(items)})


ERROR_CASES = [
    ("ipbes.json", _findings({"label": "A1", "text": "One."}, {"label": "A2", "text": "Two."},
                             {"label": "A3"}),
     "ipbes.json: finding 3 (A.3) has no text"),
    ("ipbes.json", _findings({"label": "A1", "text": "One."}, {"label": "A2", "text": "  "}),
     "ipbes.json: finding 2 (A.2) has no text"),
    ("ipbes.json", _findings({"label": "A1", "text": "One."}, {"text": "Two."}),
     "ipbes.json: finding 2 has no label"),
    ("ipbes.json", _findings({"label": "B3", "text": "One."}, {"label": "B.3", "text": "Two."}),
     "ipbes.json: finding 2 repeats label B.3 (finding 1)"),
    ("ipbes.json", _findings("A1 One."), "ipbes.json: finding 1 is not an object"),
    ("ipbes.json", _findings({"label": "A1", "text": "One."}, year="last year"),
     "ipbes.json: assessment year 'last year' is not a year"),
    ("ipbes.json", _findings({"label": "A1", "text": "One."}, title=""),
     "ipbes.json: 'assessment' has no 'title'"),
    ("ipbes.json", _findings({"label": "A1", "text": "One."}, symbol=10),
     "ipbes.json: assessment symbol 10 is not a string"),
    ("ipbes.json", '{"assessment": {"title": "X"}, "findings": []}',
     "ipbes.json: has no findings"),
    ("ipbes.json", '{"assessment": {"title": "X"}}', "ipbes.json: is JSON but has no 'findings'"),
    ("ipbes.json", '{"assessment": "X", "findings": [{"label": "A1", "text": "One."}]}',
     "ipbes.json: 'assessment' is not an object"),
    ("ipbes.json", '{"findings": [{"label": "A1", "text": "One."}',
     "ipbes.json: is not valid JSON"),
    ("ipbes.csv", "label,text\n", "ipbes.csv: has a header row but no findings"),
    ("ipbes.csv", "label,text\nA1,One.\nB3\n", "ipbes.csv: finding 2 (B.3) has no text"),
    ("ipbes.csv", 'label,text\nA1,"One.\n', "ipbes.csv: line 2 is not readable CSV"),
    ("spm.txt", "Key messages\n\nNothing labelled here.\n", "spm.txt: holds no labelled findings"),
    ("spm.txt", "Key messages\nA1 One.\nA2 Two.\nA1 Again.\n",
     "spm.txt: finding A.1 appears twice (lines 2 and 4)"),
]


@pytest.mark.parametrize(("name", "text", "message"), ERROR_CASES)
def test_malformed_input(name: str, text: str, message: str) -> None:
    fmt = name.rsplit(".", 1)[1]
    with pytest.raises(ParseError) as info:
        parse_findings(Source(name, fmt, text))
    assert str(info.value).startswith(message)
    assert "\n" not in str(info.value)


# --- property: random text never crashes ----------------------------------------------------
PIECES = st.sampled_from([
    "A1 ", "A1. ", "B.3 ", "C 2 ", "D10: ", "- B3 ", "• C.2 ", "B.3.2 ", "A. ", "Appendix I\n",
    "Key messages\n", "IPBES", "{well established}", "(unresolved)", "{2.1, 3.4}", "{", "}",
    "Invasive alien species ", "Trade. ", "\n", "\n\n", "label,text\n", "label;text\n", ",",
    '"', '{"findings": [', '{"label": "A1", "text": "x"}', "]}", "[", "]", ":", "2023 ",
    "thematic assessment report on ", "IPBES/10/12/Add.1 ", "\x00", "\r",
])
TEXT = st.one_of(
    st.lists(st.one_of(PIECES, st.text(max_size=10)), max_size=50).map("".join),
    st.text(max_size=300),
)


@seed(20260214)
@settings(max_examples=400, deadline=None, derandomize=True)
@given(TEXT, st.sampled_from(["txt", "json", "csv"]))
def test_random_text_raises_nothing_but_parse_error(text: str, fmt: str) -> None:
    source = Source(f"random.{fmt}", fmt, text)
    looks_like_findings(source)
    try:
        a = parse_findings(source)
    except ParseError as exc:
        assert "\n" not in str(exc)
        return
    except MealinkError as exc:  # any other of mealink's errors is a bug here
        pytest.fail(f"{type(exc).__name__}: {exc}")
    assert isinstance(a, Assessment) and a.findings
    assert a == parse_findings(source)  # deterministic
    for f in a.findings:
        assert f.text and 0 <= f.span.start <= f.span.end <= len(text)
