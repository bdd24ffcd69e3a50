"""Table-driven tests of the hard shapes of real decision texts.

Each row is a shape seen in the corpus or the seed resolutions (named in the row's id),
written here as a short text; the expected rows give, per paragraph, its kind, number,
verb, actors and references as ``mealink parse --json`` reports them.
"""

from __future__ import annotations

from typing import Any

import pytest

from mealink import parse_text
from mealink.vocabulary import vocabulary


def rows(text: str) -> list[tuple[Any, ...]]:
    """(kind, number, verb, actors, references) of every paragraph."""
    doc = parse_text(text)
    return [(p.kind, p.number, p.verb.value if p.verb else None, [a.value for a in p.actors],
             [r.text for r in p.references]) for p in doc.paragraphs]


H, P, O = "heading", "preamble", "operative"  # noqa: E741

CASES: list[tuple[str, str, list[tuple[Any, ...]]]] = [
    ("number glued to the lead (cbd_cop10: '1.Recalls')",
     "The Conference of the Parties,\n1.Recalls decision X/2;\n2.Urges Parties to act;",
     [(H, None, None, [], []), (O, "1", "recall", [], ["decision X/2"]),
      (O, "2", "urge", ["Parties"], [])]),
    ("number alone on its line (cbd_sbstta15: '1.\\nTakes note')",
     "The Conference of the Parties\n1.\nTakes note of the report (\nUNEP/CBD/SBSTTA/15/INF/1);\n"
     "2.\nRequests the Executive Secretary to report;",
     [(H, None, None, [], []), (O, "1", "take note", [], ["UNEP/CBD/SBSTTA/15/INF/1"]),
      (O, "2", "request", ["Executive Secretary"], [])]),
    ("footnote number pushed to a line start is not a paragraph (cbd_cop10)",
     "1.Recalls the meeting and the Summary,\n51 which notes the benefits;\n2.Welcomes the report;",
     [(O, "1", "recall", [], []), (O, "2", "welcome", [], [])]),
    ("'I.' read for '1.' opens an operative paragraph with sub-paragraphs (unfccc OCR)",
     "Recalling its decision 1/CMP.1,\n\nI. Agrees that:\n\n(a) Commitments shall take a form;\n\n"
     "(b) Parties shall implement them;",
     [(P, None, None, [], ["decision 1/CMP.1"]), (O, "I", "agree", [], []),
      (O, "I(a)", "agree", [], []), (O, "I(b)", "agree", [], [])]),
    ("whole resolution on one line, runs of spaces (seed 11.28)",
     "Considering  that Article III applies;   Aware  that IAS spread;   The Conference of the "
     "Parties to the    Convention on Migratory Species    1.Calls  on Parties and non-Parties "
     "to act;  2.  Requests  the Scientific Council to advise;   Urges  the Secretariat to help;"
     "  4.  Instructs  the Secretariat, resources permitting, to report;",
     [(P, None, None, [], []), (P, None, None, [], []), (H, None, None, [], []),
      (O, "1", "call on", ["Parties", "non-Parties"], []),
      (O, "2", "request", ["Scientific Council"], []),
      (O, None, "urge", ["Secretariat"], []), (O, "4", "instruct", ["Secretariat"], [])]),
    ("run-in preamble after commas and a displaced number (unea3_7_p2)",
     "Recognizing with concern that litter grows, Underlining that prevention matters, "
     "Stresses the importance of action; 2. Urges all actors to act; 1. 3. Encourages all "
     "member States to prioritize policies;",
     [(P, None, None, [], []), (P, None, None, [], []), (O, "1", "stress", [], []),
      (O, "2", "urge", ["actors"], []), (O, "3", "encourage", ["member States"], [])]),
    ("addressee as subject (cms_decisions_12_91_93)",
     "12.91\nParties are invited to:\na) Review the means;\nb) Support the atlas.\n12.92\n"
     "The Scientific Council, subject to the availability of resources, should undertake the "
     "following tasks:\na) Review databases;",
     [(O, "12.91", "invite", ["Parties"], []), (O, "12.91(a)", "invite", ["Parties"], []),
      (O, "12.91(b)", "invite", ["Parties"], []),
      (O, "12.92", "undertake", ["Scientific Council"], []),
      (O, "12.92(a)", "undertake", ["Scientific Council"], [])]),
    ("lower-case items carry the verbs of a 'shall:' decision (CITES decisions pages)",
     "16.105 The Standing Committee shall:\n  a)  consider the reports of the Animals Committee;"
     "\n  b)  examine the study concerning:\n  i)  the socio-economic implications; and\n"
     "  c)  report at CoP17.",
     [(O, "16.105", None, ["Standing Committee"], []),
      (O, "16.105(a)", "consider", ["Standing Committee"], []),
      (O, "16.105(b)", "examine", ["Standing Committee"], []),
      (O, "16.105(b)(i)", "examine", ["Standing Committee"], []),  # from (b), one level up
      (O, "16.105(c)", "report", ["Standing Committee"], [])]),
    ("modal with an inserted clause (cites_dec17_170)",
     "Decision directed to:\nThe Standing Committee shall, with the assistance of the "
     "Secretariat, review the provisions and report at the 19th meeting of the Conference of "
     "the Parties.",
     [(H, None, None, [], []), (O, None, "review", ["Standing Committee"], [])]),
    ("passive request after an introductory clause (cites_dec16_26)",
     "Directed to the Parties\n16.26 As envisaged under Resolution Conf. 15.2 on reviews, "
     "Parties that undertake reviews are requested to provide details.",
     [(H, None, None, [], []),
      (O, "16.26", "request", ["Parties"], ["Resolution Conf. 15.2"])]),
    ("second verb in the same paragraph gives actors (seed 11.10 op 10)",
     "The Conference of the Parties\n10. Also requests the Secretariat and invites the "
     "Secretariats of other conventions to cooperate;",
     [(H, None, None, [], []),
      (O, "10", "request", ["Secretariat", "Secretariats of other conventions"], [])]),
    ("sub-paragraphs inherit the verb that opens the list (cbd_cop7_dec13)",
     "4. Recognizes the need for coordination and requests\nthe Executive Secretary to:\n"
     "(a) Promote fuller consideration;\n(b) Further collaborate with FAO;",
     [(O, "4", "recognize", ["Executive Secretary"], []),
      (O, "4(a)", "request", ["Executive Secretary"], []),
      (O, "4(b)", "request", ["Executive Secretary"], [])]),
    ("list of actors over commas (brs: 'Parties, regional centres and others:')",
     "3.Encourages Parties, regional centres and others:\n(a)To make contributions;",
     [(O, "3", "encourage", ["Parties", "regional centres", "others"], []),
      (O, "3(a)", "encourage", ["Parties", "regional centres", "others"], [])]),
    ("consulted bodies are not actors (cbd_cop10 op 4)",
     "4.Requests the Executive Secretary to prepare, in consultation with the executive heads "
     "of the other conventions, proposals;",
     [(O, "4", "request", ["Executive Secretary"], [])]),
    ("reference lists are expanded, type word singular (seed 11.10 op 28)",
     "28. Repeals Resolution 7.9, Resolution 8.11 and Resolutions 9.6 and 10.21.",
     [(O, "28", "repeal", [], ["Resolution 7.9", "Resolution 8.11", "Resolution 9.6",
                                "Resolution 10.21"])]),
    ("plural symbol prefix shared by two numbers (cms_decisions_12_91_93)",
     "a) Review measures set out in UNEP/CMS/Resolutions 12.7 on Ecological Networks, 12.26 "
     "on Connectivity and others;",
     [(P, "(a)", None, [], ["UNEP/CMS/Resolution 12.7", "UNEP/CMS/Resolution 12.26"])]),
    ("a range stays one reference (stockholm_new_pops)",
     "Taking note of decisions SC-4/10–SC-4/18, by which the Conference amended Annexes,",
     [(P, None, None, [], ["decisions SC-4/10–SC-4/18"])]),
    ("footnotes glued after the paragraph end are kept apart (basel_bc14)",
     "The Conference of the Parties\n1.Welcomes the work of the group;11UNEP/CHW.14/5, annex.\n"
     "2.Adopts the manuals;42UNEP/CHW.14/5/Add.1.3UNEP/CHW.14/INF/7.",
     [(H, None, None, [], []), (O, "1", "welcome", [], ["UNEP/CHW.14/5"]),
      (O, "2", "adopt", [], ["UNEP/CHW.14/5/Add.1", "UNEP/CHW.14/INF/7"])]),
    ("participial opener after the operative part began (cbd_sbstta15 op 3)",
     "1.\nTakes note of the report;\n3.\nRecognizing the nature of the issues,\nreiterates that "
     "the principles adopted in\ndecision VI/23\n* continue to provide guidance;",
     [(O, "1", "take note", [], []), (O, "3", "reiterate", [], ["decision VI/23"])]),
    ("preamble and 'decides' in one paragraph (carpathian)",
     "The Conference of the Parties\nRecalling the paragraph 4 of decision COP4/16, decides to "
     "review the issue at a next meeting of the COP, if consensus has been reached.",
     [(H, None, None, [], []), (O, None, "decide", [], ["decision COP4/16"])]),
    ("capitalised leads without numbers (wcbpo, cites_res5_20)",
     "RECALLING that the Convention encourages cooperation;\nCONSIDERING that raptors matter;\n"
     "URGES the CMS Secretariat and other bodies of CMS, notably the Scientific Council, "
     "urgently to consider an agreement;",
     [(P, None, None, [], []), (P, None, None, [], []),
      (O, None, "urge", ["CMS Secretariat", "other bodies of CMS", "Scientific Council"],
       [])]),
    ("CITES divider and a)-g) items (cites_res5_20)",
     "NOTING Article XV of the Convention;\n\nTHE CONFERENCE OF THE PARTIES TO THE CONVENTION\n\n"
     "ESTABLISHES the following guidelines to be followed by the Secretariat:\n\na) references "
     "shall be cited;\n\nb) citations shall be given;",
     [(P, None, None, [], []), (H, None, None, [], []),
      (O, None, "establish", ["Secretariat"], []), (O, "(a)", "establish", ["Secretariat"], []),
      (O, "(b)", "establish", ["Secretariat"], [])]),
    ("numbered preamble with indented items (ramsar_res6_7)",
     "1. RECALLING the establishment by Resolution 5.5 of the Panel;\n\n2. FURTHER NOTING that "
     "the Committee requested three items, namely:\n\n    a) review, as called for in "
     "Recommendation 5.9;\n\n    b) definitions;",
     [(P, "1", None, [], ["Resolution 5.5"]), (P, "2", None, [], []),
      (P, "2(a)", None, [], ["Recommendation 5.9"]), (P, "2(b)", None, [], [])]),
    ("lead and reference split by line breaks (cbd_cop7_dec33)",
     "The Conference of the\nParties,\nRecalling\nalso paragraph 1 of decision IV/17,\nFurther\n"
     "recalling paragraph 5 of decision\nV/20 by which it made changes,\n1.\nDecides to retire "
     "the decisions adopted at its third meeting listed in the annex;",
     [(H, None, None, [], []), (P, None, None, [], ["decision IV/17"]),
      (P, None, None, [], ["decision V/20"]), (O, "1", "decide", [], [])]),
    # Parties are whom the Secretariat must encourage, not asked by the Conference (issue 16)
    ("roman sub-items run in after 'as appropriate' (seed 11.28 op 6)",
     "6.  Instructs  the Secretariat to encourage Parties, as appropriate: (i) to ensure "
     "coordination (ii) to address threats and  ( iii) to use guidelines;",
     [(O, "6", "instruct", ["Secretariat"], []),
      (O, "6(i)", "instruct", ["Secretariat"], []),
      (O, "6(ii)", "instruct", ["Secretariat"], []),
      (O, "6(iii)", "instruct", ["Secretariat"], [])]),
    ("numbered lead run in after a header without punctuation (Ramsar page dump)",
     "Resolution X.8 The Programme on CEPA 2009-2015 1. RECALLING that Resolution VII.9 "
     "adopted it; 2. EXPRESSING APPRECIATION for the work done;",
     [(H, None, None, [], []), (P, "1", None, [], ["Resolution VII.9"]), (P, "2", None, [], [])]),
    ("an 'Annex to DOC.' label before the text is header, an attachment after it is annex",
     "Resolution on the Framework\n\nAnnex to DOC. C.4.12 (Rev.)\n\nNOTING the review;\n\n"
     "1. DIRECTS the Bureau to prepare a work plan.\n\nAttachment 1\n\nFramework text. It "
     "requests nothing.",
     [(H, None, None, [], []), (H, None, None, [], []), (P, None, None, [], []),
      (O, "1", "direct", ["Bureau"], []), (H, None, None, [], [])]),
    ("decision-tracking-tool page: 'paragraph N' and label lines are page furniture",
     "The Conference of the Parties\ninformational\n\nUNEP/CBD/COP/DEC/XIII/25 paragraph 1\n\n"
     "1.Adopts the modus operandi;\noperational implemented es\n\nparagraph 2\n\n2.Requests "
     "the Executive Secretary to continue the work;\nOperational Active Parties",
     [(H, None, None, [], []), (O, "1", "adopt", [], []),
      (O, "2", "request", ["Executive Secretary"], [])]),
    ("encoding damage drops accented letters (ioc_ec45, French)",
     "Le Conseil excutif, Ayant examin le document IOC/EC-XLV/2 Annexe 10, Dcide dutiliser les "
     "Directives, et demande lAssemble dexaminer les Directives en vue de les adopter.",
     [(H, None, None, [], []), (P, None, None, [], ["IOC/EC-XLV/2"]),
      (O, None, "decide", ["Assemble"], [])]),
    ("a list of bodies whose middle item carries a qualifier (seed 11.10 op 7)",
     "1. Further requests the Secretariat, its daughter Agreements within the mandates given "
     "by their Parties/Signatories and the Scientific Council to enhance their engagement;",
     [(O, "1", "request", ["Secretariat", "daughter Agreements", "Scientific Council"], [])]),
    ("a plural body of several named conventions stays one actor (cms 12.21 op 6)",
     "1. Invites the secretariats of the United Nations Framework Convention on Climate "
     "Change, the Convention on Biological Diversity and the Convention on Wetlands to "
     "cooperate;",
     [(O, "1", "invite", ["secretariats of the United Nations Framework Convention on Climate "
                          "Change, the Convention on Biological Diversity and the Convention "
                          "on Wetlands"], [])]),
    ("bodies qualified by a system name are not cut there (unga 32/168)",
     "1. Requests the governing bodies of all organizations within the United Nations system "
     "to take action;",
     [(O, "1", "request", ["governing bodies of all organizations within the United Nations "
                           "system"], [])]),
    # --- issue 16: shapes of real texts the parser had not seen ----------------------------
    ("lower-case verbs after numbers (InforMEA, Carpathian COP1)",
     "The Conference of the Parties\n\n1. decides to convene the 2nd Meeting in 2008, and "
     "requests the interim Secretariat make the necessary arrangements;\n\n2. invites "
     "interested partners to make a financial contribution.",
     [(H, None, None, [], []), (O, "1", "decide", ["interim Secretariat"], []),
      (O, "2", "invite", ["interested partners"], [])]),
    ("'; and' before a lead on the next line ends the paragraph (CMS Res. 1.3)",
     "Invites the Executive Director of UNEP to negotiate with the Government all questions "
     "concerning the location of the secretariat; and\nDecides to review the arrangements at "
     "the next ordinary meeting of the Conference of the Parties.",
     [(O, None, "invite", ["Executive Director of UNEP"], []), (O, None, "decide", [], [])]),
    ("a decision number alone, then the page's addressee label and value (CMS decisions page)",
     "13.7\n\nDecision directed to\nParties\n\nParties are requested to: a) ensure that the "
     "needs are integrated; b) report to the Conference of the Parties.",
     [(H, None, None, [], []), (H, None, None, [], []),
      (O, "13.7", "request", ["Parties"], []), (O, "13.7(a)", "request", ["Parties"], []),
      (O, "13.7(b)", "request", ["Parties"], [])]),
    ("an empty addressee label before the text, a label with names before the next (CITES)",
     "Decision directed to:\nSubject to available resources, the Secretariat shall: a) contract "
     "consultants;\nDecision directed to:\nAnimals Committee, Plants Committee\nThe Animals "
     "and Plants Committees shall review the report.",
     [(H, None, None, [], []), (O, None, None, ["Secretariat"], []),
      (O, "(a)", "contract", ["Secretariat"], []), (H, None, None, [], []),
      (H, None, None, [], []),
      (O, None, "review", ["Animals Committee", "Plants Committee"], [])]),
    ("an enacting formula in the first person plural takes base-form verbs (IPBES 2012)",
     "We, the representatives of the Governments listed hereunder, assembled in Panama City,"
     "\n\n1. Recalling the Rio Declaration,\n\n2. Decide to establish the Platform;\n\n"
     "Further decide:\n\n(a) To request the secretariat of the United Nations Environment "
     "Programme to provide an interim secretariat;",
     [(H, None, None, [], []), (P, "1", None, [], []), (O, "2", "decide", [], []),
      (O, None, "decide", [], []),
      (O, "(a)", "request", ["secretariat of the United Nations Environment Programme"], [])]),
    ("items that continue a second action after 'and, subject to ...:' (CITES 19.49)",
     "The Secretariat shall bring the results to the attention of the Plants Committee and, "
     "subject to external funding:\n\na) develop a capacity-building programme;\n\nb) in "
     "consultation with the Plants Committee, develop the terms of reference;",
     [(O, None, "bring", ["Secretariat"], []), (O, "(a)", "develop", ["Secretariat"], []),
      (O, "(b)", "develop", ["Secretariat"], [])]),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_shape(text: str, expected: list[tuple[Any, ...]]) -> None:
    assert rows(text) == expected


def test_repeal_by_description_and_by_reference() -> None:
    doc = parse_text(
        "1.\nDecides to retire the decisions and elements of decisions adopted at its third "
        "meeting listed in the annex to the present decision;\n2.\nDecides to retire decision "
        "V/20, paragraphs 4, 6, 10-17 and 29 (b);\n3.\nRequests the Executive Secretary to "
        "propose the retirement of decisions taken at its fifth meeting;")
    assert [[r.value for r in p.repeals] for p in doc.paragraphs] == [
        ["decisions and elements of decisions adopted at its third meeting listed in the annex "
         "to the present decision"],
        ["decision V/20, paragraphs 4, 6, 10-17 and 29 (b)"],
        [],
    ]


@pytest.mark.parametrize(("text", "deadline", "condition"), [
    ("8. Instructs the Secretariat to participate as appropriate in meetings and to report "
     "on progress to the Standing Committee, resources permitting.", None,
     "as appropriate; resources permitting"),
    ("11. Requests the Secretariat to report on progress to the Scientific Council and COP12;",
     "COP12", None),
    ("8. Welcomes the plan and requests the Secretariat to submit it for consideration by the "
     "next Conference of the Parties;", "next Conference of the Parties", None),
    # a period of a standing task is not a due date (issue 16; the seed gold says 'up to 2030')
    ("2. Calls on the Standing Committee to contribute to the work programme up to 2030 and "
     "to submit inputs as necessary;", None, "as necessary"),
    ("7.Requests the Secretariat, subject to the availability of resources, to act by the end "
     "of 2025;", "end of 2025", "subject to the availability of resources"),
])
def test_deadline_and_condition(text: str, deadline: str | None, condition: str | None) -> None:
    (p,) = parse_text(text).paragraphs
    assert (p.deadline.value if p.deadline else None) == deadline
    assert p.condition == condition


def test_gated_patterns_need_their_words() -> None:
    # conditions and deadlines are run only when their words (or a digit) occur
    vocab = vocabulary()
    assert not vocab.conditions_lower.otherwise
    gate = vocab.deadlines
    for alt, need in zip(gate.alternatives, gate.needs, strict=True):
        assert need and (need != gate.otherwise or "\\d" in alt), alt


def test_annotation_spans_point_at_their_text() -> None:
    doc = parse_text("1. Requests the Executive Secretary, resources permitting, to report on "
                     "decision XII/28 to COP13;")
    (p,) = doc.paragraphs
    assert p.verb is not None and p.deadline is not None
    assert doc.text[p.verb.span.start:p.verb.span.end] == "Requests"
    assert [doc.text[a.span.start:a.span.end] for a in p.actors] == ["Executive Secretary"]
    assert [doc.text[r.span.start:r.span.end] for r in p.references] == ["decision XII/28"]
    assert [doc.text[c.span.start:c.span.end] for c in p.conditions] == ["resources permitting"]
    assert doc.text[p.deadline.span.start:p.deadline.span.end] == "COP13"
