"""The benchmarks' shared harness: corpus synthesis, timing, memory, databases, result
tables and command-line options, so that each ``bench_*.py`` holds only what it measures.

Importing it makes ``mealink`` importable from ``src/`` when the running Python does not
have it installed, and names the folders every benchmark starts from.
"""

from __future__ import annotations

import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1]
REPO = BENCHMARKS.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus"
DEFAULT_EXAMPLES = REPO / "examples"

try:
    import mealink  # noqa: F401
except ImportError:  # running with a Python where mealink is not installed: use src/
    sys.path.insert(0, str(REPO / "src"))
