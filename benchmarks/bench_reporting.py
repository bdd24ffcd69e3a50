"""Benchmark harmonised national reporting at 100,000 paragraphs: building the questionnaire
for four conventions, writing it, reading an answered copy back, importing it (every
question answered, so a progress entry on every mandate asked), importing it again, and
the coverage.

Run from the repository root with the project's virtualenv::

    .venv/bin/python benchmarks/bench_reporting.py            # SQLite, 100,000 paragraphs
    .venv/bin/python benchmarks/bench_reporting.py --quick    # smoke test, 10,000

A by-hand benchmark, not a test; it sets no target, it says what a secretariat waits for.
The corpus is the store benchmark's (``harness/corpus.py``), ingested and embedded as
``mealink ingest`` does (the questionnaire reads the stored action vectors; untimed here,
``bench_synergies.py`` measures embedding). Each step is timed once, the questionnaire
twice (the second run with the model loaded and the database warm). Results are printed and
written to ``benchmarks/results-reporting.json`` (``results-reporting-quick.json`` with
``--quick``).
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

from harness import BENCHMARKS, DEFAULT_EXAMPLES, cli
from harness.corpus import build_templates, generate, real_files
from harness.provenance import machine
from openpyxl import load_workbook

from mealink.reports.questionnaire import META_SHEET, read_answers, write_template_xlsx
from mealink.store import ingest, open_store
from mealink.store.reporting import coverage, import_answers, make_template, save_template
from mealink.store.search.vectors import embed_paragraphs

CONVENTIONS = ["CMS", "CBD", "CITES", "Ramsar"]


def _timed(result: dict[str, Any], key: str, started: float) -> None:
    result[key] = round(time.perf_counter() - started, 3)
    print(f"{key}: {result[key]} s")


def _answer_all(template: Path, out: Path) -> None:
    """Every question answered "yes", as a Party returns its copy."""
    wb = load_workbook(template)
    for ws in wb.worksheets:
        if ws.title not in ("About", META_SHEET):
            for row in range(2, ws.max_row + 1):
                ws.cell(row=row, column=6, value="yes")
    wb.save(out)


def main() -> int:
    ap = cli.parser(__doc__ or "")
    ap.add_argument("--quick", action="store_true", help="10,000 paragraphs")
    cli.add_real_texts(ap, examples=False)
    args = ap.parse_args()
    target = 10_000 if args.quick else 100_000
    r: dict[str, Any] = {"machine": machine(), "target": target, "conventions": CONVENTIONS,
                         "started": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime())}
    with tempfile.TemporaryDirectory(prefix="mealink-bench-") as tmp:
        work = Path(tmp)
        folder = work / "corpus"
        folder.mkdir()
        corpus = generate(folder, build_templates(real_files(args.corpus, DEFAULT_EXAMPLES)),
                          target)
        r["paragraphs"] = corpus.paragraphs
        store = open_store(str(work / "bench.db"))
        t0 = time.perf_counter()
        ingest(store, [folder])
        embed_paragraphs(store)
        _timed(r, "ingest_and_embed_seconds", t0)
        t0 = time.perf_counter()
        template = make_template(store, CONVENTIONS)
        _timed(r, "template_seconds", t0)
        t0 = time.perf_counter()
        again = make_template(store, CONVENTIONS)
        _timed(r, "template_again_seconds", t0)
        assert again.id == template.id
        r["questions"] = len(template.questions)
        r["merged_questions"] = sum(1 for q in template.questions if len(q.conventions) > 1)
        r["mandates_asked"] = sum(len(q.mandates) for q in template.questions)
        save_template(store, template)
        t0 = time.perf_counter()
        write_template_xlsx(template, work / "q.xlsx")
        _timed(r, "write_xlsx_seconds", t0)
        _answer_all(work / "q.xlsx", work / "answered.xlsx")
        t0 = time.perf_counter()
        answers = read_answers(work / "answered.xlsx")
        _timed(r, "read_xlsx_seconds", t0)
        t0 = time.perf_counter()
        first = import_answers(store, answers, "Kenya", "2026")
        _timed(r, "import_seconds", t0)
        t0 = time.perf_counter()
        second = import_answers(store, answers, "Kenya", "2026")
        _timed(r, "import_again_seconds", t0)
        r["progress_entries"], r["unchanged_again"] = first.progress, second.unchanged
        t0 = time.perf_counter()
        r["coverage_rows"] = len(coverage(store).mandates)
        _timed(r, "coverage_seconds", t0)
        store.dispose()
    print(json.dumps({k: v for k, v in r.items() if k != "machine"}))
    name = "results-reporting-quick.json" if args.quick else "results-reporting.json"
    (BENCHMARKS / name).write_text(json.dumps(r, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
