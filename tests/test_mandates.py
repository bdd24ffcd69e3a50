"""Mandates read from real texts and real shapes: who is asked, how firmly, by when, on
what condition, reporting to whom; deadlines resolved and checked against the calendar;
the review's rules on facts built by hand."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from mealink import annotate, load, parse, parse_text
from mealink.link.lineage import document_links
from mealink.link.status import AsOf
from mealink.mandates.deadlines import Calendar, Deadline, resolve_deadline
from mealink.mandates.extract import Mandate, _strength, mandates_of
from mealink.mandates.knowledge import MeetingEntry
from mealink.mandates.review import (
    DocumentFacts,
    MandateFacts,
    annex_lines,
    paragraph_ranges,
    propose,
)
from mealink.store.corpus.records import adoption_meeting, fallback_id, paragraph_anchors
from tests.conftest import INVENTED


def mandates(doc_text: str | None = None, path: Path | None = None) -> list[Mandate]:
    doc = annotate(parse(load(path).text, path.name)) if path else parse_text(doc_text or "")
    links = document_links(doc)
    key = links.keys[0] if links.keys else None
    did = key.id if key else fallback_id(doc)
    ids = [f"{did}/{a}" for a in paragraph_anchors(doc)]
    return mandates_of(doc, ids, did, key.type if key else None,
                       adoption_meeting(key, doc.adopted_at))


@pytest.fixture(scope="module")
def res_11_10(corpus_dir: Path) -> list[Mandate]:
    return mandates(path=corpus_dir / "seed-cms-res-11.10.txt")


def by_id(ms: list[Mandate]) -> dict[str, Mandate]:
    return {m.id.removeprefix("cms/resolution/11.10/"): m for m in ms}


def test_11_10_asks_every_body_the_issue_names(res_11_10: list[Mandate]) -> None:
    actors = {m.actor for m in res_11_10}
    assert {"Secretariat", "Executive Secretary", "Scientific Council", "Standing Committee",
            "Biodiversity Liaison Group", "Parties", "Partner organizations",
            "Daughter Agreements"} <= actors


@pytest.mark.parametrize(("mandate", "actor", "verb", "strength"), [
    ("para_2/executive-secretary", "Executive Secretary", "request", "request"),
    ("para_7/daughter-agreements", "Daughter Agreements", "request", "request"),
    ("para_7/scientific-council", "Scientific Council", "request", "request"),
    ("para_15/standing-committee", "Standing Committee", "request", "request"),
    ("para_16/biodiversity-liaison-group", "Biodiversity Liaison Group", "invite", "invite"),
    ("para_19/biodiversity-liaison-group", "Biodiversity Liaison Group", "invite", "invite"),
    ("para_24/parties", "Parties", "urge", "urge"),
    ("para_26/parties", "Parties", "encourage", "invite"),
    ("para_27/partner-organizations", "Partner organizations", "urge", "urge"),
])
def test_11_10_each_mandate_traceable_to_its_paragraph(
        res_11_10: list[Mandate], mandate: str, actor: str, verb: str, strength: str) -> None:
    m = by_id(res_11_10)[mandate]
    assert (m.actor, m.verb, m.strength) == (actor, verb, strength)
    assert m.paragraph_id == "cms/resolution/11.10/" + mandate.split("/")[0]


def test_11_10_para_11_report_to_scientific_council_and_cop12_is_a_cop12_deadline(
        res_11_10: list[Mandate]) -> None:
    m = by_id(res_11_10)["para_11/secretariat"]
    assert m.deadline is not None and m.deadline.label == "CMS COP12"
    assert (m.deadline.kind, m.deadline.body, m.deadline.number) == ("meeting", "COP", 12)
    assert m.reporting_to == ("Scientific Council", "Conference of the Parties")
    assert "report on progress" in m.action and m.time_bound
    # the Secretariats of CBD are invited to the first clause only: no deadline
    other = by_id(res_11_10)["para_11/secretariats-of-cbd-and-of-other-relevant-meas"]
    assert other.deadline is None and other.strength == "invite" and not other.time_bound


def test_informational_paragraphs_yield_no_mandate(res_11_10: list[Mandate]) -> None:
    paragraphs = {m.paragraph_id.rsplit("/", 1)[1] for m in res_11_10}
    assert not {"para_1", "para_28"} & paragraphs  # stresses, repeals
    assert "para_14" in paragraphs  # welcomes ... and requests the Secretariat to engage
    # welcomes ... "and in this context requests the Standing Committee to develop advice"
    assert "para_20" in paragraphs


def test_10_8_para_8_resources_permitting_is_a_condition(corpus_dir: Path) -> None:
    ms = {m.id.rsplit("/", 2)[1]: m for m in mandates(
        path=corpus_dir / "seed-cms-res-10.8.txt")}
    m = ms["para_8"]
    assert m.actor == "Secretariat" and m.verb == "instruct" and m.strength == "request"
    assert "resources permitting" in m.conditions
    assert m.reporting_to == ("Standing Committee",)


CMS_HEADER = ("CONVENTION ON MIGRATORY SPECIES\nUNEP/CMS/Resolution 13.9\n"
              "Adopted by the Conference of the Parties at its 13th Meeting (Gandhinagar, "
              "February 2020)\n\nThe Conference of the Parties to the Convention on the "
              "Conservation of Migratory Species of Wild Animals,\n\n")


@pytest.mark.parametrize(("shape", "body", "expected"), [
    ("addressee first, passive", "1. Parties are invited to submit reports by 2025;",
     [("Parties", "invite", "2025-12-31")]),
    ("addressee first, modal chapeau with items",
     "1. The Scientific Council shall:\n(a) review the guidance;\n(b) report to the next "
     "meeting of the Standing Committee;",
     [("Scientific Council", "request", None), ("Scientific Council", "request",
                                                 "CMS next StC after COP13")]),
    ("two verbs, two actors, one clause",
     "1. Requests the Secretariat and invites Parties to cooperate with FAO;",
     [("Secretariat", "request", None), ("Parties", "invite", None)]),
    ("its next meeting is the asked body's own",
     "1. Requests the Standing Committee to consider the report at its next meeting;",
     [("Standing Committee", "request", "CMS next StC after COP13")]),
    ("next COP is the one after the adopting meeting",
     "1. Requests the Secretariat to report to the next meeting of the Conference of the "
     "Parties;", [("Secretariat", "request", "CMS COP14")]),
    ("a chapeau hands its actors to its items",
     "1. Requests the Secretariat, subject to the availability of resources, to:\n(a) compile "
     "case studies;\n(b) report to COP14;",
     [("Secretariat", "request", None), ("Secretariat", "request", "CMS COP14")]),
    ("only notes: informational", "1. Takes note of the report of the Secretariat;", []),
])
def test_mandate_shapes(shape: str, body: str, expected: list[tuple[str, str, str | None]]
                        ) -> None:
    got = [(m.actor, m.strength, m.deadline.label if m.deadline else None)
           for m in mandates(CMS_HEADER + body)]
    assert got == expected, shape


@pytest.mark.parametrize(("written", "strength"), [
    ("request", "request"), ("instruct", "request"), ("shall", "request"),
    ("is requested", "request"), ("urge", "urge"), ("call upon", "urge"),
    ("called upon", "urge"), ("remind", "urge"), ("should", "urge"), ("are urged", "urge"),
    ("invite", "invite"), ("are also invited", "invite"), ("are encouraged", "invite"),
    ("recommend", "invite"), ("may", "invite"),
])
def test_strength_of_verbs_passives_and_modals(written: str, strength: str) -> None:
    assert _strength(written) == strength


def test_chapeau_condition_reaches_its_items() -> None:
    ms = mandates(CMS_HEADER + "1. Requests the Secretariat, subject to the availability of "
                               "resources, to:\n(a) compile case studies;\n(b) report to COP14;")
    assert [m.paragraph_id.rsplit("/", 1)[1] for m in ms] == ["para_1(a)", "para_1(b)"]
    assert all(m.condition == "subject to the availability of resources" for m in ms)


def test_decisions_lapse_at_the_next_meeting() -> None:
    ms = mandates(path=INVENTED / "cms-decisions-14.910-14.912.txt")
    assert ms and all(m.time_bound for m in ms)
    implied = [m for m in ms if m.deadline is not None and m.deadline.implied]
    assert implied and all(m.deadline is not None and m.deadline.label == "CMS COP15"
                           for m in implied)
    stc = [m for m in ms if m.deadline is not None and m.deadline.body == "StC"]
    assert [m.deadline.label for m in stc if m.deadline] == ["CMS StC56"]


@pytest.mark.parametrize(("written", "before", "label"), [
    ("COP12", "report on progress to the Scientific Council and ", "CMS COP12"),
    ("CBD COP13", "in time to be considered by the ", "CBD COP13"),
    ("2030", "by ", "2030-12-31"),
    ("end of 2025", "by the ", "2025-12-31"),
    ("31 December 2024", "no later than ", "2024-12-31"),
    ("June 2025", "by ", "2025-06-30"),
    ("15th meeting of the Conference of the Parties", "report to the ", "CMS COP15"),
    ("sixteenth meeting of the Conference of the Parties", "prior to the ", "CMS COP16"),
    ("next meeting of the Standing Committee", "report to the ", "CMS next StC after COP11"),
    ("its 56th meeting", "advise the Standing Committee at ", "CMS StC56"),
    ("its tenth meeting", "for consideration ", "CMS COP10"),
    ("next Conference of the Parties", "for consideration by the ", "CMS COP12"),
])
def test_deadlines_resolve(written: str, before: str, label: str) -> None:
    assert resolve_deadline(written, before, "CMS", 11).label == label


def test_cites_deadlines_use_its_own_word() -> None:
    assert resolve_deadline("20th meeting of the Conference of the Parties", "at the ",
                            "CITES", 19).label == "CITES CoP20"


def cal(*extra: MeetingEntry) -> Calendar:
    return Calendar(extra, today=date(2026, 11, 21))


@pytest.mark.parametrize(("deadline", "as_of", "conv", "passed"), [
    (Deadline("COP12", "meeting", "CMS", "COP", 12), None, None, True),
    (Deadline("COP15", "meeting", "CMS", "COP", 15), None, None, False),
    (Deadline("COP15", "meeting", "CMS", "COP", 15), AsOf("COP15", meeting=15), "CMS", True),
    (Deadline("COP15", "meeting", "CMS", "COP", 15), AsOf("COP14", meeting=14), "CMS", False),
    (Deadline("CoP20", "meeting", "CITES", "COP", 20), None, None, True),  # Dec 2025
    (Deadline("next StC", "next", "CMS", "StC", after=13), None, None, True),
    (Deadline("next StC", "next", "CMS", "StC", after=14), None, None, False),
    (Deadline("next StC", "next", "CMS", "StC", after=14), AsOf("COP15", meeting=15), "CMS",
     True),
    (Deadline("StC56", "meeting", "CMS", "StC", 56, after=14), AsOf("COP15", meeting=15),
     "CMS", True),
    (Deadline("2030", "date", day=date(2030, 12, 31)), None, None, False),
    (Deadline("2020", "date", day=date(2020, 12, 31)), None, None, True),
    (Deadline("2020", "date", day=date(2020, 12, 31)), AsOf("COP13", meeting=13), "CMS",
     False),  # COP13 ended in February 2020
])
def test_deadline_passed(deadline: Deadline, as_of: AsOf | None, conv: str | None,
                         passed: bool) -> None:
    assert cal().passed(deadline, as_of, conv) is passed


def test_a_meetings_file_adds_meetings() -> None:
    d = Deadline("COP15", "meeting", "CMS", "COP", 15)
    assert not cal().passed(d)
    assert cal(MeetingEntry("CMS", "COP", 15, date(2026, 3, 23), date(2026, 3, 29))).passed(d)


# --- review rules ------------------------------------------------------------------------

@pytest.mark.parametrize(("numbers", "order", "text"), [
    (["3", "4", "5", "8"], ["1", "2", "3", "4", "5", "6", "7", "8"], "3-5 and 8"),
    (["3(d)", "4", "11"], ["3(d)", "4", "5", "11"], "3(d), 4 and 11"),
    (["7"], ["7"], "7"),
])
def test_paragraph_ranges(numbers: list[str], order: list[str], text: str) -> None:
    assert paragraph_ranges(numbers, order) == text


def facts(doc_id: str, title: str, statuses: list[tuple[str, str, bool]], *,
          verbs: dict[str, str] | None = None, cites: frozenset[str] = frozenset(),
          text: str = "", type_: str = "resolution") -> DocumentFacts:
    numbers = sorted({n for n, _, _ in statuses} | set(verbs or {}), key=int)
    return DocumentFacts(
        doc_id, f"Resolution {doc_id}", title, type_,
        tuple((f"{doc_id}/para_{n}", n, (verbs or {}).get(n, "request")) for n in numbers),
        tuple(MandateFacts(f"{doc_id}/para_{n}/x", n, f"{doc_id}/para_{n}", s, tb, None)
              for n, s, tb in statuses), cites, text)


def test_review_repeal_in_full_in_part_and_kept() -> None:
    done = facts("10.1", "Bats", [("1", "elapsed", True), ("2", "implemented", False)])
    part = facts("10.2", "Birds", [("1", "active", False), ("3", "elapsed", True),
                                   ("4", "elapsed", True), ("5", "elapsed", True),
                                   ("8", "elapsed", True), ("9", "active", True)],
                 verbs={"2": "note", "6": "welcome", "7": "note"})
    adopts = facts("10.3", "Guidelines", [("1", "elapsed", True)], verbs={"2": "adopt"})
    r = propose("CMS", "COP15", [done, part, adopts], frozenset({"adopt"}))
    got = {(p.action, p.documents[0], p.ranges) for p in r.proposals}
    assert got == {("repeal", "10.1", ""), ("repeal in part", "10.2", "3-5 and 8"),
                   ("repeal in part", "10.3", "1")}
    assert annex_lines(r) == ["Texts to be repealed in full:", "- Resolution 10.1",
                              "Paragraphs to be repealed:",
                              "- Resolution 10.2, paragraphs 3-5 and 8",
                              "- Resolution 10.3, paragraph 1"]


def test_review_consolidates_resolutions_on_one_subject_only() -> None:
    text = ("requests the Secretariat to support Parties in preventing the introduction of "
            "invasive alien species on islands and to cooperate with the Inter-agency Liaison "
            "Group on Invasive Alien Species")
    a = facts("11.28", "Invasive alien species and migratory species", [("1", "active", False)],
              cites=frozenset({"cbd/decision/XIV-11", "cites/resolution/13.10"}), text=text)
    b = facts("13.5", "Migratory species threatened by invasive alien species",
              [("1", "active", False)],
              cites=frozenset({"cbd/decision/XIV-11", "cites/resolution/13.10"}),
              text=text + " and to report to COP14")
    near = facts("12.21", "Climate change and migratory species", [("1", "active", False)],
                 cites=frozenset({"cbd/decision/15-4"}),
                 text="urges Parties to integrate the needs of migratory species into their "
                      "national adaptation plans")
    r = propose("CMS", None, [a, b, near], frozenset())
    cons = [p for p in r.proposals if p.action == "consolidate"]
    assert [p.documents for p in cons] == [("11.28", "13.5")]
    why = " ".join(cons[0].reasons)
    assert "both cite cbd/decision/XIV-11" in why and "'invasive'" in why
