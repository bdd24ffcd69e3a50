"""The ``mealink`` command as a user runs it: real processes, real files, real exit codes.

Bad input of every kind the issue names gives one line naming the file, a non-zero exit
and no traceback, and the other files of the batch are still parsed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.filemakers import PNG, make_pdf, zip_of_zeros

RESOLUTION = (
    "UNEP/CMS/Resolution 9.9\n\nThe Conference of the Parties,\n\nRecalling Resolution 8.1,\n\n"
    "1. Requests the Secretariat to report to COP10;\n\n2. Repeals Resolution 8.1.\n"
)


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mealink.cli", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=120, check=False)


def make_bad_files(d: Path) -> dict[str, str]:
    """Files that must each be refused, with a phrase the refusal must contain."""
    (d / "empty.txt").write_bytes(b"")
    (d / "image.txt").write_bytes(PNG + bytes(range(256)) * 4)
    (d / "scan.pdf").write_bytes(make_pdf([b"0 0 m 100 100 l S"]))
    (d / "corrupt.docx").write_bytes(b"PK\x03\x04" + bytes(range(256)) * 8)
    zip_of_zeros(d / "bomb.docx", 120)
    with (d / "huge.txt").open("wb") as f:  # 100 MB, sparse: refused before it is read
        f.truncate(100_000_000)
    (d / "novel.txt").write_text("It was a dark and stormy night. The rain fell in torrents, "
                                 "except at occasional intervals.\n\nNobody came.\n")
    return {
        "empty.txt": "empty", "image.txt": "binary", "scan.pdf": "no text layer",
        "corrupt.docx": "not a readable DOCX", "bomb.docx": "zip bomb", "huge.txt": "limit",
        "novel.txt": "does not look like a resolution",
    }


def test_parse_json_lines_in_input_order(tmp_path: Path) -> None:
    a, b = tmp_path / "b.txt", tmp_path / "a.md"
    a.write_text(RESOLUTION)
    b.write_text(RESOLUTION.replace("9.9", "9.8").replace("Requests", "*Urges*"))
    res = run("parse", str(a), str(b), "--json")
    assert res.returncode == 0, res.stderr
    docs = [json.loads(line) for line in res.stdout.splitlines()]
    assert [d["symbol"] for d in docs] == ["UNEP/CMS/Resolution 9.9", "UNEP/CMS/Resolution 9.8"]
    ops = [p for p in docs[0]["paragraphs"] if p["kind"] == "operative"]
    assert ops[0]["verb"] == "request" and ops[0]["actors"] == ["Secretariat"]
    assert ops[0]["deadline"] == "COP10"
    assert ops[1]["repeals"] == ["Resolution 8.1"]
    assert next(p["verb"] for p in docs[1]["paragraphs"] if p["kind"] == "operative") == "urge"


def test_readable_view_shows_structure(tmp_path: Path) -> None:
    f = tmp_path / "r.txt"
    f.write_text(RESOLUTION)
    res = run("parse", str(f))
    assert res.returncode == 0, res.stderr
    for shown in ("UNEP/CMS/Resolution 9.9", "operative", "Secretariat", "REPEALS",
                  "Resolution 8.1"):
        assert shown in res.stdout


@pytest.mark.parametrize("name", sorted(["empty.txt", "image.txt", "scan.pdf", "corrupt.docx",
                                         "bomb.docx", "huge.txt", "novel.txt"]))
def test_bad_input_gives_one_line_and_non_zero_exit(tmp_path: Path, name: str) -> None:
    expected = make_bad_files(tmp_path)
    res = run("parse", str(tmp_path / name), "--json")
    assert res.returncode == 1
    assert res.stdout == ""
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert name in lines[0] and expected[name] in lines[0]
    assert "Traceback" not in res.stderr


def test_batch_goes_on_past_bad_files(tmp_path: Path) -> None:
    bad = make_bad_files(tmp_path)
    good = tmp_path / "good.txt"
    good.write_text(RESOLUTION)
    res = run("parse", str(tmp_path), "--json")
    assert res.returncode == 1
    assert [json.loads(x)["source"] for x in res.stdout.splitlines()] == [str(good)]
    assert len(res.stderr.strip().splitlines()) == len(bad)
    assert "Traceback" not in res.stderr


def test_missing_file_is_one_line(tmp_path: Path) -> None:
    res = run("parse", str(tmp_path / "nope.txt"))
    assert res.returncode == 1 and "nope.txt" in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1


def test_eval_reports_scores_and_checks_targets(tmp_path: Path) -> None:
    (tmp_path / "r.txt").write_text(RESOLUTION)
    gold = {"paragraphs": [
        {"kind": "heading", "number": None, "text_start": "UNEP/CMS/Resolution 9.9"},
        {"kind": "heading", "number": None, "text_start": "The Conference of the Parties,"},
        {"kind": "preamble", "number": None, "text_start": "Recalling Resolution 8.1,",
         "references": ["Resolution 8.1"]},
        {"kind": "operative", "number": "1", "verb": "request", "actors": ["Secretariat"],
         "text_start": "1. Requests the Secretariat"},
        {"kind": "operative", "number": "2", "verb": "decide", "text_start": "2. Repeals",
         "references": ["Resolution 8.1"], "repeals": ["Resolution 8.1"]}]}
    (tmp_path / "r.gold.json").write_text(json.dumps(gold))
    res = run("eval", str(tmp_path), "--json", "--check")
    scores = json.loads(res.stdout)["total"]
    assert scores["segmentation_f1"] == 1.0
    assert scores["actor_f1"] == 1.0 and scores["repeal_f1"] == 1.0
    assert scores["verb_accuracy"] == pytest.approx(0.5)  # this gold file says "decide"
    assert res.returncode == 1  # verb accuracy below its target


def test_eval_on_a_folder_without_gold(tmp_path: Path) -> None:
    res = run("eval", str(tmp_path))
    assert res.returncode == 2 and "no *.gold.json" in res.stderr


@pytest.mark.parametrize("group", [(), ("progress",), ("report",), ("workplan",),
                                   ("reporting",), ("findings",), ("users",)])
def test_command_lists_give_each_command_one_line(group: tuple[str, ...]) -> None:
    """In the command list of ``--help``, wide enough for every summary, each command takes
    one line: a summary wrapped in its docstring is not broken mid-sentence on screen."""
    from mealink.cli.app import app

    cli = app
    for name in group:
        cli = next(g.typer_instance for g in cli.registered_groups if g.name == name)
    names = {c.name for c in cli.registered_commands if not c.hidden}
    names |= {g.name for g in cli.registered_groups if not g.hidden}
    done = subprocess.run([sys.executable, "-m", "mealink.cli", *group, "--help"],
                          capture_output=True, text=True, timeout=120, check=False,
                          env={**os.environ, "COLUMNS": "1000", "NO_COLOR": "1"})
    assert done.returncode == 0, done.stderr
    panel = done.stdout.split("─ Commands ", 1)[1].split("╰", 1)[0]
    rows = [line.strip("│ ") for line in panel.splitlines()[1:] if line.strip("│ ")]
    assert names and {row.split()[0] for row in rows} == names, rows
    assert len(rows) == len(names), f"summaries broken over lines: {rows}"
