"""The national-report questionnaire as a file a Party fills in, and read back: a spreadsheet
(one sheet per topic, its structure locked and only the answer cells open, lists for choice
answers, a hidden sheet carrying the template's id and each question's mandates so that an
answered copy can be checked), a self-contained HTML page, or JSON."""

from __future__ import annotations

import re
import zipfile
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils.exceptions import InvalidFileException
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation

from mealink.errors import LoadError, MealinkError
from mealink.reporting.answers import AnswerFile, FilledAnswer, check_party
from mealink.reporting.questions import Question, Template
from mealink.reporting.rules import reporting_rules
from mealink.reports.tables import safe_cell

__all__ = ["COLUMNS", "META_SHEET", "read_answers", "render_template_html",
           "write_template_xlsx"]

#: the hidden sheet that says which template a copy is (rows: key, value; then questions)
META_SHEET = "mealink"
#: the columns of a topic sheet; the Party writes in "answer" and "details" only
COLUMNS = ["no.", "question id", "asked", "mandates answered", "kind of answer", "answer",
           "details"]
_WIDTHS = [6, 14, 70, 34, 26, 18, 50]
_ANSWER, _DETAILS = 6, 7  # 1-based columns
_BAD_TITLE = re.compile(r"[\[\]:*?/\\]")
_MAX_BYTES = 20 * 1024 * 1024
_CELL_MAX = 32_767  # characters a spreadsheet cell holds


def _sheet_titles(topics: tuple[str, ...]) -> dict[str, str]:
    """A sheet title per topic: at most 31 characters, none a spreadsheet refuses, unique."""
    out: dict[str, str] = {}
    used = {META_SHEET.lower(), "about"}
    for t in topics:
        base = _BAD_TITLE.sub(" ", t).strip()[:28] or "Questions"
        title, n = base, 2
        while title.lower() in used:
            title, n = f"{base[:26]} {n}", n + 1
        used.add(title.lower())
        out[t] = title
    return out


def _fitted(lines: list[str]) -> str:
    """Lines joined as one cell holds them: a cell takes at most 32,767 characters, so a
    question answering very many mandates lists the first and says how many more."""
    out: list[str] = []
    size = 0
    for n, line in enumerate(lines):
        if size + len(line) + 1 > _CELL_MAX - 120:
            out.append(f"… and {len(lines) - n} more (the HTML or JSON questionnaire lists "
                       "them all)")
            break
        out.append(line)
        size += len(line) + 1
    return "\n".join(out)


def _asked(q: Question) -> str:
    """The question as the sheet shows it: the mandate's words, then the others' wording."""
    rest = [w for w in q.wording if w != q.text]
    return _fitted([q.text, *(f"\nAlso asked: {w}" for w in rest)])


def _validation(answer: str) -> DataValidation | None:
    """The check a spreadsheet makes on an answer cell of this kind (one per sheet and
    kind, its cells added as the rows are written), or None for free text."""
    kind = reporting_rules().kinds[answer]
    if kind.choices:
        return DataValidation(type="list", formula1='"' + ",".join(kind.choices) + '"',
                              allow_blank=True, showErrorMessage=True, errorTitle="Answer",
                              error="Choose one of: " + ", ".join(kind.choices))
    if answer == "date":
        return DataValidation(type="date", operator="greaterThan", formula1="1",
                              allow_blank=True, showErrorMessage=True, error="Give a date")
    if answer == "number":
        return DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0",
                              allow_blank=True, showErrorMessage=True, error="Give a number")
    return None


def write_template_xlsx(template: Template, path: str | Path, party: str | None = None) -> None:
    """The questionnaire as a workbook: an About sheet, a sheet per topic with the answer
    and details cells the only ones open, and the hidden sheet carrying its identity."""
    party = check_party(party) if party is not None else None
    wb = Workbook()
    about = wb.active
    assert about is not None
    about.title = "About"
    bold, wrap = Font(bold=True), Alignment(wrap_text=True, vertical="top")
    open_fill = PatternFill("solid", fgColor="FFF7D6")
    rows: list[tuple[str, Any]] = [
        ("National report questionnaire", ""), ("Conventions", ", ".join(template.conventions)),
        ("In force as of", template.as_of or "today"), ("Party", party or ""),
        ("Template", template.id), ("Questions", len(template.questions)),
        ("How to answer", "Write in the yellow cells only (answer, details). Each question "
                          "lists every mandate it answers; one answer reports on all of them.")]
    for r in rows:
        about.append([safe_cell(v) for v in r])
    about.column_dimensions["A"].width, about.column_dimensions["B"].width = 22, 90
    for row in about.iter_rows():
        row[0].font = bold
        row[1].alignment = wrap
    about.protection.enable()
    titles = _sheet_titles(template.topics)
    meta = wb.create_sheet(META_SHEET)
    for key, value in (("template", template.id), ("conventions", ",".join(
            template.conventions)), ("as_of", template.as_of or ""), ("party", party or "")):
        meta.append([key, value])
    meta.append(["question", "mandate", "sheet", "row"])  # a row per mandate a question answers
    for topic in template.topics:
        ws = wb.create_sheet(titles[topic], index=len(wb.sheetnames) - 1)
        ws.append(COLUMNS)
        for i, w in enumerate(_WIDTHS):
            ws.column_dimensions[chr(ord("A") + i)].width = w
        for c in ws[1]:
            c.font = bold
        ws.freeze_panes = "C2"
        checks: dict[str, DataValidation | None] = {}
        for q in (q for q in template.questions if q.topic == topic):
            kind = reporting_rules().kinds[q.answer]
            ws.append([q.number, q.id, safe_cell(_asked(q)),
                       safe_cell(_fitted([m.where for m in q.mandates]
                                         + [f"({b})" for b in q.basis])),
                       safe_cell(f"{q.answer}: {kind.prompt}\n({q.why})"), None, None])
            row = ws.max_row
            for c in ws[row]:
                c.alignment = wrap
            for col in (_ANSWER, _DETAILS):
                cell = ws.cell(row=row, column=col)
                cell.protection = Protection(locked=False)
                cell.fill = open_fill
            if q.answer not in checks:
                checks[q.answer] = _validation(q.answer)
                if checks[q.answer] is not None:
                    ws.add_data_validation(checks[q.answer])
            if (check := checks[q.answer]) is not None:
                check.add(f"F{row}")
            for m in q.mandates:
                meta.append([q.id, m.mandate_id, ws.title, row])
        ws.protection.enable()
    meta.protection.enable()
    meta.sheet_state = "veryHidden"  # not offered by the spreadsheet's "Unhide" menu
    wb.security = WorkbookProtection(lockStructure=True)  # no sheet added, moved, deleted
    wb.defined_names["mealink_template"] = DefinedName(
        "mealink_template", attr_text=f"'{META_SHEET}'!$B$1")
    wb.save(str(path))


@cache
def _env() -> Environment:
    return Environment(loader=PackageLoader("mealink.reports", "templates"),
                       autoescape=select_autoescape(["html"]), trim_blocks=True,
                       lstrip_blocks=True)


def render_template_html(template: Template, party: str | None = None) -> str:
    """The questionnaire as one self-contained HTML page, topic by topic."""
    return _env().get_template("questionnaire.html").render(
        t=template, party=party, kinds=reporting_rules().kinds)


def _open(path: Path, label: str) -> Any:
    """The workbook at ``path``, or one line saying why it cannot be read."""
    if not path.is_file():
        raise LoadError(f"{label}: no such file")
    if path.stat().st_size > _MAX_BYTES:
        raise LoadError(f"{label}: larger than {_MAX_BYTES // 2**20} MB; not a questionnaire")
    try:
        return load_workbook(str(path), data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError,
            TypeError) as exc:
        raise LoadError(f"{label}: not a spreadsheet mealink can read ({type(exc).__name__}); "
                        "give the .xlsx of `mealink reporting template`") from None


def read_answers(path: str | Path, name: str | None = None) -> AnswerFile:
    """An answered questionnaire: its identity from the hidden sheet, the questions its
    sheets hold, and each non-empty answer with its cell. ``name`` is what messages call
    the file (an upload's own name rather than where it was saved)."""
    path = Path(path)
    label = name or str(path)
    wb = _open(path, label)
    if META_SHEET not in wb.sheetnames:
        raise MealinkError(f"{label}: not a questionnaire of `mealink reporting template` "
                           f"(it has no '{META_SHEET}' sheet)")
    meta = wb[META_SHEET]
    values = {str(r[0]): r[1] for r in meta.iter_rows(min_row=1, max_row=4, values_only=True)
              if r and r[0]}
    tid = str(values.get("template") or "")
    if not tid.startswith("t-"):
        raise MealinkError(f"{label}: its '{META_SHEET}' sheet names no template id")
    listed: dict[str, tuple[str, ...]] = {}
    for r in meta.iter_rows(min_row=6, values_only=True):
        if r and r[0]:
            listed[str(r[0])] = (*listed.get(str(r[0]), ()), *([str(r[1])] if r[1] else []))
    seen: dict[str, tuple[str, ...]] = {}
    answers = []
    for ws in wb.worksheets:
        if ws.title in (META_SHEET, "About"):
            continue
        header = [c.value for c in ws[1]] if ws.max_row else []
        if header[:len(COLUMNS)] != COLUMNS:
            raise MealinkError(f"{label}: sheet {ws.title!r} does not have the questionnaire's "
                               f"columns ({', '.join(COLUMNS)})")
        for n, r in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
            if not r or r[1] is None:
                continue
            qid = str(r[1]).strip()
            seen[qid] = listed.get(qid, ())
            details = r[_DETAILS - 1]
            answers.append(FilledAnswer(qid, r[_ANSWER - 1],
                                        None if details is None else str(details),
                                        f"sheet {ws.title!r}, row {n}"))
    convs = tuple(c for c in str(values.get("conventions") or "").split(",") if c)
    return AnswerFile(label, tid, convs, str(values.get("as_of") or "") or None, seen,
                      tuple(answers), str(values.get("party") or "").strip() or None)
