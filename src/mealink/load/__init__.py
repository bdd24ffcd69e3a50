"""Load: from a file (or bytes) to clean text ready to parse.

``load(path)`` reads one file, picks the extractor for its format (``formats``) and repairs
the text (``clean``); ``iter_sources(paths)`` expands directories and yields one ``Source``
or one ``LoadError`` per file, so a batch goes on past a bad file. Only regular files are
read; names are shown printably (``shown_name``) whatever bytes they hold.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path

from mealink.choices import DEFAULT_MAX_BYTES
from mealink.errors import LoadError, MealinkError
from mealink.load.clean import clean_text
from mealink.load.formats import (
    SUPPORTED_SUFFIXES,
    _over_limit,
    _size,
    extract_text,
)
from mealink.load.meta import front_matter, read_sidecar
from mealink.models import Source

__all__ = ["DEFAULT_MAX_BYTES", "SUPPORTED_SUFFIXES", "Skipped", "clean_text", "iter_paths",
           "iter_sources", "load", "load_bytes", "read_file", "shown_name"]


def load_bytes(data: bytes, name: str, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Source:
    """Extract and repair the text of one input given as bytes; ``name`` is used in errors.
    Front matter at the top of a text or Markdown file becomes ``Source.meta``."""
    raw, fmt = extract_text(data, name, max_bytes=max_bytes)
    meta: dict[str, str] = {}
    if fmt in ("txt", "md"):
        meta, raw = front_matter(raw, name)
    text = clean_text(raw, fmt)
    if not text.strip():
        raise LoadError("no text left after extraction and repair", source=name)
    return Source(name=name, format=fmt, text=text, meta=meta)


def shown_name(path: str | Path) -> str:
    """The name of a file as messages, JSON and the store show it: always printable UTF-8 on
    one line. Bytes that are not UTF-8 appear as ``\\xff`` (as ``os.fsdecode`` and the
    ``backslashreplace`` handler write them), control characters as ``\\n``, ``\\x1b``."""
    name = os.fsencode(path).decode("utf-8", "backslashreplace")
    return _UNPRINTABLE.sub(_escape, name)


_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def _escape(m: re.Match[str]) -> str:
    return repr(m.group())[1:-1]


_KINDS = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _not_regular(path: str | Path, mode: int) -> str:
    """'is a FIFO, not a regular file'; through a link, 'is a symbolic link to /dev/zero, a
    character device, not a regular file'."""
    kind = next((k for test, k in _KINDS if test(mode)), "something")
    if os.path.islink(path):
        return (f"is a symbolic link to {shown_name(os.path.realpath(path))}, {kind}, not a "
                "regular file")
    return f"is {kind}, not a regular file"


def _unreachable(path: str | Path, exc: OSError) -> str:
    """Why ``os.stat`` failed, said of what the user named: a broken or looping link is not
    'no such file'."""
    if exc.errno == errno.ELOOP:
        return "is a symbolic link that loops (it leads back to itself)"
    if exc.errno == errno.ENOENT and os.path.islink(path):
        return f"is a broken symbolic link (to {shown_name(os.readlink(path))})"
    return f"cannot be read: {exc.strerror or exc}"


_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | \
    getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)  # the last three where they exist


def read_file(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The bytes of one regular file. A folder, a FIFO, a device, a broken link, or a file
    over ``max_bytes`` is refused in one line: what it is is checked before it is opened (a
    FIFO would wait for a writer, ``/dev/zero`` never ends), checked again on the open file
    (it may have been replaced in between), and the limit is enforced on the bytes read, not
    only on the size the file claims (files of /proc claim 0)."""
    name = shown_name(path)
    try:
        st = os.stat(path)
    except OSError as exc:
        raise LoadError(_unreachable(path, exc), source=name) from None
    if stat.S_ISDIR(st.st_mode):
        raise LoadError("is a directory; use iter_sources() or pass its files", source=name)
    if not stat.S_ISREG(st.st_mode):
        raise LoadError(_not_regular(path, st.st_mode), source=name)
    if st.st_size > max_bytes:
        raise LoadError(f"is {_size(st.st_size)}, {_over_limit(max_bytes)}", source=name)
    try:  # O_NONBLOCK: should a FIFO take the file's place now, opening it does not wait
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        raise LoadError(f"cannot be read: {exc.strerror or exc}", source=name) from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise LoadError(_not_regular(path, mode), source=name)
        chunks, got = [], 0
        while chunk := os.read(fd, min(max(st.st_size + 1, 1 << 16), max_bytes + 1 - got)):
            chunks.append(chunk)
            got += len(chunk)
            if got > max_bytes:
                raise LoadError(f"is {_over_limit(max_bytes)}", source=name)
        return b"".join(chunks)
    except OSError as exc:
        raise LoadError(f"cannot be read: {exc.strerror or exc}", source=name) from None
    finally:
        os.close(fd)


def load(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Source:
    """Read one file and return its repaired text, with what its front matter or its
    sidecar ``NAME.meta.json`` say of it (the sidecar wins)."""
    src = load_bytes(read_file(path, max_bytes=max_bytes), shown_name(path),
                     max_bytes=max_bytes)
    side = read_sidecar(Path(path))
    return replace(src, meta={**src.meta, **side}) if side else src


def _is_folder_documentation(path: Path) -> bool:
    """README.*, and Markdown files named in capital letters (SEEDS.md, CHANGELOG.md): by
    convention they describe the folder they are in."""
    stem = path.name.split(".", 1)[0]
    return stem.lower().startswith("readme") or (
        path.suffix.lower() == ".md" and stem.isalpha() and stem.isupper())


class Skipped(LoadError):
    """Something met in a folder that was not read: a broken or looping symbolic link, a
    symbolic link to a folder (not followed), a FIFO, device or socket, or a folder that
    cannot be read. ``failed`` is True for the last: texts in it may have been missed, which
    is a failure, not a choice."""

    def __init__(self, message: str, *, source: str, failed: bool = False) -> None:
        super().__init__(message, source=source)
        self.failed = failed


def _wanted(path: Path) -> bool:
    """Whether a file met in a folder is one to read: a supported suffix, and not the
    folder's documentation, a gold annotation file or a sidecar."""
    return path.suffix.lower() in SUPPORTED_SUFFIXES and not _is_folder_documentation(path) \
        and not path.name.lower().endswith((".gold.json", ".meta.json"))


def _walk(folder: Path, on_skip: Callable[[Skipped], None]) -> Iterator[Path]:
    """The files to read under ``folder``, depth first, each folder's entries sorted by name
    (the order of ``sorted(folder.rglob("*"))``). Symbolic links to files are read; links to
    folders are not followed, so that no link can make the walk loop or read a text twice."""
    stack = [iter(_entries(folder, on_skip))]
    while stack:
        path = next(stack[-1], None)
        if path is None:
            stack.pop()
            continue
        kind = _kind(path, on_skip)
        if kind == "folder":
            stack.append(iter(_entries(path, on_skip)))
        elif kind == "file":
            yield path


def _entries(folder: Path, on_skip: Callable[[Skipped], None]) -> list[Path]:
    """What a folder holds, sorted by name; nothing, and a failed ``Skipped``, when it cannot
    be read."""
    try:
        with os.scandir(folder) as it:
            return sorted((Path(e.path) for e in it), key=lambda p: p.name)
    except OSError as exc:
        on_skip(Skipped(f"is a folder that cannot be read ({exc.strerror or exc}); the texts "
                        "in it were not read", source=shown_name(folder), failed=True))
        return []


def _kind(path: Path, on_skip: Callable[[Skipped], None]) -> str | None:
    """"folder" to walk into, "file" to read, or None: passed over in silence (another
    suffix, a README) or, when it would have been read, reported to ``on_skip``."""
    try:
        lst = os.lstat(path)
        if stat.S_ISDIR(lst.st_mode):
            return "folder"
        link = stat.S_ISLNK(lst.st_mode)
        st = os.stat(path) if link else lst
    except OSError as exc:
        if _wanted(path):
            on_skip(Skipped(_unreachable(path, exc), source=shown_name(path)))
        return None
    if link and stat.S_ISDIR(st.st_mode):
        on_skip(Skipped("is a symbolic link to a folder, not followed (so that no link makes "
                        "the walk loop or read a text twice; name it on the command line to "
                        "read it)", source=shown_name(path)))
    elif _wanted(path):
        if stat.S_ISREG(st.st_mode):
            return "file"
        on_skip(Skipped(_not_regular(path, st.st_mode), source=shown_name(path)))
    return None


def _ignore(skipped: Skipped) -> None:
    """The default ``on_skip``: say nothing."""


def iter_paths(paths: Iterable[str | Path], *,
               on_skip: Callable[[Skipped], None] | None = None) -> Iterator[Path]:
    """Yield files in the given order; a directory yields its supported files, sorted,
    leaving out a folder's own documentation (README.md, SEEDS.md: names in capitals), gold
    annotation files (``NAME.gold.json`` beside ``NAME.txt``: annotations of a text, not a
    text) and sidecars (``NAME.meta.json``: what is known of a text, not a text).

    A path named here is yielded as it is, whatever it is (``read_file`` says what is wrong
    with it), and a link to a folder named here is followed, as ``grep -r`` does. What a
    folder holds that would have been read but is not a regular file or a reachable folder
    is passed to ``on_skip`` as a ``Skipped``, one per entry, and the walk goes on."""
    for path in paths:
        p = Path(path)
        if p.is_dir():
            yield from _walk(p, on_skip or _ignore)
        else:
            yield p


def iter_sources(
    paths: Iterable[str | Path], *, max_bytes: int = DEFAULT_MAX_BYTES
) -> Iterator[Source | MealinkError]:
    """Load every file under ``paths``; a file that fails yields its error instead, and
    what a folder holds that is skipped yields its ``Skipped``."""
    skipped: list[Skipped] = []
    for p in iter_paths(paths, on_skip=skipped.append):
        yield from skipped
        skipped.clear()
        try:
            yield load(p, max_bytes=max_bytes)
        except MealinkError as exc:
            yield exc
    yield from skipped
