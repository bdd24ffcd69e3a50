"""The end of every benchmark: the Markdown results table on stdout (ready to paste into the
README), the JSON results file, and the warnings both carry when a run cannot be trusted."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.provenance import source_digest
from harness.timing import Log

SOURCES_CHANGED = "**Warning: the mealink sources changed during this run; rerun it.**"


def ok(met: bool) -> str:
    """A target's verdict in a table cell."""
    return "**yes**" if met else "**NO**"


def source_warning(r: dict[str, Any]) -> list[str]:
    """The table's closing warning (after a blank line) when the sources changed mid-run."""
    return ["", SOURCES_CHANGED] if r.get("source_changed_during_run") else []


def write_results(results: dict[str, Any], out_path: Path, digest: str,
                  render: Callable[[dict[str, Any]], str], log: Log) -> None:
    """Flag a run the sources changed under (its figures mix versions), print the table,
    write the JSON."""
    results["source_changed_during_run"] = source_digest() != digest
    if results["source_changed_during_run"]:
        log("WARNING: the mealink sources changed during the run; the figures mix versions")
    print(render(results))
    out_path.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    log(f"results written to {out_path}")
