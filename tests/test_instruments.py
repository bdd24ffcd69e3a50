"""Table-driven tests of named instruments (issue 16): plans, targets, frameworks,
declarations, goals, work plans, rules of procedure and articles cited by name.

Each row is a sentence as a real text writes it (the text it comes from is named in the
row's id: ../shared/realdocs/ and ../shared/corpus/), with the document's convention and
what ``find_instruments`` gives: (text as written, id), or (text, id, kind, convention).
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from mealink import parse_text
from mealink.annotate.instruments import (
    find_instruments,
    instrument_vocabulary,
    load_instrument_vocabulary,
)
from mealink.datafiles import load_data
from mealink.errors import VocabularyError
from mealink.serialize import document_to_dict

Row = tuple[str, ...]


def found(text: str, convention: str | None = None) -> list[Row]:
    return [(i.text, i.id) for i in find_instruments(text, 0, len(text),
                                                      instrument_vocabulary(), convention)]


def detail(text: str, convention: str | None = None) -> list[Row]:
    return [(i.text, i.id, i.kind, i.convention)
            for i in find_instruments(text, 0, len(text), instrument_vocabulary(), convention)]


CASES: list[tuple[str, str, str | None, list[Row]]] = [
    ("CMS Decision 13.1 d): the Strategic Plan, twice",
     "d) undertake a full assessment of the implementation of the Strategic Plan for Migratory "
     "Species 2015-2023 in time for the Standing Committee’s consideration of available "
     "options for a follow-up to the Strategic Plan for Migratory Species 2015-2023 and for "
     "consideration by the Conference of the Parties at its 14th meeting;", "CMS",
     [("Strategic Plan for Migratory Species 2015-2023",
       "cms/strategic-plan-migratory-species-2015-2023")] * 2),
    ("CMS Decision 13.1 a): 'the Strategic Plan' alone names it; 'Targets 6 and 7' do not",
     "a) further develop indicators identified in the Strategic Plan that are not yet "
     "operable, notably the composite indicators recommended for assessing progress towards "
     "Targets 6 and 7;", "CMS",
     [("Strategic Plan", None)]),
    ("CMS Decisions 13.7-13.8: the plan without its years, the framework in lower case",
     "b) support the development of the follow-up of the Strategic Plan for Migratory Species "
     "in line with the analysis of the post-2020 framework", "CMS",
     [("Strategic Plan for Migratory Species", None),
      ("post-2020 framework", "cbd/kunming-montreal-global-biodiversity-framework")]),
    ("CMS Resolution 11.10 ¶ 'Welcomes the joint work plan'",
     "16. *Welcomes* the joint work plan between the secretariats of the CMS and CITES and "
     "*further requests* the Secretariat to pursue synergies, including through joint work "
     "plans with clear targets and timetables aligned with the CMS strategic plan;", "CMS",
     [("joint work plan between the secretariats of the CMS and CITES",
       "cms-cites/joint-work-plan")]),
    ("CMS Resolution 11.10: the Aichi Targets beside a reference to Decision X/2",
     "Recognizing the importance of ongoing cooperation among secretariats of biodiversity "
     "related conventions through the Biodiversity Liaison Group to implement the Strategic "
     "Plan for Biodiversity 2011-2020 in order to reach the Aichi Biodiversity Targets "
     "(Decision X/2 of CBD);", "CMS",
     [("Strategic Plan for Biodiversity 2011-2020", "cbd/strategic-plan-biodiversity-2011-2020"),
      ("Aichi Biodiversity Targets", "cbd/aichi-targets")]),
    ("CMS Resolution 11.10 ¶11: 'its Aichi Targets' without the article",
     "including in relation to the implementation by biodiversity-related conventions of the "
     "Strategic Plan for Biodiversity 2011-2020 and its Aichi Targets; and *further requests* "
     "the Secretariat to report", "CMS",
     [("Strategic Plan for Biodiversity 2011-2020", "cbd/strategic-plan-biodiversity-2011-2020"),
      ("Aichi Targets", "cbd/aichi-targets")]),
    ("CMS Resolution 11.10 ¶14: a declaration and the SDGs, not a working group's name",
     "14. *Welcomes* the Gangwon Declaration adopted on the occasion of the Twelfth Meeting of "
     "the Conference of the Parties to the Convention on Biological Diversity which welcomes "
     "the importance given to biodiversity in the outcome document of the Open Working Group "
     "on Sustainable Development Goals and calls for the further integration and mainstreaming "
     "of biodiversity in the post-2015 development agenda, and *requests* the Secretariat to "
     "continue to engage with the process on the establishment of the Sustainable Development "
     "Goals in cooperation with the Biodiversity Liaison Group;", "CMS",
     [("Gangwon Declaration", "cbd/gangwon-declaration"),
      ("Sustainable Development Goals", "un/sdgs")]),
    ("CMS Resolution 11.10: a code of conduct",
     "to continue strengthened partnerships with the private sector in accordance with the "
     "CMS Code of Conduct;", "CMS",
     [("CMS Code of Conduct", "cms/code-of-conduct")]),
    ("CMS Resolution 11.28: plans of two periods and two joint work plans",
     "and related instruments concluded under its auspices, including the updated CMS "
     "Strategic Plan 2006-2014 (UNEP/CMS/Conf. 10.22) and the new CMS Strategic Plan "
     "2015-2023 where IAS are considered; Welcoming the 5th CBD/Ramsar Joint Work Plan, for "
     "2011-2020, as well as the revised CMS/Ramsar Joint Work Plan, as flexible frameworks",
     "CMS",
     [("CMS Strategic Plan 2006-2014", "cms/strategic-plan-2006-2014"),
      ("CMS Strategic Plan 2015-2023", "cms/strategic-plan-migratory-species-2015-2023"),
      ("5th CBD/Ramsar Joint Work Plan", "cbd-ramsar/joint-work-plan"),
      ("CMS/Ramsar Joint Work Plan", "cms-ramsar/joint-work-plan")]),
    ("CMS Resolution 11.28: an en dash in the years",
     "Aware of the Strategic Plan for Biodiversity 2011\u20132020 adopted at COP10", "CMS",
     [("Strategic Plan for Biodiversity 2011\u20132020",
       "cbd/strategic-plan-biodiversity-2011-2020")]),
    ("CMS Decisions 12.81-12.82: an unknown work plan is kept, with no id",
     "Parties, intergovernmental and non-governmental organizations and other stakeholders "
     "from the energy sector are encouraged to consider contributing to the implementation "
     "of the Energy Task Force Work Plan, including through the provision of financial and "
     "technical assistance to support the on-going operations of the Energy Task Force.",
     "CMS", [("Energy Task Force Work Plan", None)]),
    ("CITES Decision 19.11: the Strategic Vision and the Global Biodiversity Framework",
     "The Secretariat shall undertake a comparative analysis in order to illustrate the "
     "linkages between the CITES Strategic Vision 2021-2030 and highlight areas of alignment "
     "with the post-2020 Global Biodiversity Framework, as a starting point for an assessment "
     "of how CITES can contribute to the implementation of the Global Biodiversity Framework "
     "and its monitoring framework;", "CITES",
     [("CITES Strategic Vision 2021-2030", "cites/strategic-vision-2021-2030"),
      ("post-2020 Global Biodiversity Framework",
       "cbd/kunming-montreal-global-biodiversity-framework"),
      ("Global Biodiversity Framework", "cbd/kunming-montreal-global-biodiversity-framework")]),
    ("CITES Decision 19.14: 'Strategic Vision: 2021-2030' with its colon",
     "make recommendations on new or revised indicators for objective 1.4 of the CITES "
     "Strategic Vision: 2021-2030, for consideration by the 20th meeting", "CITES",
     [("CITES Strategic Vision: 2021-2030", "cites/strategic-vision-2021-2030")]),
    ("CITES Decision 17.55: five instruments in one sentence",
     "explore options consistent with the CITES Strategic Vision to strengthen cooperation, "
     "collaboration and synergies at all relevant levels between CITES and the Strategic Plan "
     "for Biodiversity 2011-2020, its Aichi Targets and a possible follow-up framework, as "
     "appropriate, as well as the 2030 Agenda for Sustainable Development and its Sustainable "
     "Development Goals.", "CITES",
     [("CITES Strategic Vision", None),
      ("Strategic Plan for Biodiversity 2011-2020", "cbd/strategic-plan-biodiversity-2011-2020"),
      ("Aichi Targets", "cbd/aichi-targets"),
      ("2030 Agenda for Sustainable Development", "un/2030-agenda"),
      ("Sustainable Development Goals", "un/sdgs")]),
    ("IPBES resolution (Panama, 2012): UN instruments, footnote marks after them",
     "1. Recalling the Rio Declaration on Environment and Development,\u00b9 Agenda 21,\u00b2 "
     "the Johannesburg Declaration on Sustainable Development\u2074 and the Plan of "
     "Implementation of the World Summit on Sustainable Development,\u2075", "IPBES",
     [("Rio Declaration on Environment and Development", "un/rio-declaration"),
      ("Agenda 21", "un/agenda-21"),
      ("Johannesburg Declaration on Sustainable Development", "un/johannesburg-declaration"),
      ("Plan of Implementation of the World Summit on Sustainable Development",
       "un/johannesburg-plan-of-implementation")]),
    ("CBD Decision XIII/5 (corpus): targets, goals and a UN framework",
     "helps to achieve not only many of the Aichi Biodiversity Targets, but also several "
     "Sustainable Development Goals,[1] the Sendai Framework for Disaster Risk Reduction "
     "2015-2030,[4]", "CBD",
     [("Aichi Biodiversity Targets", "cbd/aichi-targets"),
      ("Sustainable Development Goals", "un/sdgs"),
      ("Sendai Framework for Disaster Risk Reduction 2015-2030", "un/sendai-framework")]),
    ("Cartagena Protocol Decision BS-VI/2 (corpus): a protocol's plan",
     "in line with the strategic objectives on information-sharing set out in the Strategic "
     "Plan for the Cartagena Protocol on Biosafety for the period 2011-2020,",
     "Cartagena Protocol",
     [("Strategic Plan for the Cartagena Protocol on Biosafety for the period 2011-2020",
       "cartagena-protocol/strategic-plan-2011-2020")]),
    ("Ramsar Draft Resolution XII.3 (corpus): a hard line wrap inside the name, and a body",
     "APPRECIATING the work of the Strategic Plan Working Group in ensuring that the 4th "
     "Ramsar\nStrategic Plan presents strategies", "Ramsar",
     [("4th Ramsar Strategic Plan", "ramsar/strategic-plan-2016-2024")]),
    ("CBD Decision VI/10 (corpus): a programme of work, not the article inside its name",
     "Report on progress in the integration of relevant tasks of the programme of work on "
     "Article 8(j) and related provisions into the thematic programmes", "CBD",
     [("programme of work on Article 8(j) and related provisions",
       "cbd/programme-of-work-article-8j")]),
    ("CBD Decision I/5: CBD numbers paragraphs of an article 'Article 24.1 (d)'",
     "in accordance with Article 24.1 (d) of the Convention, and Article 23. 4 (h) of the "
     "Convention", "CBD",
     [("Article 24.1 (d) of the Convention", "cbd/article/24.1d"),
      ("Article 23. 4 (h) of the Convention", "cbd/article/23.4h")]),
    ("CBD Decision I/1: rules of procedure are the document's convention's",
     "Decides to adopt the rules of procedures of the Conference contained in the annex",
     "CBD", [("rules of procedures of the Conference", None)]),
    ("numbered goals and targets, alone and in lists",
     "contributes to SDG 15, to SDGs 14 and 15, to Sustainable Development Goal 6 and to "
     "Aichi Biodiversity Targets 11 and 12", None,
     [("SDG 15", "un/sdg-15"), ("SDG 14", "un/sdg-14"), ("SDG 15", "un/sdg-15"),
      ("Sustainable Development Goal 6", "un/sdg-6"),
      ("Aichi Biodiversity Target 11", "cbd/aichi-target-11"),
      ("Aichi Biodiversity Target 12", "cbd/aichi-target-12")]),
    # --- articles ---
    ("CMS Resolution 10.8: an article of the document's convention",
     "*Recalling* the functions of the Scientific Council as set out in Article VIII of the "
     "Convention and as further elaborated in its terms of reference,", "CMS",
     [("Article VIII of the Convention", "cms/article/8")]),
    ("CMS Resolution 11.28: Article III",
     "Considering that Article III of the Convention requests Parties to prevent", "CMS",
     [("Article III of the Convention", "cms/article/3")]),
    ("CMS Resolution 1.3: 'article' in lower case, a paragraph between",
     "Taking into account that article IX, paragraph 2, of the Convention states that", "CMS",
     [("article IX, paragraph 2, of the Convention", "cms/article/9")]),
    ("CITES Resolution Conf. 5.20 (corpus): paragraph and items before 'of the Convention'",
     "NOTING Article XV, paragraph 2 (b) and (c), of the Convention requiring the Secretariat",
     "CITES", [("Article XV, paragraph 2 (b) and (c), of the Convention", "cites/article/15")]),
    ("CBD Decision XIII/5 (corpus): a lettered article",
     "Recalling Article 8(f) and decisions XI/16 and XII/19,", "CBD",
     [("Article 8(f)", "cbd/article/8f")]),
    ("a list of articles is split, each with its word in the singular",
     "in accordance with Articles IV and V of the Convention", "CMS",
     [("Article IV", "cms/article/4"), ("Article V", "cms/article/5")]),
    ("the convention named wins over the document's",
     "as provided for in Article XII of CITES", "CMS",
     [("Article XII of CITES", "cites/article/12")]),
    ("Rotterdam CRC (corpus): a convention named by its long name",
     "Recalling paragraphs 1 and 2 of Article 7 of the Rotterdam Convention on the Prior "
     "Informed Consent Procedure for Certain Hazardous Chemicals and Pesticides in "
     "International Trade,", None,
     [("Article 7 of the Rotterdam Convention on the Prior Informed Consent Procedure for "
       "Certain Hazardous Chemicals and Pesticides in International Trade",
       "rotterdam/article/7")]),
    ("Stockholm (corpus): no convention known, no id",
     "in accordance with Article 14 of the Convention", None,
     [("Article 14 of the Convention", None)]),
    ("an article of a treaty mealink does not know has no id",
     "under Article 6 of the Paris Agreement", "UNFCCC", [("Article 6", None)]),
    ("Vienna Convention Decision VC III/4: 'Article 3 of, and Annex I to, the ...'",
     "for the purposes of Article 3 of, and Annex I to, the Vienna Convention",
     "Vienna Convention", [("Article 3", "vienna-convention/article/3")]),
    # --- not instruments ---
    ("ordinary words: 'a framework for cooperation', 'the plan'",
     "Requests the Secretariat to prepare a framework for cooperation and to follow the plan "
     "of the working group;", "CMS", []),
    ("a resolution is a reference, never an instrument",
     "Recalling Resolution 11.10 on Synergies and Partnerships and Decision 13.1 (a) - (c),",
     "CMS", []),
    ("names of bodies and treaties that end in a head or hold one",
     "the Strategic Plan Working Group, the United Nations Framework Convention on Climate "
     "Change, the Global Biodiversity Framework Fund", None, []),
    ("a head alone that needs a name: 'the Framework', 'the Declaration'",
     "Welcomes the Framework and notes the Declaration;", None, []),
    ("'vision' in 'provision', 'article' with no number, 'Plants Committee'",
     "through the provision of assistance; this article; the Plants Committee", None, []),
]


@pytest.mark.parametrize(("text", "convention", "expected"),
                         [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_instruments(text: str, convention: str | None, expected: list[Row]) -> None:
    assert found(text, convention) == expected


def test_spans_point_at_the_words_as_written() -> None:
    """As for a list of references: the first item's span holds the word, the next ones'
    only their number."""
    text = "Welcoming the 4th Ramsar\nStrategic Plan and Articles IV and V,"
    got = find_instruments(text, 0, len(text), instrument_vocabulary(), "Ramsar")
    assert [text[i.span.start:i.span.end] for i in got] == [
        "4th Ramsar\nStrategic Plan", "Articles IV", "V"]
    assert [i.text for i in got] == ["4th Ramsar Strategic Plan", "Article IV", "Article V"]


def test_kind_and_convention_are_given() -> None:
    assert detail("the joint work plan between the secretariats of CMS and CITES and the "
                  "rules of procedure and the Guidelines on Avoidance of Introductions of "
                  "Non-Native Waterbird Species", "AEWA") == [
        ("joint work plan between the secretariats of CMS and CITES",
         "cms-cites/joint-work-plan", "work plan", "CMS/CITES"),
        ("rules of procedure", None, "rules of procedure", "AEWA"),
        ("Guidelines on Avoidance of Introductions of Non-Native Waterbird Species", None,
         "guidelines", None)]
    assert detail("the CITES Strategic Vision") == [
        ("CITES Strategic Vision", None, "vision", "CITES")]
    assert detail("Article 3") == [("Article 3", None, "article", None)]


def test_every_known_instrument_is_found_by_its_own_name() -> None:
    """The data file holds together: each entry's canonical name is read as that entry."""
    iv = instrument_vocabulary()
    for entry in iv.named:
        if entry.id is None:
            continue
        name = entry.name.replace("{number}", "15")
        got = find_instruments(name, 0, len(name), iv, None)
        assert got and got[0].span.start <= 9, entry.name  # "expanded programme of ..."
        assert got[0].id == entry.id.replace("{number}", "15"), (entry.name, got)


def test_ids_are_unique_and_lower_case() -> None:
    ids = [n.id for n in instrument_vocabulary().named if n.id]
    assert len(ids) == len(set(ids))
    assert all(i == i.lower() and "/" in i for i in ids)


def _data_with(change: dict[str, Any]) -> dict[str, Any]:
    data = copy.deepcopy(load_data("named_instruments.toml"))
    data["instrument"].append({"id": "test/x", "convention": "CMS", "kind": "framework",
                               "name": "X", "patterns": ["Strategic Plan X"], **change})
    return data


@pytest.mark.parametrize(("change", "says"), [
    ({"kind": "treaty"}, "kind 'treaty'"),
    ({"patterns": ["(?:CMS )?Strategic Plan X"]}, "starts with neither"),
    ({"patterns": ["the Strategic Plan X"]}, "starts with 'the'"),
    ({"patterns": ["Plan X"]}, "written with none of the words"),
    ({"patterns": ["Strategic Plan (X"]}, "Strategic Plan (X"),
    ({"id": "Test/X"}, "not lower-case"),
    ({"id": "cbd/aichi-targets"}, "given twice"),
    ({"colour": "red"}, "unknown field"),
])
def test_a_bad_data_entry_is_refused_with_a_message(change: dict[str, Any], says: str) -> None:
    with pytest.raises(VocabularyError, match=says.replace("(", r"\(")):
        load_instrument_vocabulary(_data_with(change))


def test_annotate_fills_instruments_and_keeps_references_apart() -> None:
    doc = parse_text("The Conference of the Parties to the Convention on the Conservation of "
                     "Migratory Species of Wild Animals,\n\nRecalling Resolution 11.10 and the "
                     "Strategic Plan for Migratory Species 2015-2023,\n\n1. Requests the "
                     "Secretariat to report on Article VIII of the Convention;")
    pre, op = doc.paragraphs[1], doc.paragraphs[2]
    assert [r.text for r in pre.references] == ["Resolution 11.10"]
    assert [i.text for i in pre.instruments] == ["Strategic Plan for Migratory Species 2015-2023"]
    assert [(i.text, i.id) for i in op.instruments] == [
        ("Article VIII of the Convention", "cms/article/8")]
    assert doc.paragraphs[0].instruments == []  # headings are not read
    out = document_to_dict(doc)["paragraphs"][2]
    assert out["instruments"] == ["Article VIII of the Convention"]
    assert out["instruments_detail"] == [{"id": "cms/article/8", "kind": "article",
                                          "convention": "CMS"}]
    s, e = out["spans"]["instruments"][0]
    assert doc.text[s:e] == "Article VIII of the Convention"
