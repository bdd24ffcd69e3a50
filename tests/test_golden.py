"""Golden JSON output of ``mealink parse --json`` for the seed resolutions and the invented
fixtures (``tests/fixtures/invented``).

Regenerate after an intended change with ``MEALINK_UPDATE_GOLDEN=1 pytest tests/test_golden.py``
and review the diff before committing it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from mealink import annotate, load, parse
from mealink.serialize import document_to_dict
from tests.conftest import INVENTED, REPO

GOLDEN = REPO / "tests" / "golden"
SEEDS = ["seed-cms-res-10.8", "seed-cms-res-11.10", "seed-cms-res-11.28"]
# the invented fixtures that are decisions (ipbes-*: assessment findings,
# tests/test_findings_*.py)
FIXTURES = sorted(p.name for p in INVENTED.glob("*") if p.suffix in
                  (".txt", ".md", ".html", ".docx", ".pdf") and not p.name.startswith(
                      ("README", "ipbes-")))


def check(path: Path, golden: Path) -> None:
    doc = annotate(parse(load(path).text, path.name))
    got = json.dumps(document_to_dict(doc), ensure_ascii=False, indent=1) + "\n"
    if os.environ.get("MEALINK_UPDATE_GOLDEN") == "1":
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(got, encoding="utf-8")
    assert golden.is_file(), f"no golden file {golden}; run with MEALINK_UPDATE_GOLDEN=1"
    assert got == golden.read_text(encoding="utf-8")


@pytest.mark.parametrize("name", SEEDS)
def test_seed_golden(corpus_dir: Path, name: str) -> None:
    check(corpus_dir / f"{name}.txt", GOLDEN / f"{name}.json")


@pytest.mark.parametrize("name", FIXTURES)
def test_fixture_golden(name: str) -> None:
    check(INVENTED / name, GOLDEN / "fixtures" / f"{name}.json")
