"""Load: from a file (or bytes) to clean text ready to parse.

``load(path)`` reads one file, picks the extractor for its format (``formats``) and repairs
the text (``clean``); ``iter_sources(paths)`` expands directories and yields one ``Source``
or one ``LoadError`` per file, so a batch goes on past a bad file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path

from mealink.errors import LoadError, MealinkError
from mealink.load.clean import clean_text
from mealink.load.formats import DEFAULT_MAX_BYTES, SUPPORTED_SUFFIXES, extract_text
from mealink.load.meta import front_matter, read_sidecar
from mealink.models import Source

__all__ = ["DEFAULT_MAX_BYTES", "SUPPORTED_SUFFIXES", "clean_text", "iter_paths", "iter_sources",
           "load", "load_bytes", "read_file"]


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


def read_file(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> bytes:
    """The bytes of one file, refused before reading when it is a folder or too large."""
    p = Path(path)
    name = str(path)
    if p.is_dir():
        raise LoadError("is a directory; use iter_sources() or pass its files", source=name)
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise LoadError(f"cannot be read: {exc.strerror or exc}", source=name) from None
    if size > max_bytes:
        raise LoadError(
            f"is {size / 1e6:.1f} MB, more than the {max_bytes / 1e6:.0f} MB limit for one "
            "document (raise it with --max-size if this really is one resolution)",
            source=name,
        )
    try:
        return p.read_bytes()
    except OSError as exc:
        raise LoadError(f"cannot be read: {exc.strerror or exc}", source=name) from None


def load(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES) -> Source:
    """Read one file and return its repaired text, with what its front matter or its
    sidecar ``NAME.meta.json`` say of it (the sidecar wins)."""
    src = load_bytes(read_file(path, max_bytes=max_bytes), str(path), max_bytes=max_bytes)
    side = read_sidecar(Path(path))
    return replace(src, meta={**src.meta, **side}) if side else src


def _is_folder_documentation(path: Path) -> bool:
    """README.*, and Markdown files named in capital letters (SEEDS.md, CHANGELOG.md): by
    convention they describe the folder they are in."""
    stem = path.name.split(".", 1)[0]
    return stem.lower().startswith("readme") or (
        path.suffix.lower() == ".md" and stem.isalpha() and stem.isupper())


def iter_paths(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Yield files in the given order; a directory yields its supported files, sorted,
    leaving out a folder's own documentation (README.md, SEEDS.md: names in capitals), gold
    annotation files (``NAME.gold.json`` beside ``NAME.txt``: annotations of a text, not a
    text) and sidecars (``NAME.meta.json``: what is known of a text, not a text)."""
    for path in paths:
        p = Path(path)
        if p.is_dir():
            for child in sorted(p.rglob("*")):
                if child.is_file() and child.suffix.lower() in SUPPORTED_SUFFIXES and \
                        not _is_folder_documentation(child) and \
                        not child.name.lower().endswith((".gold.json", ".meta.json")):
                    yield child
        else:
            yield p


def iter_sources(
    paths: Iterable[str | Path], *, max_bytes: int = DEFAULT_MAX_BYTES
) -> Iterator[Source | MealinkError]:
    """Load every file under ``paths``; a file that fails yields its error instead."""
    for p in iter_paths(paths):
        try:
            yield load(p, max_bytes=max_bytes)
        except MealinkError as exc:
            yield exc
