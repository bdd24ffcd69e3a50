"""Shared fixtures: where the gold corpus is, and whether a missing one is an error."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("MEALINK_CORPUS", REPO.parent / "shared" / "corpus"))


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The gold corpus. Absent: skipped on a bare clone, an error where it is required (CI)."""
    if not (CORPUS / "README.md").is_file():
        message = (f"gold corpus not found at {CORPUS}; put ../shared beside the repository "
                   "or set MEALINK_CORPUS")
        if os.environ.get("MEALINK_REQUIRE_CORPUS") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return CORPUS
