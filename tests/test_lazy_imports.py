"""The command line imports a store, a model or a web stack only for the command that needs
it: ``--help`` of every command, and importing every module of ``mealink.cli``, leave them
out of ``sys.modules``; reading a database whose schema is current loads no Alembic and no
numpy; and the package root still hands out its functions when the subpackages of the same
name were imported first. Each check runs in a fresh interpreter, as a user's command does.
Nothing here is timed: ``benchmarks/bench_startup.py`` measures the time."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import text

from mealink.errors import StoreError
from mealink.store import ingest, open_store
from mealink.store.engine.database import SCHEMA_HEAD, _alembic_config
from mealink.store.engine.reader import open_reader
from tests.conftest import REPO

#: what ``mealink --help`` must not import: databases, models, the web, heavy readers, the
#: parsing pipeline (the package root re-exports it lazily), and the vocabulary compiled
#: from the data files and the domain classes (together 0.02-0.03 s of a 0.2 s `--help`)
HEAVY = ("sqlalchemy", "alembic", "fastapi", "starlette", "uvicorn", "numpy", "onnxruntime",
         "tokenizers", "lxml", "openpyxl", "pypdf", "docx", "argon2", "weasyprint",
         "mealink.store", "mealink.semantic", "mealink.web", "mealink.load", "mealink.parse",
         "mealink.annotate", "mealink.pipeline", "mealink.export", "mealink.reports",
         "mealink.vocabulary", "mealink.instruments", "mealink.mandates", "mealink.models")

#: every module of the command line, found on disk so that a new one is checked too
CLI_MODULES = sorted(f"mealink.cli.{p.stem}" for p in (REPO / "src" / "mealink" / "cli")
                     .glob("*.py") if p.stem != "__main__")

#: run in a fresh interpreter: import each module of mealink.cli, then ``--help`` of the
#: app and of every command and subcommand; print what each step added of HEAVY
_STEPS = r"""
import importlib, json, sys
import typer.main

heavy = tuple(sys.argv[1].split(","))

def loaded():
    return {m for m in sys.modules if any(m == h or m.startswith(h + ".") for h in heavy)}

found = {}
def step(name, action):
    before = loaded()
    action()
    if added := sorted(loaded() - before):
        found[name] = added

for module in sys.argv[2].split(","):
    step("import " + module, lambda: importlib.import_module(module))
from mealink.cli import app

def paths(cmd, path):
    yield path
    for name, sub in sorted(getattr(cmd, "commands", {}).items()):
        yield from paths(sub, path + [name])

def show_help(path):
    try:
        app([*path, "--help"], prog_name="mealink")
    except SystemExit as exc:
        assert exc.code == 0, (path, exc.code)

commands = list(paths(typer.main.get_command(app), []))
for path in commands:
    step(" ".join(["mealink", *path, "--help"]), lambda: show_help(path))
print(json.dumps({"commands": len(commands), "found": found}))
"""


def _run(code: str, *args: str) -> str:
    r = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                       timeout=120, cwd=REPO)
    assert r.returncode == 0, r.stderr
    return r.stdout.splitlines()[-1]


def test_help_of_every_command_imports_nothing_heavy() -> None:
    result = json.loads(_run(_STEPS, ",".join(HEAVY), ",".join(CLI_MODULES)))
    assert result["commands"] > 25  # every command and subcommand was asked for its help
    assert result["found"] == {}


_STATUS = r"""
import sys
from mealink.cli import app
try:
    app(["status", sys.argv[1], "--db", sys.argv[2], "--format", "json"], prog_name="mealink")
except SystemExit as exc:
    assert exc.code in (0, None), exc.code
print(sorted({m.split(".")[0] for m in sys.modules} & {"alembic", "numpy", "onnxruntime"}
             | {m for m in sys.modules if m.startswith(PIPELINE)}
             | {m for m in sys.modules if m in ("sqlalchemy.orm", "mealink.store.engine.schema",
                                                "rich.table", "rich.tree")}
             | ({"sqlalchemy"} & set(sys.modules) if "://" not in sys.argv[2] else set())))
"""
#: the stages that read texts: `status` answers from what is stored and needs none of them,
#: nor SQLAlchemy on a SQLite file (it reads through ``store/engine/reader.py``), nor Rich's
#: tables and trees
PIPELINE = ("mealink.load", "mealink.parse", "mealink.annotate", "mealink.interop",
            "mealink.pipeline", "mealink.versions")


def test_status_loads_no_alembic_numpy_orm_or_parser_and_no_sqlalchemy_for_a_file(
        db_url: str, realdocs_dir: Path) -> None:
    store = open_store(db_url)
    ingest(store, [realdocs_dir / "cms-res-11.28.txt"])
    store.dispose()
    assert _run(_STATUS.replace("PIPELINE", repr(PIPELINE)), "CMS Resolution 11.28",
                db_url) == "[]"


def _set_revision(db_url: str, revision: str) -> None:
    """Leave the database at ``revision``: a real downgrade, or a version no mealink knows."""
    store = open_store(db_url)
    with store.engine.connect() as conn:
        if revision == "newer":
            conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
            conn.commit()
        else:
            cfg = _alembic_config()
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, revision)
    store.dispose()


def _revision(db_url: str) -> str:
    store = open_store(db_url, create=False)
    with store.engine.connect() as conn:
        found = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    store.dispose()
    return str(found)


@pytest.mark.parametrize(("revision", "create", "outcome"), [
    ("head", False, SCHEMA_HEAD),  # the common case: opened as it is
    ("-1", True, SCHEMA_HEAD),  # an older schema is brought up to date by a writer
    ("-1", False, "has an older schema"),  # and refused by a reader
    ("base", True, SCHEMA_HEAD),  # an empty database gets the whole schema
    ("newer", True, "newer version of mealink"),
    ("newer", False, "newer version of mealink"),
])
def test_the_schema_revision_is_checked_as_before(db_url: str, revision: str, create: bool,
                                                  outcome: str) -> None:
    open_store(db_url).dispose()
    if revision != "head":
        _set_revision(db_url, revision)
    if outcome == SCHEMA_HEAD:
        open_store(db_url, create=create).dispose()
        assert _revision(db_url) == SCHEMA_HEAD
    else:
        with pytest.raises(StoreError, match=outcome):
            open_store(db_url, create=create)
    if not create:  # the quick reader (plain sqlite3 on a file) opens and refuses the same
        if outcome == SCHEMA_HEAD:
            with open_reader(db_url) as reader:
                assert reader.rows("SELECT version_num FROM alembic_version") == \
                    [(SCHEMA_HEAD,)]
        else:
            with pytest.raises(StoreError, match=outcome), open_reader(db_url):
                pass


def test_schema_head_is_the_head_of_the_migrations() -> None:
    from alembic.script import ScriptDirectory

    assert ScriptDirectory.from_config(_alembic_config()).get_current_head() == SCHEMA_HEAD


_ROOT = r"""
import importlib, sys
for sub in ("mealink.load", "mealink.parse", "mealink.annotate", "mealink.load.clean"):
    importlib.import_module(sub)  # the subpackages first, as the command line may
import mealink
wrong = []
for name in mealink.__all__:
    value = getattr(mealink, name)
    if name == "__version__" or name == "search":
        continue
    home = importlib.import_module(mealink._FROM[name])
    if value is not getattr(home, name):
        wrong.append(name)
print(wrong)
"""


def test_the_root_hands_out_its_functions_after_their_subpackages_were_imported() -> None:
    assert _run(_ROOT) == "[]"


def test_importing_the_root_loads_no_pipeline() -> None:
    code = ("import sys, mealink; print(sorted(m for m in sys.modules "
            "if m.startswith(('mealink.load', 'mealink.parse', 'mealink.annotate'))))")
    assert _run(code) == "[]"
