"""Deadlines, reporting due dates, periods and conditions as a careful reader sees them
(issue 16; the rules are in ``mealink.annotate.clauses`` and ``data/clauses.toml``).

Each row is a real shape of text, named after where it was seen (``../shared/realdocs``,
``../shared/corpus``, the seed resolutions) or the drafting pattern it stands for. Texts
that need the adopting meeting carry a header whose symbol has an item number of 900 or
more, like every invented text of the tests, so that none is mistaken for a real one.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mealink import parse_text
from mealink.annotate.clauses import Meeting, adopting_meeting, find_deadline
from mealink.load import load
from mealink.models import Mention, Paragraph
from mealink.parse import parse
from mealink.vocabulary import vocabulary

CMS13 = "CMS Decision 13.907\nThe Conference of the Parties,\n"  # adopted at CMS COP13
CMS14_REV = "UNEP/CMS/Resolution 12.921 (Rev.COP14)\nThe Conference of the Parties,\n"
CBD11 = "Decision XI/910\nThe Conference of the Parties,\n"


def _value(m: Mention | None) -> str | None:
    return m.value if m else None


def _last_operative(text: str) -> Paragraph:
    return [p for p in parse_text(text).paragraphs if p.kind == "operative"][-1]


# (what it is, text, deadline, report_by, period); the last operative paragraph is read
TIMING: list[tuple[str, str, str | None, str | None, str | None]] = [
    # --- due dates --------------------------------------------------------------------
    ("cms-dec-13.1-13.3 13.1(d): 'for consideration by ... at its 14th meeting'",
     CMS13 + "The Secretariat, subject to the availability of resources, is requested to:\n"
     "d) undertake a full assessment of the implementation of the Strategic Plan in time for "
     "the Standing Committee’s consideration of available options and for consideration by "
     "the Conference of the Parties at its 14th meeting;",
     "its 14th meeting", None, None),
    ("cbd-dec-xi-10 3: another body's meeting is never compared with the text's own",
     CBD11 + "3.Requests the Working Group on Review of Implementation to consider the "
     "proposal at its fifth meeting and to develop a recommendation for consideration by the "
     "Conference of the Parties at its twelfth meeting.",
     "its fifth meeting", None, None),
    ("cbd-dec-xi-10 2: 'until 2020' is a period; the due date comes after it",
     CBD11 + "2.Requests the Executive Secretary to prepare a proposal on the periodicity of "
     "meetings until 2020, for consideration by the Working Group on Review of "
     "Implementation at its fifth meeting;",
     "its fifth meeting", None, "until 2020"),
    ("cbd_sbstta14 2: a subsidiary body's number is not the COP's ('XIV' is not COP14)",
     "The Subsidiary Body on Scientific, Technical and Technological Advice\n"
     "Recommendation XIV/917\n2.Requests the Executive Secretary to provide an analysis of "
     "previous decisions, to be addressed at the tenth meeting of the Conference of the "
     "Parties;",
     "tenth meeting of the Conference of the Parties", None, None),
    # --- reporting clauses -------------------------------------------------------------
    ("seed 11.10 11: the only due date is the report's: it is the deadline too",
     "11. Requests the Secretariat to report on progress to the Scientific Council and COP12;",
     "COP12", "COP12", None),
    ("cbd-dec-ii-19 6: 'report to its third meeting'",
     "6. Further requests the Executive Secretary to report to its third meeting on the "
     "implementation of this decision.",
     "its third meeting", "its third meeting", None),
    ("cms-dec-13.7 (run-in items): 'b) report to the Conference of the Parties at its 14th "
     "meeting (COP14)'",
     CMS13 + "Parties are requested to: a) ensure that migratory species’ needs are integrated "
     "in the post-2020 global biodiversity framework; b) report to the Conference of the "
     "Parties at its 14th meeting (COP14) on the progress in implementing the Decision.",
     "its 14th meeting", "its 14th meeting", None),
    ("cms-dec-13.8: the main ask is due at CBD COP15, the report at StC52 and StC53",
     CMS13 + "The Secretariat shall: a) transmit the contributions into the Open-ended Working "
     "Group, and thereby to the CBD COP15 in Kunming, China in October 2020; c) report to the "
     "Standing Committee at its 52nd and 53rd meetings and to COP14 on the progress in "
     "implementing this Decision.",
     "CBD COP15", "its 52nd and 53rd meetings", None),
    ("CITES decision: main ask by CoP20, report to the Standing Committee apart",
     "The Secretariat shall, in consultation with the Animals Committee, develop guidance on "
     "the marking of specimens by CoP20, and report on progress to the Standing Committee at "
     "its 78th meeting.",
     "CoP20", "its 78th meeting", None),
    ("CITES decision: report first, then the main ask after ', and'",
     "The Standing Committee shall report to the Secretariat at its 77th and 78th meetings, "
     "and make recommendations for consideration at CoP20.",
     "CoP20", "its 77th and 78th meetings", None),
    ("CITES decision: 'report ... at its 77th and 78th meetings and CoP20' is one clause",
     "The Secretariat shall report to the Standing Committee at its 77th and 78th meetings "
     "and CoP20 on the implementation of this Decision.",
     "its 77th and 78th meetings", "its 77th and 78th meetings", None),
    ("cites-dec-16.47: 'shall report its conclusions ... at the 17th meeting'",
     "The Standing Committee shall review Resolutions Conf. 9.9 and Conf. 10.7 (Rev. CoP15) "
     "and shall report its conclusions and recommendations at the 17th meeting of the "
     "Conference of the Parties.",
     "17th meeting of the Conference of the Parties",
     "17th meeting of the Conference of the Parties", None),
    ("cites-dec-16.159: a progress report at PC22, the work due at CoP17",
     "The Working Group shall report on its progress at the 22nd meeting of the Plants "
     "Committee. In turn, the Plants Committee shall prepare a report on work completed for "
     "submission at the 17th meeting of the Conference of the Parties.",
     "17th meeting of the Conference of the Parties", "22nd meeting of the Plants Committee",
     None),
    ("cites-dec-19.189: 'the report of the workshop' is a noun, not a reporting clause",
     "The Standing Committee shall consider the report of the workshop and submit "
     "recommendations to the 20th meeting of the Conference of the Parties.",
     "20th meeting of the Conference of the Parties", None, None),
    # --- periods are not due dates -----------------------------------------------------
    ("seed 10.8 2: 'up to 2030' (the seed gold says deadline 'up to 2030'; issue 16 wins)",
     "2. Calls on the Standing Committee to participate in the implementation of the IPBES "
     "rolling work programme up to 2030 and to submit inputs as necessary;",
     None, None, "up to 2030"),
    ("'for the period 2015-2023'",
     "Requests the Secretariat to support the implementation of the Strategic Plan for "
     "Migratory Species for the period 2015-2023;", None, None, "for the period 2015-2023"),
    ("'for 2021-2030'",
     "Invites Parties to contribute to the implementation of the Strategic Vision for "
     "2021-2030;", None, None, "for 2021-2030"),
    ("'during the triennium 2024-2026'",
     "Requests the Secretariat to organize two regional workshops during the triennium "
     "2024-2026;", None, None, "during the triennium 2024-2026"),
    ("basel_bc14 7: 'for the biennium 2020–2021'",
     "7.Requests the Secretariat to undertake activities in its work programme for the "
     "biennium 2020–2021;", None, None, "for the biennium 2020–2021"),
    ("'from 2011 to 2020': the end of a range is no due date",
     "Urges Parties to implement the Strategic Plan from 2011 to 2020;",
     None, None, "from 2011 to 2020"),
    ("'in the period up to COP15': a period ending at a meeting, nothing due there",
     "Requests the Standing Committee to oversee the intersessional work in the period up "
     "to COP15;", None, None, "in the period up to COP15"),
    ("'until the next meeting of the Conference of the Parties'",
     "Requests the Secretariat to assist Parties until the next meeting of the Conference of "
     "the Parties;", None, None, "until the next meeting of the Conference of the Parties"),
    ("a range in a name ('Strategic Plan for Biodiversity 2011-2020') is not a period",
     "Requests the Secretariat to promote the Strategic Plan for Biodiversity 2011-2020;",
     None, None, None),
    # --- past meetings named as context are not due dates ------------------------------
    ("'as decided at its 12th meeting' is context; 'by COP14' is due",
     "Requests the Secretariat, as decided at its 12th meeting, to prepare guidelines by "
     "COP14;", "COP14", None, None),
    ("'adopted at COP11'",
     "Requests the Secretariat to implement the guidance adopted at COP11;", None, None, None),
    ("'the outcomes of the 45th meeting of the Standing Committee'",
     "Requests the Secretariat to take into account the outcomes of the 45th meeting of the "
     "Standing Committee;", None, None, None),
    ("'requested by the Standing Committee at its 70th meeting'",
     "Requests the Secretariat to complete the guidance requested by the Standing Committee "
     "at its 70th meeting;", None, None, None),
    ("'to be considered at' looks forward ('be' before the participle)",
     "Requests the Secretariat to prepare a proposal to be considered at the 15th meeting of "
     "the Conference of the Parties;",
     "15th meeting of the Conference of the Parties", None, None),
    ("cbd-dec-15-908 4(c): 'a meeting held prior to the sixteenth meeting' looks forward",
     "Requests the Executive Secretary to report on progress to the Subsidiary Body at a "
     "meeting held prior to the sixteenth meeting of the Conference of the Parties;",
     "sixteenth meeting of the Conference of the Parties",
     "sixteenth meeting of the Conference of the Parties", None),
    ("a revised resolution keeps a stale 'report to COP13': held by COP14",
     CMS14_REV + "5. Requests the Secretariat to report on the implementation of this "
     "Resolution to COP13;", None, None, None),
    ("'the 13th meeting of the Conference of the Parties' in a COP13 text has been held",
     CMS13 + "Requests the Secretariat to build on the conclusions presented to the 13th "
     "meeting of the Conference of the Parties and to submit a proposal to COP14;",
     "COP14", None, None),
    ("'at its 13th meeting' after the Conference, in a COP13 text, has been held",
     CMS13 + "Requests the Secretariat to submit to the Conference of the Parties at its 13th "
     "meeting, and to the Standing Committee at its 52nd meeting, the plan;",
     "its 52nd meeting", None, None),
    ("another convention's meeting is not compared: 'CBD COP13' in a CMS COP13 text",
     CMS13 + "Requests the Secretariat to submit the advice in time to be considered by the "
     "CBD COP13;", "CBD COP13", None, None),
    ("... nor one named '... to the Convention on Biological Diversity'",
     CMS13 + "Requests the Secretariat to submit the advice to the 13th meeting of the "
     "Conference of the Parties to the Convention on Biological Diversity;",
     "13th meeting of the Conference of the Parties", None, None),
    ("'at or before': COP14 in a COP13 text is due",
     CMS13 + "Requests the Secretariat to report to the Conference of the Parties at its 14th "
     "meeting;", "its 14th meeting", "its 14th meeting", None),
]


@pytest.mark.parametrize(("text", "deadline", "report_by", "period"), [c[1:] for c in TIMING],
                         ids=[c[0] for c in TIMING])
def test_deadline_report_by_and_period(text: str, deadline: str | None, report_by: str | None,
                                       period: str | None) -> None:
    p = _last_operative(text)
    assert (_value(p.deadline), _value(p.report_deadline), _value(p.period)) == \
        (deadline, report_by, period)


def test_spans_point_at_the_text() -> None:
    doc = parse_text("The Secretariat shall develop guidance by CoP20, and report on progress "
                     "to the Standing Committee at its 78th meeting, for the period 2024-2026.")
    (p,) = doc.paragraphs
    assert p.deadline and p.report_deadline and p.period
    assert doc.text[p.deadline.span.start:p.deadline.span.end] == "CoP20"
    assert doc.text[p.report_deadline.span.start:p.report_deadline.span.end] == \
        "its 78th meeting"
    assert doc.text[p.period.span.start:p.period.span.end] == "for the period 2024-2026"


# (what it is, text, condition as reported); the last operative paragraph is read
CONDITIONS: list[tuple[str, str, str | None]] = [
    ("two hedges joined by 'and' are one, as written",
     "Requests the Secretariat to assist Parties, when possible and when applicable, in "
     "preparing their reports;", "when possible and when applicable"),
    ("'or' joins them too",
     "Invites Parties to share data where appropriate or where relevant;",
     "where appropriate or where relevant"),
    ("cites_res5_20 (e): 'if applicable'",
     "The Secretariat shall review proposals as follows:\n(e) if applicable, reference should "
     "be made to any existing Resolutions affecting the proposal;", "if applicable"),
    ("'where applicable'", "Urges Parties to apply the guidelines where applicable;",
     "where applicable"),
    ("'as applicable'", "Urges Parties to apply the guidelines, as applicable, to trade;",
     "as applicable"),
    ("'as applicable to' describes, it does not hedge",
     "Urges Parties to apply the standards as applicable to them;", None),
    ("'where relevant'", "Invites Parties to report on these activities where relevant;",
     "where relevant"),
    ("'as relevant'", "Invites Parties to report on these activities, as relevant;",
     "as relevant"),
    ("'as relevant to' describes", "Requests the Secretariat to compile information as "
     "relevant to migratory species;", None),
    ("'within their respective mandates'",
     "Invites relevant organizations, within their respective mandates, to support Parties;",
     "within their respective mandates"),
    ("seed 11.10 7: 'within the mandates given by their Parties' names no hedge",
     "7. Further requests the Secretariat, its daughter Agreements within the mandates given "
     "by their Parties/Signatories and the Scientific Council to enhance cooperation, as "
     "appropriate;", "as appropriate"),
    ("'in accordance with national legislation'",
     "Urges Parties to regulate trade in accordance with national legislation;",
     "in accordance with national legislation"),
    ("seed 10.8 8: hedges apart stay apart",
     "8. Instructs the Secretariat to participate as appropriate in meetings and to report on "
     "progress to the Standing Committee, resources permitting.",
     "as appropriate; resources permitting"),
]


@pytest.mark.parametrize(("text", "condition"), [c[1:] for c in CONDITIONS],
                         ids=[c[0] for c in CONDITIONS])
def test_conditions(text: str, condition: str | None) -> None:
    assert _last_operative(text).condition == condition


@pytest.mark.parametrize(("header", "meeting"), [
    ("CMS Decision 13.907", Meeting("CMS", 13)),
    ("UNEP/CMS/Resolution 12.921 (Rev.COP14)", Meeting("CMS", 14)),  # the revision's meeting
    ("Decision XI/910", Meeting("CBD", 11)),  # roman meeting numbers
    ("Resolution 11.910\nAdopted by the Conference of the Parties at its 11th meeting (COP11, "
     "Quito, 4-9 November 2014)", Meeting(None, 11)),
    ("The Subsidiary Body on Scientific, Technical and Technological Advice\n"
     "Recommendation XIV/917", None),  # SBSTTA's 14th meeting, not a COP
    ("The Conference of the Parties,", None),  # nothing tells
])
def test_adopting_meeting(header: str, meeting: Meeting | None) -> None:
    doc = parse_text(header + "\nThe Conference of the Parties,\n1. Requests the Secretariat "
                     "to act;")
    assert adopting_meeting(doc) == meeting


def test_realdocs_adopting_meetings(realdocs_dir: Path) -> None:
    def own(name: str) -> Meeting | None:
        path = realdocs_dir / name
        return adopting_meeting(parse(load(path).text, path.name))

    assert own("cms-dec-13.7-13.8.txt") == Meeting("CMS", 13)
    assert own("cites-dec-17.170-rev-cop19.txt") == Meeting("CITES", 19)
    assert own("cbd-dec-ii-19.txt") == Meeting("CBD", 2)
    assert own("cms-res-11.10.txt") == Meeting("CMS", 11)


def test_find_deadline_knows_the_meeting_only_when_told() -> None:
    # mandates call find_deadline on a clause: the text's own meeting is passed in
    text = "to report to the Conference of the Parties at its 13th meeting;"
    vocab = vocabulary()
    assert _value(find_deadline(text, 0, len(text), vocab)) == "its 13th meeting"
    assert find_deadline(text, 0, len(text), vocab, Meeting("CMS", 13)) is None
    assert _value(find_deadline(text, 0, len(text), vocab, Meeting("CMS", 12))) == \
        "its 13th meeting"
