"""The ``mealink`` command: a thin shell over the library.

Every command parses its options, calls one library function per input and formats the
result. A ``MealinkError`` becomes one line on stderr naming the input and a non-zero exit;
in a batch the other inputs are still processed. Each command group is a module of this
package named after its commands; this one assembles them in the order ``--help`` lists them.
"""

from __future__ import annotations

import contextlib
import errno
import inspect
import os
import sys

import typer

from mealink.cli import (
    corpus,
    diff,
    export,
    mandates,
    parse,
    reporting,
    search,
    serve,
    synergies,
    users,
    workplan,
)
from mealink.cli.options import fail
from mealink.errors import MealinkError

__all__ = ["app", "main"]

app = typer.Typer(
    help="mealink: resolutions and decisions of environmental treaties as structured data.",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
)

for group in (parse, corpus, diff, search, mandates, workplan, reporting, synergies, export,
              serve, users):
    group.register(app)


def _one_line_summaries(cli: typer.Typer) -> None:
    """Give each command of ``cli`` and its groups a one-line summary for the command lists of
    ``--help``: its docstring's first paragraph with the line breaks made spaces. Typer's
    rich help keeps them in those lists, so a summary wrapped in the source broke
    mid-sentence on screen ("or front" / "matter, ..."); a command's own help is unchanged."""
    for info in cli.registered_commands:
        if info.short_help is None:
            doc = inspect.cleandoc(info.help or inspect.getdoc(info.callback) or "")
            info.short_help = " ".join(doc.split("\n\n")[0].split()) or None
    for group in cli.registered_groups:
        if group.typer_instance is not None:
            _one_line_summaries(group.typer_instance)


_one_line_summaries(app)


#: Writes that fail for want of room or a writable disk, not for a bug: what each is called.
_NO_ROOM = {errno.ENOSPC: "disk full", errno.EDQUOT: "disk quota exceeded",
            errno.EFBIG: "file too large", errno.EROFS: "read-only file system"}


def _quiet_stdout() -> None:
    """Send what is left in stdout's buffer nowhere, so that flushing it at exit (on a full
    disk or a closed pipe) prints no second error."""
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def main() -> None:
    """Console entry point: run the app and turn stray errors into one line."""
    try:
        app()
    except MealinkError as exc:
        fail(str(exc))
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    except Exception as exc:  # a bug: one line, the traceback on request
        if os.environ.get("MEALINK_DEBUG") == "1":
            raise
        if isinstance(exc, OSError) and exc.errno in _NO_ROOM:  # no bug: no room to write
            where = exc.filename or "the output"
            fail(f"{_NO_ROOM[exc.errno]} ({exc.strerror}) writing {where}: it is incomplete")
            _quiet_stdout()
            sys.exit(1)
        fail(f"internal error ({type(exc).__name__}: {exc}); please report it "
              "(MEALINK_DEBUG=1 shows the traceback)")
        sys.exit(1)
