"""Another version of mealink's code to time beside this one: the ``src/`` of a git ref."""

from __future__ import annotations

import subprocess
from pathlib import Path

from harness import REPO

__all__ = ["export_src"]


def export_src(ref: str, into: Path) -> Path:
    """The ``src/`` of git ``ref``, exported into ``into`` (put it first on ``PYTHONPATH``)."""
    archive = subprocess.run(["git", "-C", str(REPO), "archive", ref, "src"],
                             capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into / "src"
