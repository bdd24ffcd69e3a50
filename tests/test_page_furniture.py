"""What a web page prints around a decision is the publisher's, not the Conference's: a
breadcrumb trail ("- Home", "- Decisions", "- 17.170 (Rev. CoP19)") names the decision but
is no paragraph of it, above the text or below it, whether the lines read as items or not."""

from __future__ import annotations

from pathlib import Path

import pytest

from mealink import parse_text

TRAIL = "- Home\n- Documents\n- Decisions\n- 19.30\n"


@pytest.mark.parametrize(("text", "paragraphs", "trail_lines"), [
    # a trail below the text, its lines right after the last paragraph (the CITES site)
    ("The Standing Committee shall review the provisions and report at the 20th meeting.\n"
     + TRAIL, ["The Standing Committee shall review the provisions and report at the 20th "
               "meeting."], 4),
    # above the text
    (TRAIL + "\nThe Secretariat shall:\n\na) compile the reports;\n\nb) report to the "
     "Standing Committee.\n",
     ["The Secretariat shall:", "compile the reports;", "report to the Standing Committee."],
     4),
    # a list in the text that names no decision is the text's own
    ("The Parties are invited to consider:\n- national reports\n- Documents of the "
     "meetings\n",
     ["The Parties are invited to consider:", "national reports", "Documents of the meetings"],
     0),
])
def test_a_breadcrumb_trail_is_apparatus(text: str, paragraphs: list[str],
                                         trail_lines: int) -> None:
    doc = parse_text(text, "page.txt")
    assert [p.text for p in doc.paragraphs] == paragraphs
    assert sum(a.reason == "breadcrumb trail of the page" for a in doc.apparatus) == \
        trail_lines


def test_the_cites_page_of_decision_17_170_has_one_paragraph(realdocs_dir: Path) -> None:
    """Its four breadcrumb lines were four more operative paragraphs asking the Standing
    Committee to review (four mandates nobody adopted)."""
    path = realdocs_dir / "cites-dec-17.170-rev-cop19.txt"
    doc = parse_text(path.read_text(encoding="utf-8"), path.name)
    assert len(doc.paragraphs) == 1 and doc.paragraphs[0].kind == "operative"
    assert doc.paragraphs[0].text.startswith("The Standing Committee shall")
    assert doc.symbol == "Decision 17.170 (Rev. CoP19)"  # the trail still names it
    crumbs = [doc.text[a.span.start:a.span.end] for a in doc.apparatus
              if a.reason == "breadcrumb trail of the page"]
    assert crumbs == ["- Home", "- Documents", "- Decisions", "- 17.170 (Rev. CoP19)"]
