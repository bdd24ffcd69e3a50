"""The README stays true: its two commands, the CI script and the documented CLI."""

from __future__ import annotations

import re

import typer

from mealink.cli import app
from tests.conftest import REPO

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


def test_every_cli_command_and_option_is_documented() -> None:
    command = typer.main.get_command(app)
    for name, sub in command.commands.items():  # type: ignore[attr-defined]
        assert f"mealink {name}" in README, f"command {name!r} missing from README"
        for param in sub.params:
            for opt in param.opts:
                if opt.startswith("--"):
                    assert opt in README, f"option {opt} of {name!r} missing from README"
