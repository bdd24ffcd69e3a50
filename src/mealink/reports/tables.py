"""Spreadsheets (XLSX through openpyxl): one sheet per table, a bold frozen header, and
no cell a spreadsheet would run as a formula."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font

__all__ = ["safe_cell", "write_xlsx"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """A value as a cell holds it: lists joined, and text that a spreadsheet would read
    as a formula ('=HYPERLINK(...)', '+1', '@SUM') kept as text with a leading apostrophe."""
    if isinstance(value, list | tuple):
        value = "; ".join(str(v) for v in value)
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def write_xlsx(path: str | Path, sheets: Sequence[tuple[str, Sequence[str],
                                                         Iterable[dict[str, Any]]]],
               widths: dict[str, int] | None = None) -> None:
    """Write ``sheets`` (title, columns, rows) to ``path``; streamed, so large tables fit."""
    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    for title, columns, rows in sheets:
        ws = wb.create_sheet(title[:31])
        ws.freeze_panes = "A2"
        for i, col in enumerate(columns):
            letter = chr(ord("A") + i) if i < 26 else "A" + chr(ord("A") + i - 26)
            ws.column_dimensions[letter].width = (widths or {}).get(col, 18)
        header = []
        for col in columns:
            cell = WriteOnlyCell(ws, value=col)
            cell.font = bold
            header.append(cell)
        ws.append(header)
        for row in rows:
            cells = []
            for col in columns:
                cell = WriteOnlyCell(ws, value=safe_cell(row.get(col)))
                cell.alignment = wrap
                cells.append(cell)
            ws.append(cells)
    wb.save(str(path))
