"""A joint work plan read from a CSV, XLSX or YAML file: one activity per row (or per item
of the YAML ``activities`` list), columns found by their headings (``data/workplans.toml``).
A malformed file is refused in one line naming the file, the row and the column; nothing
of it is returned."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from mealink.workplans.model import (
    FIELDS,
    LIST_FIELDS,
    Activity,
    PlanRules,
    WorkPlan,
    WorkPlanError,
    plan_rules,
)

__all__ = ["SUFFIXES", "read_plan", "split_cell"]

SUFFIXES = (".csv", ".xlsx", ".yaml", ".yml")
_MAX_BYTES = 20_000_000


def split_cell(value: str, rules: PlanRules | None = None) -> tuple[str, ...]:
    """The values of one cell: split at new lines and at ';' or '|', each stripped."""
    r = rules or plan_rules()
    return tuple(v.strip() for v in r.separators.split(value) if v.strip())


def _text(value: Any) -> str:
    """A cell as text: whole numbers without '.0', dates as 2026-06-30."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() \
            else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return " ".join(str(value).replace("\r\n", "\n").split(" ")).strip()


def _activity(values: dict[str, Any], row: int, where: str, column: dict[str, str],
              rules: PlanRules, unit: str = "column") -> Activity:
    """An activity from one row's fields; ``where`` names the row ('plan.csv row 4') and
    ``column`` each field's heading as the file writes it."""
    def at(f: str) -> str:  # "column 'Activity'", "column B ('Activity')", "field 'text'"
        return column.get(f, f"{unit} {f!r}")

    out: dict[str, Any] = {}
    for f in FIELDS:
        raw = values.get(f)
        if f in LIST_FIELDS:
            items = raw if isinstance(raw, list) else [raw]
            vals: list[str] = []
            for item in items:
                if isinstance(item, dict | list):
                    raise WorkPlanError(f"{where}, {at(f)}: a list of "
                                        "texts is expected, not a nested table")
                vals += split_cell(_text(item), rules)
            out[f] = tuple(vals)
        else:
            if isinstance(raw, dict | list):
                kind = "list" if isinstance(raw, list) else "table"
                raise WorkPlanError(f"{where}, {at(f)}: one value is "
                                    f"expected, not a {kind}")
            out[f] = _text(raw) or None
    for f in rules.required:
        if not out.get(f):
            raise WorkPlanError(f"{where}, {at(f)}: empty; every "
                                f"activity needs {' and '.join(rules.required)}")
    if any(c in out["id"] for c in "/?#"):
        raise WorkPlanError(f"{where}, {at('id')}: the activity id {out['id']!r} holds "
                            "'/', '?' or '#', which web addresses cannot carry; use letters, "
                            "digits, '.' and '-' (such as 1.2 or A-3)")
    if len(out["id"]) > 120:
        raise WorkPlanError(f"{where}, {at('id')}: an activity id of "
                            f"{len(out['id'])} characters; keep it under 120")
    return Activity(out["id"], out["text"], out["lead"], out["partners"], out["targets"],
                    out["timetable"], out["mandates"], row)


def _no_repeats(activities: list[Activity], name: str, label: str, hint: str = "") -> None:
    seen: dict[str, int] = {}
    for a in activities:
        if a.id in seen:
            raise WorkPlanError(f"{name} {label} {a.row}, column 'id': activity {a.id!r} is "
                                f"already {label} {seen[a.id]}; give each activity its own id"
                                + hint)
        seen[a.id] = a.row


def _headings(cells: Sequence[Any], name: str, rules: PlanRules, letters: bool
              ) -> dict[int, tuple[str, str]]:
    """Column index -> (field, heading as written); refuses a file without the required
    columns or with one field under two headings."""
    found: dict[int, tuple[str, str]] = {}
    by_field: dict[str, str] = {}
    for i, cell in enumerate(cells):
        heading = _text(cell)
        f = rules.field_of(heading) if heading else None
        if f is None:
            continue
        if f in by_field:
            where = f"column {_letter(i)}" if letters else f"column {heading!r}"
            raise WorkPlanError(f"{name}, {where}: {heading!r} and {by_field[f]!r} both "
                                f"hold the activity's {f}; keep one")
        by_field[f] = heading
        found[i] = (f, heading)
    missing = [f for f in rules.required if f not in by_field]
    if missing:
        wanted = "; ".join(f"{f}: {rules.first_names[f]!r}" for f in missing)
        raise WorkPlanError(f"{name}: no column for the activity's "
                            f"{' or '.join(missing)} (headings read: "
                            f"{', '.join(repr(_text(c)) for c in cells if _text(c)) or 'none'}"
                            f"; name it {wanted})")
    return found


def _letter(i: int) -> str:
    """Spreadsheet column letter of index ``i`` (0 -> 'A', 27 -> 'AB')."""
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def _rows(rows: Iterable[tuple[int, Sequence[Any]]], name: str, rules: PlanRules,
          letters: bool) -> list[Activity]:
    # a spreadsheet stores "1.10" typed in a number cell as 1.1
    hint = " (ids typed as numbers lose their last zeros: format the id column as text)" \
        if letters else ""
    """Activities from (row number, cells) pairs: the headings are the first row naming a
    field (rows above it, such as a sheet's title, are passed over)."""
    header: dict[int, tuple[str, str]] | None = None
    first: tuple[int, Sequence[Any]] | None = None
    out: list[Activity] = []
    for number, cells in rows:
        if not any(_text(c) for c in cells):
            continue
        if header is None:
            first = first or (number, cells)
            if not any(rules.field_of(_text(c)) for c in cells if _text(c)):
                continue
            header = _headings(cells, f"{name} row {number}", rules, letters)
            continue
        values = {f: cells[i] if i < len(cells) else None for i, (f, _) in header.items()}
        column = {f: (f"column {_letter(i)} ({h!r})" if letters else f"column {h!r}")
                  for i, (f, h) in header.items()}
        out.append(_activity(values, number, f"{name} row {number}", column, rules))
    if header is None:
        if first is not None:  # no row names a field: say what the first one holds
            _headings(first[1], f"{name} row {first[0]}", rules, letters)
        raise WorkPlanError(f"{name}: empty; a work plan needs a row of headings and a row "
                            "per activity")
    _no_repeats(out, name, "row", hint)
    return out


def _read_csv(data: bytes, name: str, rules: PlanRules) -> list[Activity]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise WorkPlanError(f"{name}: not UTF-8 text (byte {exc.start}); save it as CSV "
                            "UTF-8") from None
    if "\x00" in text:
        raise WorkPlanError(f"{name}: holds NUL characters; it is not a CSV file")
    # the delimiter the heading row uses (a spreadsheet saving CSV in French writes ';');
    # not sniffed from the rows, whose cells hold ';' between references
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(",;\t", key=first.count) if first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[str]]] = []
    try:  # rows numbered as a spreadsheet numbers them (a cell may hold several lines)
        for r in reader:
            rows.append((len(rows) + 1, r))
    except csv.Error as exc:
        raise WorkPlanError(f"{name} row {len(rows) + 1}: {exc}") from None
    return _rows(rows, name, rules, letters=False)


def _read_xlsx(data: bytes, name: str, rules: PlanRules) -> list[Activity]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise WorkPlanError(f"{name}: not an XLSX workbook ({exc})") from None
    try:
        sheet = book.worksheets[0]
        rows = [(n, list(r)) for n, r in enumerate(sheet.iter_rows(values_only=True), 1)]
        return _rows(rows, f"{name} sheet {sheet.title!r}", rules, letters=True)
    finally:
        book.close()


def _read_yaml(data: bytes, name: str, rules: PlanRules
               ) -> tuple[list[Activity], dict[str, Any]]:
    try:
        doc = yaml.safe_load(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise WorkPlanError(f"{name}: not UTF-8 text (byte {exc.start})") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        at = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise WorkPlanError(f"{name}{at}: not valid YAML ({exc.problem})") from None
    except yaml.YAMLError as exc:
        raise WorkPlanError(f"{name}: not valid YAML ({exc})") from None
    head: dict[str, Any] = {}
    items = doc
    if isinstance(doc, dict):
        head = {k: v for k, v in doc.items() if k != "activities"}
        items = doc.get("activities")
    if not isinstance(items, list) or not items:
        raise WorkPlanError(f"{name}: no activities; write 'activities:' followed by a list "
                            "with one item per activity (id, text, mandates ...)")
    out = []
    for n, item in enumerate(items, 1):
        where = f"{name} item {n}"
        if not isinstance(item, dict):
            raise WorkPlanError(f"{where}: a table of fields (id, text, mandates ...) is "
                                f"expected, not {type(item).__name__}")
        values: dict[str, Any] = {}
        column: dict[str, str] = {}
        for key, value in item.items():
            f = rules.field_of(str(key))
            if f is None:
                continue
            if f in values:
                raise WorkPlanError(f"{where}, field {key!r}: {column[f]} already holds the "
                                    f"{f}; keep one")
            values[f], column[f] = value, f"field {str(key)!r}"
        out.append(_activity(values, n, where, column, rules, "field"))
    _no_repeats(out, name, "item")
    return out, head


def read_plan(path: Path, name: str | None = None) -> WorkPlan:
    """The work plan in ``path`` (.csv, .xlsx, .yaml or .yml), named ``name``, else by its
    YAML ``name``, else by the file's name."""
    rules = plan_rules()
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise WorkPlanError(f"{path.name}: a work plan is read from {', '.join(SUFFIXES)}, "
                            f"not {suffix or 'a file without a suffix'}")
    try:
        if path.stat().st_size > _MAX_BYTES:
            raise WorkPlanError(f"{path.name}: larger than {_MAX_BYTES // 1_000_000} MB; is "
                                "it a work plan?")
        data = path.read_bytes()
    except OSError as exc:
        raise WorkPlanError(f"{path}: cannot be read ({exc.strerror})") from None
    head: dict[str, Any] = {}
    if suffix == ".csv":
        activities = _read_csv(data, path.name, rules)
    elif suffix == ".xlsx":
        activities = _read_xlsx(data, path.name, rules)
    else:
        activities, head = _read_yaml(data, path.name, rules)
    if not activities:
        raise WorkPlanError(f"{path.name}: headings but no activity; add a row per activity")
    title = name or _text(head.get("name")) or path.stem
    return WorkPlan(title, tuple(activities), path.name,
                    _text(head.get("description")) or None)
