"""How long a command takes to start: `mealink --help`, `mealink status DB` and `mealink parse
FILE` as whole processes, side by side with the floors they stand on, measured in the same
run (Python alone, importing Typer and Rich, importing SQLAlchemy, a one-command Typer
program that imports SQLAlchemy's Core, and one that imports its ORM).

    .venv/bin/python benchmarks/bench_startup.py            # 15 runs of each, ~1 min
    .venv/bin/python benchmarks/bench_startup.py --quick    # 5 runs of each
    .venv/bin/python benchmarks/bench_startup.py --before 61f6fc2   # and that version's status

The commands run in turn, one run of each per round, so a machine that slows down slows all
of them alike; each run is a fresh process started by the harness's blocking launcher
(exact wall time, CPU and peak RSS). The database is built first from the real texts
(`ingest --no-embed`); the file parsed is one real text. Targets (issue 18): `--help`
<= 0.3 s, `status` <= 0.4 s. Prints a Markdown table; writes ``benchmarks/results-startup.json``.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from harness import REPO, cli
from harness.memory import run_short
from harness.provenance import cpu_machine, git, run_header, source_digest, versions
from harness.tables import source_warning, write_results
from harness.timing import Log, busy_seconds, wait_quiet
from harness.tree import export_src

REALDOCS = REPO.parent / "shared" / "realdocs"
#: the text `status` asks about and `parse` reads: a real resolution of the corpus
ASKED, PARSED = "CMS Resolution 11.28", "cms-res-11.28.txt"

#: the floor of `status`: Typer running one command with an option that opens the database
#: and asks it one thing: with the standard library's sqlite3, as `status` reads a SQLite
#: file now; with SQLAlchemy's Core or its ORM loaded, as it read before
_TYPER_COMMAND = """
from typing import Annotated
import {module}
import typer
app = typer.Typer()
@app.command()
def status(document: str, db: Annotated[str, typer.Option()]) -> None:
    import sqlite3
    print(document, sqlite3.connect(db).execute("SELECT COUNT(*) FROM documents").fetchall())
app()
"""

#: what each command is held to, in seconds (floors have none)
TARGETS = {"mealink --help": 0.3, "mealink status DB": 0.4}


def commands(db: Path, text: Path, before: Path | None = None, before_name: str = ""
             ) -> dict[str, list[str]]:
    """Each measured command by its name in the table, floors first; with ``before`` (the
    ``src`` folder of another version) that version's `status` too, in the same rounds."""
    python = sys.executable
    script = Path(python).with_name("mealink")
    mealink = [str(script)] if script.exists() else [python, "-m", "mealink.cli"]
    return {
        "python -c pass": [python, "-c", "pass"],
        'python -c "import typer, rich"': [python, "-c", "import typer, rich"],
        'python -c "import sqlalchemy"': [python, "-c", "import sqlalchemy"],
        "a Typer command reading the file with sqlite3": [
            python, "-c", _TYPER_COMMAND.format(module="sqlite3"), "X", "--db", str(db)],
        "a Typer command importing sqlalchemy": [
            python, "-c", _TYPER_COMMAND.format(module="sqlalchemy"), "X", "--db", str(db)],
        "a Typer command importing sqlalchemy.orm": [
            python, "-c", _TYPER_COMMAND.format(module="sqlalchemy.orm"), "X", "--db", str(db)],
        "mealink --help": [*mealink, "--help"],
        "mealink status DB": [*mealink, "status", ASKED, "--db", str(db)],
        "mealink parse FILE": [*mealink, "parse", str(text)],
        **({f"mealink status DB, before ({before_name})": [
            shutil.which("env") or "/usr/bin/env", f"PYTHONPATH={before}", python, "-c",
            "import sys; from mealink.cli.app import main; sys.exit(main())",
            "status", ASKED, "--db", str(db)]} if before is not None else {}),
    }


def measure(cmds: dict[str, list[str]], runs: int, log: Log) -> dict[str, Any]:
    """``runs`` rounds of one run of each command (after one warm-up round): wall time, CPU
    and peak RSS of every run, and how many CPUs other processes kept busy over the rounds
    (the launchers' own few milliseconds included; a run is too short to tell alone)."""
    found: dict[str, dict[str, list[float]]] = {
        name: {"wall_s": [], "cpu_s": [], "peak_mb": []} for name in cmds}
    cpu = 0.0
    t0, b0 = time.perf_counter(), busy_seconds()
    for n in range(runs + 1):
        for name, cmd in cmds.items():
            r = run_short(cmd, REPO)
            if r["exit_code"] != 0:
                raise SystemExit(f"{name} failed: {r['stderr_tail']}")
            cpu += r["user_s"] + r["sys_s"]
            if n == 0:
                continue  # warm-up: the files into the page cache
            f = found[name]
            f["wall_s"].append(r["wall_s"])
            f["cpu_s"].append(r["user_s"] + r["sys_s"])
            f["peak_mb"].append(r["peak_rss_mb"])
        if n:
            log(f"round {n} of {runs} done")
    wall, b1 = time.perf_counter() - t0, busy_seconds()
    others = max(0.0, b1 - b0 - cpu) / wall if b0 is not None and b1 is not None else None
    return {"others_busy_cpus": others, "commands": {
        name: {k: {"min": min(v), "median": statistics.median(v), "max": max(v)}
               for k, v in f.items()} for name, f in found.items()}}


def render(r: dict[str, Any]) -> str:
    """The README's table: wall min / median / max, CPU and peak RSS medians, the target."""
    rows = [f"Startup, {r['date']}, {r['machine']['cpu_model']} ({r['machine']['cpu_count']} "
            f"CPUs), Python {r['machine']['python']}, {r['runs']} runs of each, in turn:",
            "",
            "| command | wall s min / median / max | CPU s median | peak RSS MB | target |",
            "|---|---|---|---|---|"]
    for name, f in r["commands"].items():
        w = f["wall_s"]
        target = TARGETS.get(name)
        verdict = "floor" if not name.startswith("mealink") else "" if target is None else \
            f"<= {target} s: {'**yes**' if w['median'] <= target else '**NO**'}"
        rows.append(f"| `{name}` | {w['min']:.3f} / {w['median']:.3f} / {w['max']:.3f} | "
                    f"{f['cpu_s']['median']:.3f} | {f['peak_mb']['median']:.0f} | {verdict} |")
    busy = r["others_busy_cpus"]
    if busy is not None:
        rows += ["", f"Other processes kept {busy:.2f} of the CPUs busy meanwhile."]
    return "\n".join(rows + source_warning(r))


def main(argv: list[str] | None = None) -> int:
    ap = cli.parser(__doc__ or "")
    ap.add_argument("--quick", action="store_true", help="5 runs of each instead of 15")
    ap.add_argument("--runs", type=int, default=None, help="runs of each command")
    ap.add_argument("--quiet-wait", type=float, default=60, metavar="S",
                    help="wait at most S seconds first for a quiet machine (default 60)")
    ap.add_argument("--before", metavar="REF",
                    help="also time `status` with the src/ of git REF, run by run alongside")
    cli.add_out(ap, "results-startup.json", "results-startup-quick.json")
    args = ap.parse_args(argv)
    log = cli.progress_log()
    # a user's Python keeps the compiled modules (pip compiles a package as it installs it);
    # without them every run would compile mealink's sources again (~0.1 s of `status`)
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    runs = args.runs or (5 if args.quick else 15)
    digest = source_digest()
    results: dict[str, Any] = {
        **run_header(digest), "date": time.strftime("%Y-%m-%d"), "commit": git("rev-parse",
                                                                              "HEAD"),
        "machine": cpu_machine(), "versions": versions(["typer", "rich", "sqlalchemy",
                                                         "pydantic"]), "runs": runs,
        "before": args.before}
    with tempfile.TemporaryDirectory(prefix="mealink-startup-") as tmp:
        db = Path(tmp) / "corpus.db"
        before = export_src(args.before, Path(tmp)) if args.before else None
        cmds = commands(db, REALDOCS / PARSED, before, args.before or "")
        log(f"building {db.name} from {REALDOCS} ...")
        subprocess.run([*cmds["mealink --help"][:-1], "ingest", "--no-embed", "--db", str(db),
                        str(REALDOCS)], capture_output=True, check=False, timeout=600)
        if not db.exists():  # some real texts are refused (not decisions); none is fatal
            raise SystemExit(f"could not build {db}")
        wait_quiet(args.quiet_wait, log)
        results.update(measure(cmds, runs, log))
    write_results(results, cli.out_path(args, "results-startup.json",
                                        "results-startup-quick.json"), digest, render, log)
    return 0


if __name__ == "__main__":
    sys.exit(main())
