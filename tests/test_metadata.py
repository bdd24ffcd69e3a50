"""Document metadata: symbol, number, revision, title, adoption, convention; page furniture."""

from __future__ import annotations

import pytest

from mealink import parse_text

CMS_COVER = (
    "CONVENTION ON\nMIGRATORY\nSPECIES\n\nDistribution: General\n\n"
    "UNEP/CMS/Resolution 10.8 (Rev.COP14)\n\nOriginal: English\n\n"
    "COOPERATION BETWEEN IPBES\nAND CMS\n\n"
    "Adopted by the Conference of the Parties at its 14<sup>th</sup> Meeting (Samarkand, "
    "February 2024)\n\n*Recognizing* the need for assessments,\n\n"
    "The Conference of the Parties\n\n1. *Urges* Parties to act;"
)


CASES: list[tuple[str, str, tuple[str | None, ...]]] = [
    ("cover header of a CMS resolution (seed 10.8)", CMS_COVER,
     ("UNEP/CMS/Resolution 10.8 (Rev.COP14)", "10.8", "Rev.COP14",
      "Cooperation between IPBES and CMS", "COP14, Samarkand, February 2024", "CMS")),
    ("CBD symbol and title on one line (cbd_cop13_dec5)",
     "XIII/5. Ecosystem restoration: short-term action plan\n\nThe Conference of the Parties,\n\n"
     "Recalling decisions XI/16 and XII/19,\n\n1. Welcomes the plan;",
     ("Decision XIII/5", "XIII/5", None, "Ecosystem restoration: short-term action plan", None,
      "CBD")),
    ("CITES resolution with a revision (cites_res5_20 style)",
     "Resolution Conf. 13.10 (Rev. CoP14)*\n\nTrade in alien invasive species\n\nAWARE that "
     "species move;\n\nTHE CONFERENCE OF THE PARTIES TO THE CONVENTION\n\nURGES the Parties to "
     "act;",
     ("Resolution Conf. 13.10 (Rev. CoP14)", "13.10", "Rev. CoP14",
      "Trade in alien invasive species", None, "CITES")),
    ("Ramsar meeting header block (ramsar_res6_7)",
     "Resolution VI.7: The Scientific and Technical Review Panel\n\n6th Meeting of the "
     "Conference of the Contracting Parties\nBrisbane, Australia\n19-27 March 1996\n\n"
     "1. RECALLING Resolution 5.5 on the Panel;",
     ("Resolution VI.7", "VI.7", None, "The Scientific and Technical Review Panel",
      "COP6, Brisbane, Australia, 19-27 March 1996", "Ramsar")),
    ("UNFCCC decision symbol",
     "Decision 1/CP.21 Adoption of the Paris Agreement\n\nThe Conference of the Parties,\n\n"
     "Recalling decision 1/CP.17,\n\n1. Decides to adopt the Paris Agreement;",
     ("Decision 1/CP.21", "1/CP.21", None, "Adoption of the Paris Agreement", None, "UNFCCC")),
    ("UNEA document symbol alone on its line",
     "UNEP/EA.3/Res.7\n\nMarine litter and microplastics\n\nThe United Nations Environment "
     "Assembly,\n\nRecalling its resolutions 1/6 and 2/11,\n\n1. Stresses the importance of "
     "action;",
     ("UNEP/EA.3/Res.7", "3/7", None, "Marine litter and microplastics", None, "UNEA")),
    ("a number-only heading named as its convention names its texts (UNEA page)",
     "3/7. Marine litter and microplastics\n\nThe United Nations Environment Assembly,\n\n"
     "Recalling its resolutions 1/6, entitled \u201cMarine plastic debris\u201d, and 2/11,\n\n"
     "1. Requests the Executive Director to report;",
     ("Resolution 3/7", "3/7", None, "Marine litter and microplastics", None, "UNEA")),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_metadata(text: str, expected: tuple[str | None, ...]) -> None:
    doc = parse_text(text)
    got = (doc.symbol, doc.number, doc.revision, doc.title, doc.adopted_at, doc.convention)
    assert got == expected


def test_list_of_resolutions_with_titles_in_between() -> None:
    doc = parse_text("Recalling its resolutions 1/6, entitled \u201cMarine plastic debris\u201d, "
                     "and 2/11, entitled \u201cMarine plastic litter\u201d, on measures,")
    assert [r.text for r in doc.paragraphs[0].references] == ["resolution 1/6", "resolution 2/11"]


def test_running_header_is_page_furniture_but_the_first_copy_is_the_symbol() -> None:
    page = "UNEP/CMS/Resolution 9.9"
    text = (f"{page}\n\nThe Conference of the Parties,\n\n1. Requests the Secretariat to act;\n\n"
            f"{page}\n\n2. Urges Parties to act;\n\n{page}\n\n3. Invites IPBES to help;\n\n"
            f"{page}\n\n4. Decides to review it.")
    doc = parse_text(text)
    assert doc.symbol == page
    assert [p.number for p in doc.paragraphs if p.kind == "operative"] == ["1", "2", "3", "4"]
    assert len(doc.apparatus) == 3
