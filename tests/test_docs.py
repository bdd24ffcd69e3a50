"""The README stays true: its two commands, the CI script and the documented CLI."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import typer

from mealink.cli import app
from tests.conftest import INVENTED, REPO
from tests.test_mandates_store import REVIEW_ANSWERS

README = (REPO / "README.md").read_text(encoding="utf-8")


def shell_blocks() -> list[str]:
    return [b.strip() for b in re.findall(r"```sh\n(.*?)```", README, re.S)]


def test_readme_has_the_two_commands_for_a_fresh_machine() -> None:
    blocks = shell_blocks()
    main_job, tests = blocks[0], blocks[1]
    assert main_job.startswith("python3 -m venv .venv") and "mealink ingest examples/" in main_job
    assert tests.startswith("python3 -m venv .venv") and "pytest" in tests


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert shell_blocks()[1] in ci


def _commands(cmd: Any, prefix: str) -> Iterator[tuple[str, Any]]:
    """Every leaf command under ``cmd`` with its full name ('mealink progress add')."""
    for name, sub in getattr(cmd, "commands", {}).items():
        full = f"{prefix} {name}"
        if hasattr(sub, "commands"):
            yield from _commands(sub, full)
        else:
            yield full, sub


def test_every_cli_command_and_option_is_documented() -> None:
    commands = list(_commands(typer.main.get_command(app), "mealink"))
    assert {"mealink progress add", "mealink report progress", "mealink review"} <= \
        {n for n, _ in commands}
    for name, sub in commands:
        assert name in README, f"command {name!r} missing from README"
        for param in sub.params:
            for opt in param.opts:
                if opt.startswith("--"):
                    assert opt in README, f"option {opt} of {name!r} missing from README"


def test_fixtures_readme_gives_the_review_answers_the_tests_check() -> None:
    written = (INVENTED / "README.md").read_text(encoding="utf-8")
    for (convention, as_of), lines in REVIEW_ANSWERS.items():
        for line in lines:
            if line.startswith("- "):
                assert f"| {convention}, {as_of} | {line} |" in written, line
        if not lines:
            assert f"| {convention}, {as_of} | (nothing) |" in written
