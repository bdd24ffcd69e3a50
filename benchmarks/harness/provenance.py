"""What was measured, on what: the machine, library versions, the git commit and a digest
of mealink's sources (hashed before and after a run: a run the sources changed under mixes
versions)."""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import platform
import sqlite3
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import mealink
from harness import REPO


def source_digest() -> str:
    """sha256 of the mealink package's files, to tell which code was measured."""
    root = Path(mealink.__file__).resolve().parent
    h = hashlib.sha256()
    for f in sorted(root.rglob("*")):
        if f.is_file() and f.suffix in (".py", ".toml"):
            h.update(str(f.relative_to(root)).encode())
            h.update(f.read_bytes())
    return h.hexdigest()[:16]


def run_header(digest: str, *, path: bool = True) -> dict[str, Any]:
    """The mealink version, the sources' digest (and the package's folder) and the start
    time, as every results file records them."""
    out: dict[str, Any] = {"mealink_version": getattr(mealink, "__version__", "?"),
                           "source_digest": digest}
    if path:
        out["mealink_path"] = str(Path(mealink.__file__).resolve().parent)
    out["started"] = time.strftime("%Y-%m-%d %H:%M:%S %z")
    return out


def cpu_machine() -> dict[str, Any]:
    """Processor, CPU model, CPU count, Python and platform."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"processor": platform.processor() or platform.machine(), "cpu_model": model,
            "cpu_count": os.cpu_count(), "python": platform.python_version(),
            "implementation": platform.python_implementation(), "platform": platform.platform()}


def machine() -> dict[str, Any]:
    """The machine description plus the database versions and the load at the start."""
    import sqlalchemy

    try:
        import psycopg
        psycopg_version = psycopg.__version__
    except ImportError:
        psycopg_version = None
    return {**cpu_machine(), "sqlite": sqlite3.sqlite_version,
            "sqlalchemy": sqlalchemy.__version__, "psycopg": psycopg_version,
            "loadavg_start": list(os.getloadavg())}


def versions(names: Iterable[str]) -> dict[str, str | None]:
    """The installed version of each distribution (None when it is not installed)."""
    out: dict[str, str | None] = {}
    for name in names:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = None
    return out


def git(*args: str) -> str:
    """The output of a git command in the repository ("?" when it fails)."""
    try:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"
