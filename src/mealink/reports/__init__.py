"""Outputs for people: spreadsheets and print-ready progress reports."""

from mealink.reports.progress import ProgressReport, build_report, render_html, write_pdf
from mealink.reports.tables import safe_cell, write_xlsx

__all__ = ["ProgressReport", "build_report", "render_html", "safe_cell", "write_pdf",
           "write_xlsx"]
