"""Before and after in alternating child processes: the child protocol of the paired
benchmarks (``bench_keyword_page.py``, ``bench_query_modes.py``). A child is the same script
run with ``--child`` and the mealink of one side first on its path; it prints its result as
one ``@@JSON`` line. Alternating the sides (A B A B ...) lets a drift of the shared
machine's speed fall on both alike."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness import BENCHMARKS

__all__ = ["MARK", "run_child"]

#: the line a child's result is printed on
MARK = "@@JSON "


def run_child(script: str | Path, src: Path | None, args: Sequence[str]) -> dict[str, Any]:
    """``script --child ARGS`` in a child process with ``src`` first on its path (None: this
    mealink, as installed); its result."""
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src)
    out = subprocess.run([sys.executable, str(Path(script).resolve()), "--child", *args],
                         env=env, capture_output=True, text=True, check=True, cwd=BENCHMARKS)
    line = next(x for x in out.stdout.splitlines() if x.startswith(MARK))
    result: dict[str, Any] = json.loads(line[len(MARK):])
    return result
