"""Reading input files under faults and odd inputs (issue 19).

Real FIFOs, real device nodes, real file names that are not UTF-8, real broken and looping
symbolic links and real unreadable folders, read by the library and by the real ``mealink``
command in subprocesses. Every subprocess has a timeout, so a read that hangs (a FIFO with
no writer) fails the test instead of stalling the suite, and a memory limit, so a read that
never ends (``/dev/zero``) fails it instead of exhausting the machine. For each bad input:
a non-zero exit where the command had a failure, one line that names the input printably,
and the good files beside it parsed or stored.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from mealink.errors import LoadError
from mealink.load import Skipped, iter_paths, iter_sources, load, read_file, shown_name
from mealink.store import ingest, open_store
from mealink.store.engine.schema import DocumentRow
from tests.fuzzing import EXAMPLES

MEALINK = Path(sys.executable).with_name("mealink")
TIMEOUT = 90
MEMORY = 3 * 1024**3  # far above what parsing a small text takes, far below "all of it"
#: runs a command as the unprivileged user nobody (uid 65534), for whom chmod 000 holds
AS_NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def resolution(n: int) -> str:
    """A small valid resolution; ``n`` makes its symbol and its operative text its own, so
    that no two test files are duplicates of each other. Item numbers of 900 and more are
    invented (see tests/fixtures/invented/README.md)."""
    return (f"UNEP/CMS/Resolution 12.{n}\n\nThe Conference of the Parties,\n\n"
            f"Recalling Resolution 11.950,\n\n1. Requests the Secretariat to report on item "
            f"{n} to COP14;\n\n2. Urges Parties to act on item {n}.\n")


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def run(*args: str | bytes | Path, user: list[str] | None = None,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run the real ``mealink`` (behind ``user``, a command that runs it as another user, if
    given), output as bytes, bounded in time and memory."""
    return subprocess.run([*(user or []), MEALINK, *args], capture_output=True,
                          timeout=TIMEOUT, check=False, preexec_fn=_limit_memory, env=env)


def python(code: str, *args: str | bytes | Path, user: list[str] | None = None,
           env: dict[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run library code in a subprocess, where a hang or a runaway read stays bounded."""
    return subprocess.run([*(user or []), sys.executable, "-c", code, *args],
                          capture_output=True, timeout=TIMEOUT, check=False,
                          preexec_fn=_limit_memory, env=env)


def utf8(data: bytes) -> str:
    """Output decoded strictly: every message and JSON document must be valid UTF-8."""
    return data.decode("utf-8")


def lines(data: bytes, word: str) -> list[str]:
    """The output lines holding ``word``."""
    return [line for line in utf8(data).splitlines() if word in line]


def stored_sources(db: str) -> list[str]:
    """The source (absolute path) of every stored text, not of stubs known from citations."""
    store = open_store(db, create=False)
    with store.engine.connect() as conn:
        return sorted(conn.execute(select(DocumentRow.source).where(
            ~DocumentRow.is_stub)).scalars())


def stored_names(db: str) -> list[str]:
    return sorted(s.rsplit("/", 1)[-1] for s in stored_sources(db))


def json_symbols(data: bytes) -> list[str]:
    return [json.loads(line)["symbol"] for line in utf8(data).splitlines()]


# --- FIFOs and devices given on the command line ------------------------------------------
SPECIAL = {
    "fifo": "is a FIFO, not a regular file",
    "dev-zero": "is a character device, not a regular file",
    "dev-null": "is a character device, not a regular file",
    "link-to-dev-zero": "is a symbolic link to /dev/zero, a character device, not a regular "
                        "file",
}


def make_special(kind: str, folder: Path) -> Path:
    """A real FIFO (no writer), a real device node, or a symbolic link to one."""
    if kind == "fifo":
        os.mkfifo(folder / "fifo.txt")
        return folder / "fifo.txt"
    if kind == "link-to-dev-zero":
        (folder / "zero.txt").symlink_to("/dev/zero")
        return folder / "zero.txt"
    return Path("/dev/zero" if kind == "dev-zero" else "/dev/null")


@pytest.mark.parametrize("kind", sorted(SPECIAL))
def test_parse_refuses_fifos_and_devices_in_one_line(tmp_path: Path, kind: str) -> None:
    bad = make_special(kind, tmp_path)
    good = tmp_path / "good.txt"
    good.write_text(resolution(901))
    res = run("parse", bad, good, "--json")
    assert res.returncode == 1, utf8(res.stderr)
    errors = utf8(res.stderr).splitlines()
    assert len(errors) == 1, errors
    assert f"{bad}: {SPECIAL[kind]}" in errors[0]
    assert json_symbols(res.stdout) == ["UNEP/CMS/Resolution 12.901"]


@pytest.mark.parametrize("kind", sorted(SPECIAL))
def test_ingest_refuses_fifos_and_devices_and_stores_the_rest(tmp_path: Path, kind: str
                                                              ) -> None:
    bad = make_special(kind, tmp_path)
    good = tmp_path / "good.txt"
    good.write_text(resolution(902))
    db = str(tmp_path / "corpus.db")
    res = run("ingest", bad, good, "--db", db, "--no-embed")
    assert res.returncode == 1, utf8(res.stdout + res.stderr)
    failed = lines(res.stdout, "failed:")
    assert len(failed) == 1, utf8(res.stdout)
    assert f"{bad}: {SPECIAL[kind]}" in failed[0]
    assert stored_names(db) == ["good.txt"]


READ_ALL = """
import json, sys
from mealink.errors import LoadError
from mealink.load import read_file, load
out = {}
for name in sys.argv[1:]:
    try:
        out[name] = f"read {len(read_file(name))} bytes"
        load(name)
    except LoadError as exc:
        out[name] = str(exc)
print(json.dumps(out))
"""


def test_library_refuses_fifos_and_devices_before_reading(tmp_path: Path) -> None:
    bads = [make_special(kind, tmp_path) for kind in sorted(SPECIAL)]
    res = python(READ_ALL, *bads)
    assert res.returncode == 0, utf8(res.stderr)
    said = json.loads(res.stdout)
    for kind, bad in zip(sorted(SPECIAL), bads, strict=True):
        assert said[str(bad)] == f"{bad}: {SPECIAL[kind]}", said


def test_fifo_with_a_writer_is_refused_too(tmp_path: Path) -> None:
    """A FIFO is refused whether or not someone writes into it: its bytes never become a
    document, and nothing waits for the writer to finish."""
    fifo = tmp_path / "fed.txt"
    os.mkfifo(fifo)
    writer = subprocess.Popen(["sh", "-c", f"yes UNEP/CMS/Resolution > '{fifo}'"],
                              stderr=subprocess.DEVNULL)
    try:
        res = python(READ_ALL, fifo)
    finally:
        writer.kill()
        writer.wait(timeout=TIMEOUT)
    assert res.returncode == 0, utf8(res.stderr)
    assert json.loads(res.stdout)[str(fifo)] == f"{fifo}: {SPECIAL['fifo']}"


def test_max_size_is_enforced_while_reading() -> None:
    """A regular file can hold more than its size says (files of /proc report 0 bytes): the
    limit is checked on the bytes actually read, not only on ``st_size``."""
    proc = Path("/proc/self/status")
    st = os.stat(proc)
    if not stat.S_ISREG(st.st_mode) or st.st_size != 0:
        pytest.skip("no /proc file that says it is empty here")
    assert len(read_file(proc, max_bytes=1_000_000)) > 64
    with pytest.raises(LoadError, match=r"/proc/self/status: is more than .*limit"):
        read_file(proc, max_bytes=64)


def test_special_files_found_in_a_folder_are_skipped_with_a_line(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    os.mkfifo(tmp_path / "in" / "fifo.txt")
    (tmp_path / "in" / "zero.txt").symlink_to("/dev/zero")
    (tmp_path / "in" / "good.txt").write_text(resolution(903))
    res = run("parse", tmp_path / "in", "--json")
    assert res.returncode == 0, utf8(res.stderr)
    assert json_symbols(res.stdout) == ["UNEP/CMS/Resolution 12.903"]
    skipped = utf8(res.stderr).splitlines()
    assert len(skipped) == 2, skipped
    assert f"skipped: {tmp_path}/in/fifo.txt: is a FIFO, not a regular file" in skipped[0]
    assert f"{tmp_path}/in/zero.txt: is a symbolic link to /dev/zero, a character device" in \
        skipped[1]


# --- file names that are not UTF-8 ----------------------------------------------------------
BAD_NAME = b"bad\xff.txt"


def folder_with_a_bad_name(tmp_path: Path) -> Path:
    d = tmp_path / "texts"
    d.mkdir()
    (d / "a.txt").write_text(resolution(904))
    with open(os.fsencode(d) + b"/" + BAD_NAME, "w") as f:
        f.write(resolution(905))
    (d / "c.txt").write_text(resolution(906))
    return d


def test_ingest_stores_a_file_whose_name_is_not_utf8_under_a_printable_name(
        tmp_path: Path) -> None:
    d = folder_with_a_bad_name(tmp_path)
    db = str(tmp_path / "corpus.db")
    res = run("ingest", d, "--db", db, "--no-embed")
    assert res.returncode == 0, (res.stdout + res.stderr).decode("utf-8", "replace")
    for output in (res.stdout, res.stderr):
        utf8(output)  # valid UTF-8, or UnicodeDecodeError
    assert stored_names(db) == ["a.txt", "bad\\xff.txt", "c.txt"]
    again = run("ingest", d, "--db", db, "--no-embed")  # the printable name is its key
    assert again.returncode == 0
    assert stored_names(db) == ["a.txt", "bad\\xff.txt", "c.txt"]


def test_parse_json_of_a_file_whose_name_is_not_utf8_is_valid_utf8(tmp_path: Path) -> None:
    d = folder_with_a_bad_name(tmp_path)
    res = run("parse", os.fsencode(d) + b"/" + BAD_NAME, "--json")
    assert res.returncode == 0, res.stderr.decode("utf-8", "replace")
    doc = json.loads(utf8(res.stdout))
    assert doc["source"] == f"{d}/bad\\xff.txt"
    assert doc["symbol"] == "UNEP/CMS/Resolution 12.905"
    res = run("parse", d, "--json")
    assert res.returncode == 0
    assert json_symbols(res.stdout) == [f"UNEP/CMS/Resolution 12.{n}" for n in (904, 905, 906)]


def test_library_reads_and_stores_a_name_that_is_not_utf8(tmp_path: Path, db_url: str
                                                          ) -> None:
    d = folder_with_a_bad_name(tmp_path)
    names = [s.name for s in iter_sources([d]) if not isinstance(s, Exception)]
    assert names == [f"{d}/a.txt", f"{d}/bad\\xff.txt", f"{d}/c.txt"]
    for name in names:
        name.encode("utf-8")
    summary = ingest(open_store(db_url), [d])
    assert summary.counts()["failed"] == 0, summary.outcomes
    assert summary.counts()["added"] == 3
    assert stored_names(db_url) == ["a.txt", "bad\\xff.txt", "c.txt"]


def test_a_failing_file_with_an_odd_name_is_one_printable_line(tmp_path: Path) -> None:
    """Undecodable bytes and a line break in a name: the refusal is still one line, in
    valid UTF-8, naming the file as ``shown_name`` prints it."""
    d = tmp_path / "texts"
    d.mkdir()
    odd = os.fsencode(d) + b"/emp\xfety\nname.txt"
    with open(odd, "wb"):
        pass  # empty: refused
    (d / "good.txt").write_text(resolution(907))
    shown = f"{d}/emp\\xfety\\nname.txt"
    assert shown_name(os.fsdecode(odd)) == shown
    res = run("parse", d, "--json")
    assert res.returncode == 1
    errors = utf8(res.stderr).splitlines()
    assert len(errors) == 1 and f"{shown}: is empty" in errors[0], errors
    assert json_symbols(res.stdout) == ["UNEP/CMS/Resolution 12.907"]
    db = str(tmp_path / "corpus.db")
    res = run("ingest", d, "--db", db, "--no-embed")
    assert res.returncode == 1
    failed = lines(res.stdout, "failed:")
    assert len(failed) == 1 and f"{shown}: is empty" in failed[0], utf8(res.stdout)
    assert stored_names(db) == ["good.txt"]


def test_names_with_brackets_are_shown_as_they_are(tmp_path: Path) -> None:
    """Square brackets in a name ('res [Rev.COP12].txt') are the name, not terminal
    markup: not dropped, and never a crash."""
    names = ["res [Rev.COP12].txt", "res [red]x.txt", "res [/b].txt"]
    for name in names[:2]:
        (tmp_path / name).write_bytes(b"")
    good = tmp_path / "good.txt"
    good.write_text(resolution(913))
    res = run("parse", *(tmp_path / n for n in names), good, "--json")
    assert res.returncode == 1
    said = utf8(res.stderr).splitlines()
    assert len(said) == 3, said
    for line, name in zip(said, names, strict=True):
        assert f"{tmp_path}/{name}: " in line
    assert json_symbols(res.stdout) == ["UNEP/CMS/Resolution 12.913"]


# --- symbolic links ---------------------------------------------------------------------
def folder_with_links(tmp_path: Path) -> Path:
    """A folder with a good text, a broken link, a link to a folder elsewhere, a link to
    the folder itself (a loop) and a link that points at itself."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "far.txt").write_text(resolution(908))
    d = tmp_path / "texts"
    d.mkdir()
    (d / "good.txt").write_text(resolution(909))
    (d / "broken.txt").symlink_to("gone.txt")
    (d / "linked").symlink_to(elsewhere)
    (d / "loop").symlink_to(".")
    (d / "self.txt").symlink_to("self.txt")
    return d


LINK_SKIPS = {
    "broken.txt": "is a broken symbolic link (to gone.txt)",
    "linked": "is a symbolic link to a folder, not followed",
    "loop": "is a symbolic link to a folder, not followed",
    "self.txt": "is a symbolic link that loops",
}


def test_ingest_says_which_links_it_skipped_and_counts_them(tmp_path: Path) -> None:
    d = folder_with_links(tmp_path)
    db = str(tmp_path / "corpus.db")
    res = run("ingest", d, "--db", db, "--no-embed")
    assert res.returncode == 0, utf8(res.stdout + res.stderr)
    skipped = lines(res.stdout, "skipped:")
    assert len(skipped) == len(LINK_SKIPS), utf8(res.stdout)
    for line, (name, why) in zip(skipped, sorted(LINK_SKIPS.items()), strict=True):
        assert f"skipped: {d}/{name}: {why}" in line
    assert stored_names(db) == ["good.txt"]
    table = utf8(res.stdout)
    assert "skipped" in table.split("skipped:")[0]  # a column of the summary table


def test_library_ingest_counts_skipped_links(tmp_path: Path) -> None:
    d = folder_with_links(tmp_path)
    summary = ingest(open_store(str(tmp_path / "corpus.db")), [d])
    counts = summary.counts()
    assert (counts["added"], counts["skipped"], counts["failed"]) == (1, 4, 0), summary.outcomes
    seen: list[Skipped] = []
    assert [p.name for p in iter_paths([d], on_skip=seen.append)] == ["good.txt"]
    assert [(s.source, s.failed) for s in seen] == [(f"{d}/{n}", False) for n in
                                                     sorted(LINK_SKIPS)]
    errors = [s for s in iter_sources([d]) if isinstance(s, Skipped)]
    assert [e.source for e in errors] == [f"{d}/{n}" for n in sorted(LINK_SKIPS)]


def test_parse_says_which_links_it_skipped(tmp_path: Path) -> None:
    d = folder_with_links(tmp_path)
    res = run("parse", d, "--json")
    assert res.returncode == 0, utf8(res.stderr)
    assert json_symbols(res.stdout) == ["UNEP/CMS/Resolution 12.909"]
    said = utf8(res.stderr).splitlines()
    assert len(said) == len(LINK_SKIPS), said
    for line, (name, why) in zip(said, sorted(LINK_SKIPS.items()), strict=True):
        assert f"skipped: {d}/{name}: {why}" in line


def test_links_given_on_the_command_line_are_followed_or_refused(tmp_path: Path) -> None:
    """Like ``grep -r``: a link named on the command line is followed; a broken one is a
    failure, in one line, and the good file beside it is stored."""
    d = folder_with_links(tmp_path)
    db = str(tmp_path / "corpus.db")
    res = run("ingest", d / "linked", d / "broken.txt", d / "self.txt", d / "good.txt",
              "--db", db, "--no-embed")
    assert res.returncode == 1
    failed = lines(res.stdout, "failed:")
    assert len(failed) == 2, utf8(res.stdout)
    assert f"{d}/broken.txt: is a broken symbolic link (to gone.txt)" in failed[0]
    assert f"{d}/self.txt: is a symbolic link that loops" in failed[1]
    assert stored_names(db) == ["far.txt", "good.txt"]


# --- unreadable folders -----------------------------------------------------------------
@pytest.fixture
def open_tmp() -> Iterator[Path]:
    """A temporary folder another user can enter (pytest's tmp_path is private to root)."""
    d = Path(tempfile.mkdtemp(prefix="mealink-faults-"))
    d.chmod(0o755)
    try:
        yield d
    finally:
        for p in [d, *d.rglob("*")]:
            if p.is_dir() and not p.is_symlink():
                p.chmod(0o755)
        shutil.rmtree(d)


def test_unreadable_folder_is_a_failure_named_in_one_line(open_tmp: Path) -> None:
    """``chmod 000`` on a subfolder. Root reads it anyway, so as root the commands run as
    the unprivileged user ``nobody`` (uid 65534), for whom the folder is really closed."""
    user = None
    if os.geteuid() == 0:
        user = AS_NOBODY
        probe = None if shutil.which("setpriv") is None else subprocess.run(
            [*user, MEALINK, "--help"], capture_output=True, check=False, timeout=TIMEOUT)
        if probe is None or probe.returncode != 0:
            pytest.skip("running as root, which reads every folder, and cannot run mealink as "
                        "uid 65534 (nobody) with setpriv, for whom a chmod 000 folder is closed")
    d = open_tmp / "texts"
    (d / "locked").mkdir(parents=True)
    (d / "good.txt").write_text(resolution(910))
    (d / "locked" / "hidden.txt").write_text(resolution(911))
    (d / "z.txt").write_text(resolution(912))
    if user is not None:
        for p in (open_tmp, d, d / "locked", d / "good.txt", d / "z.txt",
                  d / "locked" / "hidden.txt"):
            os.chown(p, 65534, 65534)
    (d / "locked").chmod(0)
    env = {**os.environ, "HOME": str(open_tmp)}
    db = str(open_tmp / "corpus.db")

    res = run("ingest", d, "--db", db, "--no-embed", user=user, env=env)
    assert res.returncode == 1, utf8(res.stdout + res.stderr)
    failed = lines(res.stdout, "failed:")
    assert len(failed) == 1, utf8(res.stdout)
    assert f"{d}/locked: is a folder that cannot be read (Permission denied)" in failed[0]
    assert stored_names(db) == ["good.txt", "z.txt"]

    res = run("parse", d, "--json", user=user, env=env)
    assert res.returncode == 1
    said = utf8(res.stderr).splitlines()
    assert len(said) == 1 and f"{d}/locked: is a folder that cannot be read" in said[0], said
    assert json_symbols(res.stdout) == ["UNEP/CMS/Resolution 12.910",
                                        "UNEP/CMS/Resolution 12.912"]

    lib = python("import sys; from mealink.load import iter_paths\n"
                 "seen = []\n"
                 "names = [p.name for p in iter_paths(sys.argv[1:], on_skip=seen.append)]\n"
                 "print(names, [(s.source, s.failed) for s in seen])", d, user=user, env=env)
    assert utf8(lib.stdout).strip() == f"['good.txt', 'z.txt'] [('{d}/locked', True)]", \
        utf8(lib.stderr)


def test_a_sidecar_larger_than_a_megabyte_is_refused_in_one_line(tmp_path: Path) -> None:
    """A sidecar holds a few fields: a huge one is refused, not read whole."""
    text = tmp_path / "res.txt"
    text.write_text((EXAMPLES / "cms-res-11.28.txt").read_text(encoding="utf-8"),
                    encoding="utf-8")
    (tmp_path / "res.meta.json").write_text('{"symbol": "' + "x" * 2_000_000 + '"}',
                                            encoding="utf-8")
    with pytest.raises(LoadError, match=r"res\.meta\.json.*larger than 1 MB"):
        load(text)
