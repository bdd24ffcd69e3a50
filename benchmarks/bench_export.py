"""Benchmark ``mealink export``: peak memory of exporting a 100,000-paragraph corpus.

Run from the repository root with the project's virtualenv::

    .venv/bin/python benchmarks/bench_export.py                 # 100,000 paragraphs
    .venv/bin/python benchmarks/bench_export.py --quick         # smoke test, 10,000 paragraphs
    .venv/bin/python benchmarks/bench_export.py --reuse /work/benchwork-export   # no rebuild

The requirement measured (the export issue): "Exports are streamed: exporting a
100,000-paragraph corpus keeps memory under 500 MB, measured in a benchmark." Every export
(``akn`` to a folder, ``informea``, ``csv`` of each of the four tables, ``xlsx`` with the four
sheets) must peak below 500 MB (500 x 10^6 bytes) of resident memory. This is a by-hand
benchmark, not a test; it only measures and never relaxes the target.

Why it is built this way:

- **The corpus** is the harness's deterministic generator (``build_templates`` +
  ``generate``, seed 20261122: real texts with new symbols and a quarter of their top-level
  paragraphs swapped; ``harness/corpus.py``). The texts are ingested by the real command,
  ``mealink ingest --no-embed --db DIR/corpus.db DIR/texts``, in a child process; its time
  and peak memory are reported but are not what is judged.
- **Each export is the real command** (``.venv/bin/mealink export ...``) in its own process,
  so the figure is what a user sees: interpreter, libraries, mealink and the export.
- **Peak RSS is the child's own.** ``ru_maxrss`` from ``wait4`` is the right counter, but on
  Linux a child inherits its parent's high-water mark across fork/exec, so a child of this
  (large) benchmark process would report the benchmark's memory. Each command is therefore
  started by a tiny launcher (``python -I -S``, ~10 MB) that forks, execs the command and
  reads ``ru_maxrss`` with ``os.wait4``: the inherited floor is the launcher's, below any
  mealink process. The launcher also polls ``/proc/PID/status`` (VmRSS, VmHWM) every 50 ms;
  the peak judged is the higher of ``ru_maxrss`` and the polled VmHWM (which can exceed it
  by a few hundred KiB), and the polled RSS gives a timeline showing whether memory stays
  flat while the export runs (streamed) or grows with it.
- **Proportionality:** the same seven exports of one document (the one with the median
  number of paragraphs) give the baseline, i.e. process + Python + libraries + one document;
  the corpus's share is the difference.
- **Completeness:** an export that wrote less would look cheaper, so each output is
  checked against the database (read directly with ``sqlite3``): one well-formed
  ``akomaNtoso`` file per stored document, named after it; one InforMEA record per document
  carrying every paragraph id; every CSV and XLSX row count and id set equal to the
  database's; no temporary file left behind. Any mismatch is a failure.

Results: a Markdown table on stdout (progress on stderr) and JSON in
``benchmarks/results-export.json`` (``results-export-quick.json`` with ``--quick``) with the
machine, the git commit, the corpus and every export's figures.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness import cli
from harness.corpus import SEED, build_templates, fresh_folder, generate, real_files
from harness.db import read_only, remove_sqlite
from harness.memory import MB, POLL_S, run_measured
from harness.provenance import git, machine, run_header, source_digest
from harness.tables import SOURCES_CHANGED, write_results
from harness.timing import Log, wait_quiet
from lxml import etree

from mealink.export import akn_file_name
from mealink.export.tables import TABLES, table_columns

TARGET_MB = 500.0  # 500 x 10^6 bytes of peak resident memory, for every export
FULL_PARAGRAPHS = 100_000
QUICK_PARAGRAPHS = 10_000
DEFAULT_WORKDIR = Path("/work/benchwork-export")
MEALINK = Path(sys.executable).parent / "mealink"
QUIET_CPUS = 0.3
EXPORTED = re.compile(r"exported (\d+) (?:rows?|documents?) as \S+ to \S+")

def output_size(path: Path) -> dict[str, Any]:
    """Files and bytes written at ``path`` (a file or a folder), and stray temporary files."""
    if path.is_dir():
        files = [p for p in path.rglob("*") if p.is_file()]
    else:
        files = [path] if path.exists() else []
    parent = path if path.is_dir() else path.parent
    stray = sorted(p.name for p in parent.iterdir() if p.name.startswith("."))
    return {"files": len(files), "bytes": sum(p.stat().st_size for p in files),
            "temporary_files_left": stray}

# --------------------------------------------------------------------------- the database


def db_facts(db: Path) -> dict[str, Any]:
    """What the exports must hold, read from the SQLite file directly."""
    with read_only(db) as con:
        q = con.execute
        doc_ids = [r[0] for r in q("SELECT id FROM documents WHERE NOT is_stub ORDER BY id")]
        per_doc = dict(q("SELECT d.id, count(p.pk) FROM documents d LEFT JOIN paragraphs p "
                         "ON p.document_id = d.id WHERE NOT d.is_stub GROUP BY d.id"))
        facts = {
            "doc_ids": doc_ids,
            "paragraph_ids": {r[0] for r in q("SELECT id FROM paragraphs")},
            "mandate_ids": {r[0] for r in q("SELECT id FROM mandates")},
            "counts": {
                "documents": len(doc_ids),
                "stub_documents": q("SELECT count(*) FROM documents WHERE is_stub")
                .fetchone()[0],
                "paragraphs": q("SELECT count(*) FROM paragraphs").fetchone()[0],
                "paragraphs_of_stored_texts": sum(per_doc.values()),
                "mandates": q("SELECT count(*) FROM mandates").fetchone()[0],
                "references": q("SELECT count(*) FROM citations c JOIN paragraphs p "
                                "ON p.pk = c.paragraph_pk").fetchone()[0],
                "citations_rows": q("SELECT count(*) FROM citations").fetchone()[0],
            },
            "per_doc": per_doc,
        }
    return facts


def median_document(per_doc: dict[str, int]) -> str:
    """The document with the median number of paragraphs (the first such id)."""
    med = statistics.median_low(per_doc.values())
    return min(d for d, n in per_doc.items() if n == med)

# --------------------------------------------------------------------------- checks


def check_akn(folder: Path, facts: dict[str, Any]) -> list[str]:
    """One well-formed Akoma Ntoso file per stored document, under its own name."""
    problems: list[str] = []
    expected = {akn_file_name(d) for d in facts["doc_ids"]}
    found = {p.name for p in folder.glob("*.akn.xml")}
    if found != expected:
        problems.append(f"{len(found)} files for {len(expected)} documents; missing "
                        f"{sorted(expected - found)[:5]}, "
                        f"unexpected {sorted(found - expected)[:5]}")
    bad = 0
    for name in sorted(found & expected):
        try:
            root = etree.parse(str(folder / name)).getroot()
            if etree.QName(root).localname != "akomaNtoso":
                raise ValueError(f"root {root.tag}")
        except (etree.XMLSyntaxError, ValueError) as exc:
            bad += 1
            if bad <= 3:
                problems.append(f"{name}: {exc}")
    if bad:
        problems.append(f"{bad} files not well-formed Akoma Ntoso")
    return problems


def check_informea(path: Path, facts: dict[str, Any]) -> list[str]:
    """One record per stored document, each with all its paragraphs in the extension."""
    with path.open(encoding="utf-8") as fh:
        records = json.load(fh)
    problems: list[str] = []
    ids = [r.get("mealink", {}).get("id") for r in records]
    if len(records) != len(facts["doc_ids"]):
        problems.append(f"{len(records)} records for {len(facts['doc_ids'])} documents")
    if set(ids) != set(facts["doc_ids"]) or len(set(ids)) != len(ids):
        problems.append("the records' ids are not the stored documents' ids, once each")
    paras = [p["id"] for r in records for p in r.get("mealink", {}).get("paragraphs", [])]
    if len(paras) != facts["counts"]["paragraphs_of_stored_texts"] or \
            set(paras) != facts["paragraph_ids"]:
        problems.append(f"{len(paras)} paragraphs in the extension for "
                        f"{facts['counts']['paragraphs_of_stored_texts']} stored")
    return problems


def _id_problems(table: str, ids: list[Any], facts: dict[str, Any]) -> list[str]:
    """Row count and id set of ``table`` (as exported) against the database."""
    problems = []
    expected = facts["counts"][table]
    if len(ids) != expected:
        problems.append(f"{table}: {len(ids)} rows, the database has {expected}")
    if len(set(ids)) != len(ids):
        problems.append(f"{table}: {len(ids) - len(set(ids))} repeated ids")
    want = {"documents": set(facts["doc_ids"]), "paragraphs": facts["paragraph_ids"],
            "mandates": facts["mandate_ids"]}.get(table)
    if want is not None and set(ids) != want:
        problems.append(f"{table}: the ids differ from the database's "
                        f"({len(want - set(ids))} missing, {len(set(ids) - want)} unexpected)")
    return problems


def check_csv(path: Path, table: str, facts: dict[str, Any]) -> list[str]:
    """Header, row count and ids of one CSV table."""
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, None)
        ids = [row[0] for row in reader]
    problems = []
    if header != list(table_columns(table)):
        problems.append(f"{table}: header {header}")
    return problems + _id_problems(table, ids, facts)


def check_xlsx(path: Path, facts: dict[str, Any]) -> list[str]:
    """The four sheets, each with its table's header, row count and ids."""
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    problems: list[str] = []
    try:
        if wb.sheetnames != list(TABLES):
            problems.append(f"sheets {wb.sheetnames}, expected {list(TABLES)}")
        for table in TABLES:
            if table not in wb.sheetnames:
                continue
            rows = wb[table].iter_rows(values_only=True)
            header = next(rows, None)
            if header is None or list(header) != list(table_columns(table)):
                problems.append(f"{table}: header {header}")
            ids = [row[0] for row in rows]
            problems += _id_problems(table, ids, facts)
    finally:
        wb.close()
    return problems

# --------------------------------------------------------------------------- exports


def exports(out: Path, one: str | None) -> list[tuple[str, list[str], Path]]:
    """(name, arguments after ``mealink export``, output path) of the seven exports; of
    the document ``one`` only when given (the baseline), else of the whole corpus."""
    scope = [one] if one is not None else ["--all"]
    akn_out = out / "one.akn.xml" if one is not None else out / "akn"
    items: list[tuple[str, list[str], Path]] = [
        ("akn", ["--format", "akn", *scope, "-o", str(akn_out)], akn_out),
        ("informea", ["--format", "informea", *scope, "-o", str(out / "informea.json")],
         out / "informea.json"),
    ]
    for table in TABLES:
        path = out / f"{table}.csv"
        items.append((f"csv {table}", ["--format", "csv", "--table", table, *scope,
                                       "-o", str(path)], path))
    items.append(("xlsx", ["--format", "xlsx", *scope, "-o", str(out / "corpus.xlsx")],
                  out / "corpus.xlsx"))
    return items


def expected_items(name: str, facts: dict[str, Any], one: str | None) -> int | None:
    """What ``mealink export`` should say it exported (whole corpus; one document: only
    for akn and informea, 1)."""
    if one is not None:
        return 1 if name in ("akn", "informea") else None
    counts = facts["counts"]
    if name in ("akn", "informea"):
        return int(counts["documents"])
    if name == "xlsx":
        return sum(int(counts[t]) for t in TABLES)
    return int(counts[name.split()[1]])


def check(name: str, path: Path, facts: dict[str, Any]) -> list[str]:
    """The completeness problems of one whole-corpus export (none: complete)."""
    if not path.exists():
        return [f"no output at {path}"]
    if name == "akn":
        return check_akn(path, facts)
    if name == "informea":
        return check_informea(path, facts)
    if name == "xlsx":
        return check_xlsx(path, facts)
    return check_csv(path, name.split()[1], facts)


def run_exports(db: Path, out: Path, facts: dict[str, Any], one: str | None, keep: bool,
                quiet_wait: float, log: Log) -> dict[str, Any]:
    """Run (and, for the whole corpus, check) the seven exports; their figures by name."""
    results: dict[str, Any] = {}
    paragraphs = facts["counts"]["paragraphs"]
    for name, args, path in exports(out, one):
        log(f"export {name} ({'document ' + one if one else 'whole corpus'}) ...")
        waited = wait_quiet(quiet_wait, log, limit=QUIET_CPUS).waited if quiet_wait > 0 else 0.0
        r = run_measured([str(MEALINK), "export", *args, "--db", str(db)], out, log)
        r["waited_for_quiet_s"] = waited
        r["command"] = "mealink export " + " ".join(args) + f" --db {db.name}"
        r.update(output_size(path))
        # "exported N rows|documents as FMT to PATH", as rich wrapped it on stderr
        said = EXPORTED.search(" ".join(r["stderr_tail"].split()))
        r["cli_message"] = said.group(0) if said else None
        r["items"] = int(said.group(1)) if said else None
        r["items_per_s"] = r["items"] / r["wall_s"] if r["items"] else None
        r["corpus_paragraphs_per_s"] = paragraphs / r["wall_s"] if one is None else None
        r["target_met"] = r["peak_rss_mb"] < TARGET_MB
        problems: list[str] = []
        want = expected_items(name, facts, one)
        if want is not None and r["items"] != want:
            problems.append(f"mealink said it exported {r['items']} items, expected {want}")
        if r["exit_code"] != 0:
            problems.append(f"exit code {r['exit_code']}: {r['stderr_tail'][-300:]}")
        if r["temporary_files_left"]:
            problems.append(f"temporary files left: {r['temporary_files_left'][:5]}")
        if one is None and r["exit_code"] == 0:
            t0 = time.perf_counter()
            problems += check(name, path, facts)
            r["check_s"] = time.perf_counter() - t0
        r["problems"] = problems
        r["complete"] = not problems
        log(f"  {r['items']} items, {r['files']} files, {r['bytes'] / MB:.1f} MB in "
            f"{r['wall_s']:.1f} s; peak RSS {r['peak_rss_mb']:.1f} MB (polled "
            f"{r['polled_hwm_kb'] * 1024 / MB:.1f}); "
            + ("complete" if not problems else f"PROBLEMS: {problems}"))
        if not keep:
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink(missing_ok=True)
        results[name] = r
    return results

# --------------------------------------------------------------------------- corpus


def build(workdir: Path, target: int, corpus: Path, examples: Path, log: Log
          ) -> dict[str, Any]:
    """Generate the texts and ingest them into ``workdir/corpus.db``; what it took."""
    texts, db = fresh_folder(workdir / "texts"), workdir / "corpus.db"
    remove_sqlite(db)
    files = real_files(corpus, examples)
    templates = build_templates(files)
    log(f"{len(templates)} real texts as templates; generating {target:,} paragraphs in "
        f"{texts} ...")
    gen = generate(texts, templates, target, log=log)
    log(f"{gen.docs:,} documents, {gen.paragraphs:,} paragraphs, {gen.bytes / MB:.1f} MB of "
        f"text in {gen.seconds:.0f} s; ingesting with `mealink ingest --no-embed` ...")
    ing = run_measured([str(MEALINK), "ingest", "--no-embed", "--db", str(db), str(texts)],
                       workdir, log)
    if ing["exit_code"] != 0:
        raise RuntimeError(f"mealink ingest failed: {ing['stderr_tail']}")
    ing["paragraphs_per_s"] = gen.paragraphs / ing["wall_s"]
    log(f"ingested in {ing['wall_s']:.1f} s ({ing['paragraphs_per_s']:,.0f} paragraphs/s), "
        f"peak RSS {ing['peak_rss_mb']:.0f} MB")
    info = {"generated": {"templates": gen.templates, "documents": gen.docs,
                          "paragraphs": gen.paragraphs, "bytes": gen.bytes,
                          "skipped_as_duplicates": gen.skipped, "generate_s": gen.seconds,
                          "seed": SEED, "target_paragraphs": target},
            "ingest": ing, "built": time.strftime("%Y-%m-%d %H:%M:%S %z")}
    (workdir / "build.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return info


# --------------------------------------------------------------------------- report


def markdown(r: dict[str, Any]) -> str:
    """The results as a Markdown table and a few lines of context."""
    c = r["corpus"]
    rows = [f"Corpus: {c['documents']:,} documents, {c['paragraphs']:,} paragraphs, "
            f"{c['mandates']:,} mandates, {c['references']:,} references; SQLite "
            f"{c['db_bytes'] / MB:.0f} MB. Target: peak RSS < {TARGET_MB:.0f} MB "
            "(10^6 bytes) for every export.", "",
            "| export | items | output | wall s | corpus paragraphs/s | peak RSS MB | "
            "1-document baseline MB | < 500 MB | complete |",
            "|---|---|---|---:|---:|---:|---:|---|---|"]
    for name, e in r["exports"].items():
        base = r["baseline"].get(name, {})
        files = f"{e['files']:,} files" if e["files"] != 1 else "1 file"
        items = f"{e['items']:,}" if e["items"] is not None else "?"
        pps = e["corpus_paragraphs_per_s"]
        rows.append(
            f"| {name} | {items} | {files}, {e['bytes'] / MB:.1f} MB | {e['wall_s']:.1f} | "
            f"{pps:,.0f} | {e['peak_rss_mb']:.1f} | "
            f"{base.get('peak_rss_mb', float('nan')):.1f} | "
            f"{'YES' if e['target_met'] else '**NO**'} | "
            f"{'yes' if e['complete'] else '**NO**: ' + '; '.join(e['problems'])[:200]} |")
    m = r["machine"]
    ing = r.get("ingest") or {}
    rows += ["", f"Machine: {m['cpu_model'] or m['processor']}, {m['cpu_count']} CPUs, "
             f"{m['implementation']} {m['python']}, SQLite {m['sqlite']}; commit "
             f"{r['git_commit'][:10]}{' (src/ modified)' if r['src_modified'] else ''}, "
             f"sources {r['source_digest']}; mode {r['mode']}; run {r['started']}, "
             f"{r['total_wall_s']:.0f} s."]
    if ing:
        rows.append(f"Ingest (not judged{', carried over from the build' if r['reused'] else ''}"
                    f"): {ing['wall_s']:.1f} s, {ing['paragraphs_per_s']:,.0f} paragraphs/s, "
                    f"peak RSS {ing['peak_rss_mb']:.0f} MB.")
    busy = r["max_others_busy_cpus"]
    if busy is not None and busy > QUIET_CPUS:
        rows.append(f"**Warning: other processes kept up to {busy:.1f} CPUs busy during an "
                    "export: wall times may be too slow (memory is unaffected).**")
    if r["source_changed_during_run"]:
        rows.append(SOURCES_CHANGED)
    return "\n".join(rows)

# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    ap = cli.parser(__doc__ or "")
    ap.add_argument("--quick", action="store_true",
                    help=f"smoke test: {QUICK_PARAGRAPHS:,} paragraphs")
    cli.add_paragraphs(ap, FULL_PARAGRAPHS, QUICK_PARAGRAPHS, "paragraphs to generate")
    ap.add_argument("--workdir", type=Path, default=None,
                    help=f"where the texts, corpus.db and the exports go (default "
                         f"{DEFAULT_WORKDIR}, {DEFAULT_WORKDIR}-quick with --quick); its "
                         "texts/ and corpus.db are rebuilt")
    ap.add_argument("--reuse", type=Path, default=None, metavar="DIR",
                    help="export DIR/corpus.db as it is (built before by this script): no "
                         "generation or ingest")
    cli.add_real_texts(ap)
    ap.add_argument("--keep-exports", action="store_true",
                    help="keep the exported files in WORKDIR/exports (default: removed "
                         "once checked)")
    ap.add_argument("--quiet-wait", type=float, default=60.0, metavar="S",
                    help="before each export, wait at most S seconds (default 60; 0: never) "
                         f"for other processes to keep fewer than {QUIET_CPUS} CPUs busy; "
                         "it only matters for the wall times")
    cli.add_out(ap, "results-export.json", "results-export-quick.json")
    args = ap.parse_args(argv)
    target = cli.paragraphs(args, FULL_PARAGRAPHS, QUICK_PARAGRAPHS)
    out = cli.out_path(args, "results-export.json", "results-export-quick.json")
    workdir = args.reuse or args.workdir or Path(f"{DEFAULT_WORKDIR}"
                                                 + ("-quick" if args.quick else ""))
    workdir = workdir.resolve()

    t_start = time.perf_counter()
    log = cli.progress_log()

    if not MEALINK.exists():
        log(f"no mealink command at {MEALINK}: run with the project's virtualenv")
        return 2
    digest = source_digest()
    results: dict[str, Any] = {
        "mode": "quick" if args.quick else "full", "machine": machine(),
        "git_commit": git("rev-parse", "HEAD"),
        "src_modified": bool(git("status", "--porcelain", "--", "src")),
        **run_header(digest), "workdir": str(workdir),
        "reused": args.reuse is not None,
        "target": {"peak_rss_mb_below": TARGET_MB, "mb": "10^6 bytes"},
        "method": "each command in its own process, started by a small fork/exec launcher; "
                  "peak RSS = the higher of ru_maxrss from os.wait4 (the launcher's ~10 MB is "
                  f"the only inherited floor) and VmHWM polled every {POLL_S} s",
    }
    db = workdir / "corpus.db"
    if args.reuse is not None:
        if not db.exists():
            log(f"--reuse: no corpus.db in {workdir}")
            return 2
        build_file = workdir / "build.json"
        info = json.loads(build_file.read_text()) if build_file.exists() else {}
        log(f"reusing {db} (built {info.get('built', '?')})")
    else:
        workdir.mkdir(parents=True, exist_ok=True)
        info = build(workdir, target, args.corpus, args.examples, log)
    results["generated"] = info.get("generated")
    results["ingest"] = info.get("ingest")

    facts = db_facts(db)
    counts = facts["counts"]
    results["corpus"] = {**counts, "db_bytes": db.stat().st_size,
                         "paragraphs_per_document": counts["paragraphs"] / counts["documents"]}
    log(f"database: {counts['documents']:,} documents ({counts['stub_documents']} stubs), "
        f"{counts['paragraphs']:,} paragraphs, {counts['mandates']:,} mandates, "
        f"{counts['references']:,} references, {db.stat().st_size / MB:.0f} MB")
    if counts["paragraphs"] < target and args.reuse is None:
        log(f"WARNING: only {counts['paragraphs']:,} paragraphs stored for {target:,}")

    exports_dir = workdir / "exports"
    if exports_dir.exists():
        shutil.rmtree(exports_dir)
    exports_dir.mkdir()
    one = median_document(facts["per_doc"])
    results["baseline_document"] = {"id": one, "paragraphs": facts["per_doc"][one]}
    log(f"baseline: the exports of one document, {one} ({facts['per_doc'][one]} paragraphs)")
    base_dir = exports_dir / "one"
    base_dir.mkdir()
    results["baseline"] = run_exports(db, base_dir, facts, one, args.keep_exports,
                                      args.quiet_wait, log)
    log("the whole corpus:")
    results["exports"] = run_exports(db, exports_dir, facts, None, args.keep_exports,
                                     args.quiet_wait, log)
    if not args.keep_exports:
        shutil.rmtree(exports_dir, ignore_errors=True)

    for name, e in results["exports"].items():
        base = results["baseline"].get(name)
        if base is not None:
            e["corpus_adds_mb"] = e["peak_rss_mb"] - base["peak_rss_mb"]
    all_runs = [*results["exports"].values(), *results["baseline"].values()]
    busy = [e["others_busy_cpus"] for e in all_runs if e["others_busy_cpus"] is not None]
    results["max_others_busy_cpus"] = max(busy, default=None)
    results["targets_met"] = {name: e["target_met"] for name, e in results["exports"].items()}
    results["all_targets_met"] = all(results["targets_met"].values())
    results["all_complete"] = all(e["complete"] for e in results["exports"].values())
    results["machine"]["loadavg_end"] = list(os.getloadavg())
    results["total_wall_s"] = time.perf_counter() - t_start
    write_results(results, out, digest, markdown, log)
    return 0 if results["all_targets_met"] and results["all_complete"] else 1


if __name__ == "__main__":
    sys.exit(main())
