"""Identifiers, paragraph lists and lineage edges: table-driven, each row a real shape of
citation seen in the corpus, the invented fixtures or the conventions' own lists."""

from __future__ import annotations

import pytest

from mealink import parse_text
from mealink.errors import MealinkError
from mealink.link import citation_keys, document_keys, document_links, expand_paragraphs
from mealink.link.identifiers import parse_key
from mealink.link.lineage import removal_relation
from mealink.link.scopes import scope_around
from mealink.link.status import parse_as_of
from mealink.parse.markers import roman_value


@pytest.mark.parametrize(("type_", "identifier", "written", "context", "expected"), [
    # prefixes and abbreviations name the same CMS text
    ("resolution", "11.10", "UNEP/CMS/Resolution 11.10", None, ["cms/resolution/11.10"]),
    ("resolution", "10.25", "CMS Res.10.25", "CMS", ["cms/resolution/10.25"]),
    ("resolution", "10.21", "Resolution 10.21", "CMS", ["cms/resolution/10.21"]),
    # zero padding (the CMS "in effect" list writes 12.04)
    ("resolution", "12.04", "Resolution 12.04", "CMS", ["cms/resolution/12.4"]),
    # revision suffixes, written two ways
    ("resolution", "12.21 (Rev.COP14)", "Resolution 12.21 (Rev.COP14)", "CMS",
     ["cms/resolution/12.21-rev-cop14"]),
    ("resolution", "Conf. 13.10 (Rev. CoP14)", "Resolution Conf. 13.10 (Rev. CoP14)", "CMS",
     ["cites/resolution/13.10-rev-cop14"]),
    ("resolution", "Conf.13.10 (Rev. CoP14)", "CITES Resolution Conf.13.10 (Rev. CoP14)",
     "CMS", ["cites/resolution/13.10-rev-cop14"]),
    # roman and arabic meeting numbers are different series
    ("decision", "X/2", "Decision X/2 of CBD", "CMS", ["cbd/decision/X-2"]),
    ("decision", "10/2", "decision 10/2", "CBD", ["cbd/decision/10-2"]),
    # a CBD number inside a CMS, CITES or Ramsar text is CBD's
    ("decision", "XIV/11", "decision XIV/11", "CMS", ["cbd/decision/XIV-11"]),
    ("decision", "XIV/11", "decision XIV/11", "Ramsar", ["cbd/decision/XIV-11"]),
    ("decision", "VI/27 B", "decision VI/27 B", "CBD", ["cbd/decision/VI-27"]),
    # Ramsar numbers resolutions in roman since COP7, arabic before
    ("resolution", "13.5", "Resolution 13.5", "Ramsar", ["cms/resolution/13.5"]),
    ("resolution", "5.4", "Resolution 5.4", "Ramsar", ["ramsar/resolution/5.4"]),
    ("resolution", "VIII.18", "Resolution VIII.18", "Ramsar", ["ramsar/resolution/VIII.18"]),
    # AEWA and CMS write numbers alike: the context decides
    ("resolution", "4.14", "Resolution 4.14", "AEWA", ["aewa/resolution/4.14"]),
    # other bodies
    ("decision", "1/CP.21", "decision 1/CP.21", None, ["unfccc/decision/1-CP.21"]),
    ("resolution", "GA 65/162", "resolution GA 65/162", "CMS", ["unga/resolution/65-162"]),
    ("decision", "BS-V/2", "decision BS-V/2", "Cartagena Protocol",
     ["cartagena-protocol/decision/BS-V-2"]),
    ("decision", "CRC-10/4", "decision CRC-10/4", "Rotterdam", ["rotterdam/decision/CRC-10-4"]),
    ("resolution", "1/6", "resolution 1/6", "UNEA", ["unea/resolution/1-6"]),
    # a written range is every decision in it
    ("decision", "SC-4/10–SC-4/12", "decisions SC-4/10–SC-4/12", "Stockholm",
     ["stockholm/decision/SC-4-10", "stockholm/decision/SC-4-11",
      "stockholm/decision/SC-4-12"]),
    # symbols that are decision numbers in disguise
    ("document", "UNEP/CBD/COP/DEC/XI/12", "UNEP/CBD/COP/DEC/XI/12", None,
     ["cbd/decision/XI-12"]),
    ("document", "UNEP/CMS/COP11/Doc.21.1", "UNEP/CMS/COP11/Doc.21.1", "CMS",
     ["cms/document/UNEP-CMS-COP11-Doc.21.1"]),
    # no convention can be told
    ("decision", "2001/3", "decision 2001/3", None, []),
    # CBD numbers in arabic only from COP14 (2018): "decision 15/8" is CBD's by its shape,
    # "4/16" is not (COP4's is IV/16), nor "12/14" in a CMS text (UNEP's Governing Council)
    ("decision", "15/8", "decision 15/8", None, ["cbd/decision/15-8"]),
    ("decision", "14/5", "decision 14/5", "CMS", ["cbd/decision/14-5"]),
    ("decision", "4/16", "decision 4/16", None, []),
])
def test_citation_keys(type_: str, identifier: str, written: str, context: str | None,
                       expected: list[str]) -> None:
    assert [k.id for k in citation_keys(type_, identifier, written, context)] == expected


@pytest.mark.parametrize(("text", "expected"), [
    # the sentences of CMS Resolution 1.3 (1985) and of the IPBES founding resolution (2012):
    # the body named right before or after the number, not its shape, says whose it is
    ("Recalling Decision 12/14, section IV, adopted by the Governing Council of the United "
     "Nations\nEnvironment Programme, on the conservation of migratory species,",
     [("Decision 12/14", ["unep-gc/decision/GC.12-14"])]),
    ("Recalling also General Assembly resolution 65/162 of 20 December 2010 and decision 26/4 "
     "of 24 February 2011 of the Governing Council of the United Nations Environment "
     "Programme,",
     [("resolution 65/162", ["unga/resolution/65-162"]),
      ("decision 26/4", ["unep-gc/decision/GC.26-4"])]),
    # a list shares the body named after its last number
    ("Recalling decisions 26/4 and 27/2 of the Governing Council of UNEP,",
     [("decision 26/4", ["unep-gc/decision/GC.26-4"]),
      ("decision 27/2", ["unep-gc/decision/GC.27-2"])]),
    # the named body agrees with the shape: nothing changes
    ("Welcoming decision XIV/11 of the Conference of the Parties to the Convention on "
     "Biological Diversity,", [("decision XIV/11", ["cbd/decision/XIV-11"])]),
    # a body named past another citation or another clause is not this one's
    ("Recalling decision 14/5; and noting the work of the Governing Council of UNEP,",
     [("decision 14/5", ["cbd/decision/14-5"])]),
    ("Recalling decision 14/5 and Resolution 11.10 of the Governing Council,",
     [("decision 14/5", ["cbd/decision/14-5"]),
      ("Resolution 11.10", ["unep-gc/resolution/11.10"])]),
])
def test_a_body_named_after_a_citation_decides_whose_it_is(
        text: str, expected: list[tuple[str, list[str]]]) -> None:
    doc = parse_text(f"CMS\n\nResolution 1.1\n\nTITLE\n\nThe Conference of the Parties,\n\n{text}"
                     "\n\n1. Decides to act;\n", "t.txt")
    got = [(c.reference.text, [k.id for k in c.keys]) for c in document_links(doc).citations]
    assert got == expected


@pytest.mark.parametrize(("convention", "symbol", "number", "revision", "expected"), [
    ("CMS", "UNEP/CMS/Resolution 11.10", "11.10", None, ["cms/resolution/11.10"]),
    ("CMS", "UNEP/CMS/Resolution 12.21 (Rev.COP14)", "12.21", "Rev.COP14",
     ["cms/resolution/12.21-rev-cop14"]),
    ("CMS", "Decisions 14.10-14.12", "14.10", None,
     ["cms/decision/14.10", "cms/decision/14.11", "cms/decision/14.12"]),
    ("CITES", "Resolution Conf. 13.10 (Rev. CoP19)", "13.10", "Rev. CoP19",
     ["cites/resolution/13.10-rev-cop19"]),
    ("CITES", "Decision 17.170 (Rev. CoP18)", "17.170", "Rev. CoP18",
     ["cites/decision/17.170-rev-cop18"]),
    ("CBD", "Decision 15/8", "15/8", None, ["cbd/decision/15-8"]),
    ("UNEA", "UNEP/EA.3/Res.7", "3/7", None, ["unea/resolution/3-7"]),
    ("Ramsar", "Resolution XIV.7", "XIV.7", None, ["ramsar/resolution/XIV.7"]),
    ("Basel", None, None, None, []),
])
def test_document_keys(convention: str, symbol: str | None, number: str | None,
                       revision: str | None, expected: list[str]) -> None:
    assert [k.id for k in document_keys(convention, symbol, number, revision)] == expected


@pytest.mark.parametrize(("typed", "expected"), [
    ("CMS Resolution 7.9", "cms/resolution/7.9"),
    ("UNEP/CMS/Resolution 11.10", "cms/resolution/11.10"),
    ("Resolution Conf. 13.10 (Rev. CoP19)", "cites/resolution/13.10-rev-cop19"),
    ("CBD XIV/11", "cbd/decision/XIV-11"),
    ("decision XIV/11", "cbd/decision/XIV-11"),
    ("UNEP/EA.3/Res.7", "unea/resolution/3-7"),
])
def test_parse_key_reads_what_users_type(typed: str, expected: str) -> None:
    key = parse_key(typed)
    assert key is not None and key.id == expected


def test_keys_know_their_meeting_and_label() -> None:
    (key,) = citation_keys("resolution", "Conf. 13.10 (Rev. CoP19)",
                           "Resolution Conf. 13.10 (Rev. CoP19)", None)
    assert key.meeting == 13 and key.work.id == "cites/resolution/13.10"
    assert key.label == "CITES Resolution Conf. 13.10 (Rev.CoP19)"
    assert roman_value("XIV") == 14 and roman_value("XL") == 40 and roman_value("A") is None


@pytest.mark.parametrize(("written", "expected"), [
    ("4, 6, 10-12, 23, 27-28, 29 (b) and (e)",
     ("4", "6", "10", "11", "12", "23", "27", "28", "29(b)", "29(e)")),
    ("3, 5 and 7-9", ("3", "5", "7", "8", "9")),
    ("12 and 14", ("12", "14")),
    ("2-3, 4(c), (e) and (f)", ("2", "3", "4(c)", "4(e)", "4(f)")),
    ("7 to 9", ("7", "8", "9")),
])
def test_expand_paragraphs(written: str, expected: tuple[str, ...]) -> None:
    assert expand_paragraphs(written) == expected


@pytest.mark.parametrize(("text", "ref", "expected"), [
    ("Decides to retire decision V/20, paragraphs 4, 6 and 10-12;", "decision V/20",
     ("4", "6", "10", "11", "12")),
    ("DECIDES that paragraphs 12 and 14 of Resolution VIII.18 are superseded",
     "Resolution VIII.18", ("12", "14")),
    ("Repeals Resolution 7.9 on cooperation;", "Resolution 7.9", ()),
])
def test_scope_around(text: str, ref: str, expected: tuple[str, ...]) -> None:
    s = text.index(ref)
    assert scope_around(text, s, s + len(ref), len(text)) == expected


@pytest.mark.parametrize(("paragraph", "relation"), [
    ("Repeals Resolution 7.9, Resolution 8.11 and Resolution 9.6", "repeals"),
    ("Decides to retire decision XIV/11, paragraphs 3, 5 and 7-9", "retires"),
    ("DECIDES that paragraphs 12 and 14 of Resolution VIII.18 are superseded by the present "
     "Resolution", "supersedes"),
    ("Repeals Resolutions 6.2 and 8.14, which are consolidated in the present Resolution",
     "consolidates"),
])
def test_removal_relation(paragraph: str, relation: str) -> None:
    assert removal_relation(paragraph) == relation


def test_document_links_of_a_repealing_resolution() -> None:
    doc = parse_text(
        "UNEP/CMS/Resolution 11.10\n\nSYNERGIES\n\nThe Conference of the Parties,\n\n"
        "Recalling Resolution 7.9 on cooperation,\n\n"
        "1. Requests the Secretariat to cooperate with the CBD Secretariat under decision "
        "X/20;\n\n2. Repeals Resolution 7.9 and Resolution 8.11.\n")
    links = document_links(doc)
    assert [k.id for k in links.keys] == ["cms/resolution/11.10"]
    edges = {(e.relation, e.target.id if e.target else None) for e in links.edges}
    assert edges == {("recalls", "cms/resolution/7.9"), ("cites", "cbd/decision/X-20"),
                     ("cites", "cms/resolution/7.9"), ("cites", "cms/resolution/8.11"),
                     ("repeals", "cms/resolution/7.9"), ("repeals", "cms/resolution/8.11")}


@pytest.mark.parametrize(("text", "meeting", "day"), [
    ("COP14", 14, None), ("CoP19", 19, None), ("MOP 5", 5, None),
    ("2020-03-01", None, "2020-03-01"), ("2020", None, "2020-12-31"),
])
def test_parse_as_of(text: str, meeting: int | None, day: str | None) -> None:
    a = parse_as_of(text)
    assert a.meeting == meeting and (str(a.day) if a.day else None) == day


def test_parse_as_of_refuses_what_it_cannot_read() -> None:
    with pytest.raises(MealinkError, match="--as-of"):
        parse_as_of("next year")
