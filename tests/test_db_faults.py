"""The database failing under a command (issue 19): a server that accepts and never answers,
a statement or a lock past its time, a read-only database, a full disk. Each gives one line
naming the database as the user typed it, a non-zero exit, and a database left whole.

Real mechanisms only: a socket that accepts and never answers, a lock held by this process,
a read-only tmpfs mount or an unprivileged user (root ignores file modes), a tmpfs too small
or a file-size limit (RLIMIT_FSIZE, so that writes fail for real)."""

from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import psycopg
import pytest

from mealink.store import open_store
from tests.conftest import INVENTED, REPO, make_db
from tests.test_concurrent_ingest import MEALINK, counts, parsable_texts, snapshot


def run(*args: str, env: dict[str, str] | None = None, user: list[str] | None = None,
        timeout: float = 120, preexec_fn: Callable[[], None] | None = None
        ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*(user or []), *MEALINK, *args], capture_output=True, text=True,
                          env={**os.environ, "COLUMNS": "100", **(env or {})},
                          timeout=timeout, preexec_fn=preexec_fn)


def one_line(r: subprocess.CompletedProcess[str]) -> str:
    """The error line of a failed command: exactly one, no traceback, no SQL."""
    assert r.returncode == 1, (r.returncode, r.stdout, r.stderr)
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert "Traceback" not in r.stderr and "[SQL" not in r.stderr
    return lines[0]


def ingest(db: str, *paths: Path) -> None:
    r = run("ingest", *map(str, paths), "--db", db, "--no-embed")
    assert r.returncode == 0, r.stderr


def a_mandate(db: str) -> str:
    r = run("mandates", "--db", db, "-f", "json")
    assert r.returncode == 0, r.stderr
    return str(json.loads(r.stdout)[0]["id"])


@pytest.fixture
def pg_db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    yield from make_db("postgresql", tmp_path, request)


# --- a server that does not answer, a statement or a lock past its time -------------------
@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP port on 127.0.0.1 where connections are accepted and never answered."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    srv.settimeout(0.2)
    held: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except OSError:
                continue
            held.append(conn)  # accepted, never read, never answered

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield srv.getsockname()[1]
    finally:
        stop.set()
        thread.join(timeout=5)
        for conn in held:
            conn.close()
        srv.close()


def test_a_server_that_never_answers_gives_one_line_after_the_connect_timeout(
        silent_server: int) -> None:
    url = f"postgresql://reader:hunter2@127.0.0.1:{silent_server}/corpus"
    shown = f"postgresql://reader:***@127.0.0.1:{silent_server}/corpus"
    for args in (["search", "bycatch"], ["ingest", str(INVENTED / "cites-dec-19.930.txt")]):
        r = run(*args, "--db", url, env={"MEALINK_CONNECT_TIMEOUT": "2"}, timeout=60)
        line = one_line(r)
        assert f"cannot connect to the database {shown}: " in line
        assert "timeout" in line and "MEALINK_CONNECT_TIMEOUT" in line
        assert "hunter2" not in r.stderr
    # a connect_timeout in the URL is the user's own choice, and wins
    r = run("status", "x", "--db", url + "?connect_timeout=2", timeout=60)
    assert "timeout" in one_line(r)


def test_a_statement_past_its_time_gives_one_line(pg_db: str) -> None:
    ingest(pg_db, INVENTED)
    with psycopg.connect(pg_db) as holder:  # an exclusive lock: every read of it waits
        holder.execute("LOCK TABLE paragraphs IN ACCESS EXCLUSIVE MODE")
        r = run("search", "invasive alien species", "--db", pg_db,
                env={"MEALINK_STATEMENT_TIMEOUT": "1"}, timeout=60)
    line = one_line(r)
    assert f"the database {pg_db} did not finish a statement within 1 s" in line
    assert "MEALINK_STATEMENT_TIMEOUT" in line


def test_a_writer_gives_up_on_a_held_lock_in_one_line_and_writes_nothing(db_url: str
                                                                        ) -> None:
    from mealink.store.engine.database import writing

    ingest(db_url, INVENTED / "cms-res-13.905.txt")
    text = INVENTED / "cites-dec-19.930.txt"
    store = open_store(db_url)
    try:
        with writing(store):  # another writer at work, for longer than this one waits
            r = run("ingest", str(text), "--db", db_url, "--no-embed",
                    env={"MEALINK_LOCK_TIMEOUT": "1"})
        line = one_line(r)
        assert f"the database {db_url} is busy" in line and "MEALINK_LOCK_TIMEOUT" in line
        assert counts(r.stdout)["failed"] == 1 and "not stored" in r.stdout
        r = run("status", "cites/decision/19.930", "--db", db_url, "-f", "json")
        assert r.returncode == 1 or not json.loads(r.stdout)["in_corpus"]
        r = run("ingest", str(text), "--db", db_url, "--no-embed")  # the lock is free
        assert r.returncode == 0 and counts(r.stdout)["added"] == 1, r.stderr
    finally:
        store.dispose()


# --- the database as the user typed it -------------------------------------------------
@pytest.mark.parametrize("typed, shown", [
    ("postgres://someone:hunter2@127.0.0.1:9/corpus", "postgres://someone:***@127.0.0.1:9/corpus"),
    ("postgresql://someone:hunter2@127.0.0.1:9/corpus",
     "postgresql://someone:***@127.0.0.1:9/corpus"),
])
def test_errors_name_the_database_as_typed_without_password(typed: str, shown: str) -> None:
    line = one_line(run("status", "x", "--db", typed))
    assert f"cannot connect to the database {shown}: " in line
    assert "psycopg" not in line and "hunter2" not in line


def test_an_unsupported_database_says_so() -> None:
    line = one_line(run("ingest", str(INVENTED / "cites-dec-19.930.txt"), "--db",
                        "mysql://someone:hunter2@localhost/corpus"))
    assert "mysql://someone:***@localhost/corpus: unsupported database (mealink stores in " \
        "SQLite or PostgreSQL)" in line
    assert "driver" not in line and "hunter2" not in line


# --- read-only ---------------------------------------------------------------------------
def _as_nobody() -> list[str] | None:
    """A prefix that runs a command as an unprivileged user (root ignores file modes)."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"] if setpriv else None


def _mount_tmpfs(folder: Path, size: str, stack: ExitStack) -> None:
    """A small tmpfs at ``folder``, unmounted at the end; skipped where mounting is not
    allowed (not root, no CAP_SYS_ADMIN)."""
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                       capture_output=True, text=True, check=False)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({r.stderr.strip()})")
    stack.callback(subprocess.run, ["umount", "-l", str(folder)], check=False)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("how", ["file-0444", "folder-0555", "read-only-mount"])
def test_a_read_only_database_is_read_and_refuses_writes_in_one_line(how: str) -> None:
    """A database the user may not write: read commands work (a WAL database in a folder
    that is not writable is opened immutable), a write says so in one line and changes
    nothing. As nobody with file modes, or as root on a tmpfs remounted read-only."""
    base = Path(tempfile.mkdtemp(prefix="mealink-ro-", dir="/tmp"))
    base.chmod(0o755)  # reachable by the unprivileged user, unlike pytest's own tmp folders
    folder = base / "corpus"
    folder.mkdir()
    db = folder / "corpus.db"
    with ExitStack() as stack:
        stack.callback(shutil.rmtree, base, ignore_errors=True)
        user: list[str] = []
        if how == "read-only-mount":
            _mount_tmpfs(folder, "16m", stack)
        ingest(str(db), INVENTED)
        mandate = a_mandate(str(db))
        if how == "read-only-mount":
            subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)
        else:
            prefix = _as_nobody()
            if prefix is None:
                pytest.skip("running as root without setpriv: cannot take write permission "
                            "away")
            user = prefix
            for p in folder.iterdir():
                p.chmod(0o444)
            folder.chmod(0o555 if how == "folder-0555" else 0o777)
            stack.callback(folder.chmod, 0o755)
        before = _sha(db)
        env = {"PYTHONPATH": str(REPO / "src"), "HOME": str(base)}
        r = run("status", "CMS Resolution 11.928", "--db", str(db), env=env, user=user)
        assert r.returncode == 0, r.stderr
        assert "repealed by CMS Resolution 13.905" in " ".join(r.stdout.split())
        r = run("search", "invasive alien species", "--db", str(db), "-f", "json", env=env,
                user=user)
        assert r.returncode == 0 and json.loads(r.stdout), r.stderr
        r = run("progress", "add", mandate, "--by", "tester", "--note", "done", "--db",
                str(db), env=env, user=user)
        line = one_line(r)
        assert f"the database {db} is read-only" in line
        assert _sha(db) == before
        r = run("progress", "show", mandate, "--db", str(db), "-f", "json", env=env,
                user=user)
        assert r.returncode == 0 and "tester" not in r.stdout, r.stderr


def test_a_read_only_postgresql_database_refuses_writes_in_one_line(pg_db: str,
                                                                    pg_admin: str) -> None:
    ingest(pg_db, INVENTED)
    mandate = a_mandate(pg_db)
    with psycopg.connect(pg_admin, autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{pg_db.rsplit("/", 1)[1]}" SET '
                      "default_transaction_read_only = on")
    r = run("status", "CMS Resolution 11.928", "--db", pg_db)
    assert r.returncode == 0, r.stderr
    line = one_line(run("progress", "add", mandate, "--by", "tester", "--note", "done",
                        "--db", pg_db))
    assert f"the database {pg_db} is read-only" in line


# --- disk full ---------------------------------------------------------------------------
def _paragraphs_per_document(db: str) -> dict[str, int]:
    con = sqlite3.connect(db)
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert con.execute("PRAGMA foreign_key_check").fetchall() == []
        return dict(con.execute(
            "SELECT d.id, count(p.pk) FROM documents d LEFT JOIN paragraphs p ON "
            "p.document_id = d.id WHERE NOT d.is_stub GROUP BY d.id").fetchall())
    finally:
        con.close()


def _file_size_limit(tmp_path: Path, reference: str) -> Callable[[], None]:
    """For the child: files may not grow past the empty schema and half of what the real
    texts take beyond it (writes then fail with EFBIG), so that ingest stops midway: the
    write-ahead log holds the schema and then each page a transaction writes."""
    schema = str(tmp_path / "schema.db")
    open_store(schema).dispose()  # closed: the log is written into the file
    empty = os.path.getsize(schema)
    most = empty + (os.path.getsize(reference) - empty) // 2

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (most, most))
    return limit


@pytest.mark.parametrize("how", ["full-tmpfs", "file-size-limit"])
def test_disk_full_is_one_line_and_keeps_what_was_stored(how: str, tmp_path: Path,
                                                         realdocs_dir: Path) -> None:
    texts = tmp_path / "texts"
    texts.mkdir()
    for p in parsable_texts(realdocs_dir):
        shutil.copy(p, texts / p.name)
    n = len(list(texts.iterdir()))
    reference = str(tmp_path / "reference.db")
    ingest(reference, texts)
    folder = tmp_path / "disk"
    folder.mkdir()
    db = str(folder / "corpus.db")
    with ExitStack() as stack:
        limit: Callable[[], None] | None = None
        if how == "full-tmpfs":
            _mount_tmpfs(folder, "1m", stack)
        else:
            limit = _file_size_limit(tmp_path, reference)
        r = run("ingest", str(texts), "--db", db, "--no-embed", preexec_fn=limit)
        line = one_line(r)
        assert line.startswith("mealink: error: disk full"), line
        assert "please report" not in line
        said = counts(r.stdout)  # the summary of what was stored comes first
        assert said["added"] >= 1 and said["failed"] == 1, r.stdout
        assert "the batch stopped here" in r.stdout
        # whole: SQLite finds no damage, and each text stored has all its paragraphs
        stored = _paragraphs_per_document(db)
        assert len(stored) == said["added"]
        want = _paragraphs_per_document(reference)
        assert {d: want[d] for d in stored} == stored
        # room again: the same command stores the rest and links as one ingest does
        if how == "full-tmpfs":
            subprocess.run(["mount", "-o", "remount,size=64m", str(folder)], check=True)
        r = run("ingest", str(texts), "--db", db, "--no-embed")
        assert r.returncode == 0, r.stderr
        again = counts(r.stdout)
        assert (again["unchanged"], again["added"]) == (said["added"], n - said["added"])
        assert snapshot(db) == snapshot(reference)


def _small_file_size_limit() -> None:
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (65536, 65536))


@pytest.mark.parametrize("how", ["full-tmpfs", "file-size-limit"])
def test_output_to_a_full_disk_is_one_line(how: str, tmp_path: Path, realdocs_dir: Path
                                           ) -> None:
    texts = tmp_path / "texts"
    texts.mkdir()
    for p in parsable_texts(realdocs_dir):  # more than 64 KB of JSON
        shutil.copy(p, texts / p.name)
    folder = tmp_path / "disk"
    folder.mkdir()
    with ExitStack() as stack:
        limit: Callable[[], None] | None = None
        if how == "full-tmpfs":
            _mount_tmpfs(folder, "64k", stack)
        else:
            limit = _small_file_size_limit
        with (folder / "parsed.jsonl").open("w") as out:
            r = subprocess.run([*MEALINK, "parse", "--json", str(texts)], stdout=out,
                               stderr=subprocess.PIPE, text=True, timeout=300,
                               preexec_fn=limit)
    line = one_line(r)
    assert line.startswith("mealink: error: " + ("disk full (" if how == "full-tmpfs"
                                                 else "file too large (")), line
    assert "writing the output: it is incomplete" in line and "please report" not in line
