"""Work plan files as people write them: the references to mandating paragraphs, the same
plan as CSV, XLSX and YAML, and malformed files refused in one line naming the file, the
row and the column. Pure: no database."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from openpyxl import Workbook

from mealink.workplans.model import WorkPlanError
from mealink.workplans.read import read_plan
from mealink.workplans.refs import parse_reference
from mealink.workplans.write import plan_csv, plan_yaml

REFERENCES = [
    ("CMS Resolution 11.10 ¶8", "CMS Resolution 11.10", ("8",)),
    ("CBD XIII/5 ¶3", "CBD XIII/5", ("3",)),
    ("CMS Res. 11.10, para. 8", "CMS Res. 11.10", ("8",)),
    ("CMS Resolution 11.10 para 8", "CMS Resolution 11.10", ("8",)),
    ("CMS Resolution 11.10 (para 8)", "CMS Resolution 11.10", ("8",)),
    ("CMS Resolution 11.10 paragraph 8", "CMS Resolution 11.10", ("8",)),
    ("paras 8 and 9 of CMS Resolution 11.10", "CMS Resolution 11.10", ("8", "9")),
    ("operative paragraph 3 of decision XIII/5", "decision XIII/5", ("3",)),
    ("UNEP/CMS/Resolution 11.10 ¶¶2, 3(a)", "UNEP/CMS/Resolution 11.10", ("2", "3(a)")),
    ("CMS Resolution 11.10 ¶¶ 20-22", "CMS Resolution 11.10", ("20", "21", "22")),
    ("CMS Resolution 11.28 ¶8 (a)", "CMS Resolution 11.28", ("8(a)",)),
    ("CITES Resolution Conf. 13.3 ¶(b)(ii)", "CITES Resolution Conf. 13.3", ("(b)(ii)",)),
    ("Resolution Conf. 13.10 (Rev. CoP14) para 2", "Resolution Conf. 13.10 (Rev. CoP14)",
     ("2",)),
    ("CMS Decisions 13.1 to 13.3 ¶13.2(a)", "CMS Decisions 13.1 to 13.3", ("13.2(a)",)),
    ("CMS Decision 13.7 op 2", "CMS Decision 13.7", ("2",)),
    ("CMS Resolution 11.10", "CMS Resolution 11.10", ()),  # the text as a whole
    ("Decision 12.5", "Decision 12.5", ()),  # '12.5' is the text, not a paragraph
    ("Résolution Conf. 13.10 paragraphe 2", "Résolution Conf. 13.10", ("2",)),
    ("Decisiones 19.30 y 19.31, párrafo 1", "Decisiones 19.30 y 19.31", ("1",)),
]


@pytest.mark.parametrize(("written", "document", "paragraphs"), REFERENCES)
def test_references_as_people_write_them(written: str, document: str,
                                         paragraphs: tuple[str, ...]) -> None:
    ref = parse_reference(written)
    assert (ref.document, ref.paragraphs) == (document, paragraphs)


HEADINGS = ["Activity ID", "Activity", "Lead convention", "Partners", "Targets / indicators",
            "Timeline", "Mandated by"]
ROWS = [["A1", "Joint work programme on invasive alien species", "CMS", "CITES; CBD",
         "Programme agreed", "CMS COP15",
         "CMS Resolution 11.28 ¶3\nCITES Resolution Conf. 13.3 ¶(a)"],
        ["A2", "Joint report", "CITES", "", "", "2026-06-30", "CMS Resolution 11.10 ¶8"]]


def _xlsx(rows: list[list[object]]) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Plan"
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _csv(rows: list[list[str]], sep: str = ",") -> bytes:
    def cell(v: str) -> str:
        return f'"{v}"' if any(c in v for c in f'{sep}"\n') else v
    return "\n".join(sep.join(cell(v) for v in r) for r in rows).encode("utf-8")


def _yaml() -> bytes:
    return ("name: test plan\nactivities:\n"
            "  - id: A1\n    activity: Joint work programme on invasive alien species\n"
            "    lead: CMS\n    partners: [CITES, CBD]\n    targets: Programme agreed\n"
            "    timeline: CMS COP15\n    mandates:\n      - CMS Resolution 11.28 ¶3\n"
            "      - CITES Resolution Conf. 13.3 ¶(a)\n"
            "  - id: A2\n    text: Joint report\n    lead: CITES\n    timetable: 2026-06-30\n"
            "    mandates: CMS Resolution 11.10 ¶8\n").encode()


FRENCH = ["N°", "Activité", "Chef de file", "Partenaires", "Cibles et indicateurs",
          "Calendrier", "Mandats"]


@pytest.mark.parametrize(("name", "data"), [
    ("plan.csv", _csv([HEADINGS, *ROWS])),
    ("plan-fr.csv", _csv([FRENCH, *ROWS], ";")),
    ("plan-semicolons.csv", _csv([HEADINGS, *ROWS], ";")),
    ("plan.xlsx", _xlsx([["Joint work plan"], [], HEADINGS, *ROWS])),
    ("plan.yaml", _yaml()),
])
def test_one_plan_reads_the_same_from_csv_xlsx_and_yaml(tmp_path: Path, name: str,
                                                         data: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    plan = read_plan(path)
    got = [(a.id, a.text, a.lead, a.partners, a.targets, a.timetable, a.mandates)
           for a in plan.activities]
    assert got == [
        ("A1", "Joint work programme on invasive alien species", "CMS", ("CITES", "CBD"),
         ("Programme agreed",), "CMS COP15",
         ("CMS Resolution 11.28 ¶3", "CITES Resolution Conf. 13.3 ¶(a)")),
        ("A2", "Joint report", "CITES", (), (), "2026-06-30", ("CMS Resolution 11.10 ¶8",))]


def test_a_written_plan_reads_back_as_it_was(tmp_path: Path) -> None:
    (tmp_path / "plan.yaml").write_bytes(_yaml())
    plan = read_plan(tmp_path / "plan.yaml")
    for name, text in (("back.yaml", plan_yaml(plan)), ("back.csv", plan_csv(plan))):
        (tmp_path / name).write_text(text, encoding="utf-8")
        again = read_plan(tmp_path / name, plan.name)
        assert [a.to_dict() for a in again.activities] == \
            [a.to_dict() for a in plan.activities], name


BAD_FILES = [
    ("no-id.csv", _csv([["Activity", "Mandates"], ["Joint report", "CMS Resolution 11.10 ¶8"]]),
     r"^no-id\.csv row 1: no column for the activity's id \(headings read: 'Activity', "
     r"'Mandates'; name it id: 'id'\)$"),
    ("empty-text.csv", _csv([HEADINGS, ROWS[0], ["A2", "", "CMS", "", "", "", ""]]),
     r"^empty-text\.csv row 3, column 'Activity': empty; every activity needs id and text$"),
    ("twice.csv", _csv([HEADINGS, ROWS[0], ROWS[0]]),
     r"^twice\.csv row 3, column 'id': activity 'A1' is already row 2"),
    ("two-ids.csv", _csv([["id", "No.", "text"], ["A1", "1", "x"]]),
     r"^two-ids\.csv row 1, column 'No\.': 'No\.' and 'id' both hold the activity's id"),
    ("latin1.csv", "id,text\nA1,Coopération\n".encode("latin-1"),
     r"^latin1\.csv: not UTF-8 text \(byte \d+\); save it as CSV UTF-8$"),
    ("headings-only.csv", _csv([HEADINGS]), r"^headings-only\.csv: headings but no activity"),
    ("empty-text.xlsx", _xlsx([HEADINGS, ["A1", None, "CMS"]]),
     r"^empty-text\.xlsx sheet 'Plan' row 2, column B \('Activity'\): empty"),
    ("numbers.xlsx", _xlsx([["id", "text"], [1.1, "x"], [1.10, "y"]]),
     r"^numbers\.xlsx sheet 'Plan' row 3, column 'id': activity '1\.1' is already row 2; give "
     r"each activity its own id \(ids typed as numbers lose their last zeros: format the id "
     r"column as text\)$"),
    ("not-a-workbook.xlsx", b"id,text\nA1,x\n", r"^not-a-workbook\.xlsx: not an XLSX workbook"),
    ("syntax.yaml", b"name: x\nactivities:\n  - id: A1\n    text: [unclosed\n",
     r"^syntax\.yaml line \d+, column \d+: not valid YAML"),
    ("no-activities.yaml", b"name: x\n", r"^no-activities\.yaml: no activities; write "),
    ("nested.yaml", b"activities:\n  - id: A1\n    text: x\n    lead: {name: CMS}\n",
     r"^nested\.yaml item 1, field 'lead': one value is expected, not a table$"),
    ("no-text.yaml", b"activities:\n  - id: A1\n  - id: A2\n    text: y\n",
     r"^no-text\.yaml item 1, field 'text': empty"),
    ("slash.csv", _csv([["id", "text"], ["1/2", "x"]]),
     r"^slash\.csv row 2, column 'id': the activity id '1/2' holds '/', '\?' or '#'"),
    ("plan.txt", b"id,text\n", r"^plan\.txt: a work plan is read from \.csv, \.xlsx, "),
]


@pytest.mark.parametrize(("name", "data", "message"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_a_malformed_file_is_refused_naming_file_row_and_column(
        tmp_path: Path, name: str, data: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(WorkPlanError, match=message) as info:
        read_plan(path)
    assert "\n" not in str(info.value)
