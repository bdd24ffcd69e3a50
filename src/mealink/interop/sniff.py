"""One entry point from kept bytes to an annotated document, whatever standard they are in:
an Akoma Ntoso file, one InforMEA decision record, or any text ``load`` reads.

Ingest calls it on a file (or on each record of an InforMEA file), export on the bytes the
store kept, so a document is always rebuilt the way it was first read.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

from mealink.errors import LoadError, MealinkError
from mealink.interop.akn_read import is_akn, read_akn
from mealink.interop.informea import (
    fill_from_record,
    may_hold_records,
    mealink_said,
    read_records,
    record_language_text,
    split_records,
)
from mealink.load import (
    DEFAULT_MAX_BYTES,
    clean_text,
    iter_paths,
    load_bytes,
    read_file,
    shown_name,
)
from mealink.load.meta import read_sidecar
from mealink.models import Document, Source
from mealink.pipeline import parse_source
from mealink.serialize import document_to_dict
from mealink.workers import in_order

__all__ = ["file_documents", "files_read", "iter_documents", "read_document", "sniff_format"]

_BLOCK_MARKUP = re.compile(r"<(?:p|div|br|li|ul|ol|table|tr|h[1-6]|blockquote)\b[^<>]*>", re.I)


def sniff_format(data: bytes) -> str:
    """'akn', 'informea' or 'text' (anything ``load`` reads), from a look at the bytes
    (``split_records`` then reads the JSON, once)."""
    if is_akn(data):
        return "akn"
    if may_hold_records(data):
        return "informea"
    return "text"


def _contents_source(content: str, name: str, max_bytes: int) -> Source:
    """A record's text, read as HTML when it holds block markup (InforMEA gives both) and
    named by the record, not by anything its id looks like."""
    as_html = _BLOCK_MARKUP.search(content) is not None
    try:
        src = load_bytes(content.encode("utf-8"), "contents.html" if as_html else
                         "contents.txt", max_bytes=max_bytes)
    except MealinkError as exc:
        raise LoadError(exc.message, source=name) from None
    return Source(name, src.format, src.text)


def _parse(src: Source) -> Document:
    return parse_source(src)


def _record_document(record: dict[str, Any], name: str, max_bytes: int) -> Document:
    """The document an InforMEA record holds: its English text parsed, the rest filled in
    from the record. A record mealink wrote names the text as mealink knew it (its
    extension's symbol and convention): where the text says otherwise or nothing, that
    is what it is known as, as if given with the text."""
    content = record_language_text(record, "contents")
    if content is None or not content[1].strip():
        raise LoadError(f"InforMEA record {record.get('id')!r} has no text in 'contents'",
                        source=name)
    src = _contents_source(content[1], name, max_bytes)
    doc = _parse(src)
    said = {k: v for k, v in mealink_said(record).items()
            if k in ("symbol", "convention") and getattr(doc, k) != v}
    if said:
        doc = _parse(replace(src, meta={**said, "from": "mealink's record of it (the "
                                                        "'mealink' key of its InforMEA record)"}))
    return fill_from_record(doc, record)


def read_document(data: bytes, name: str, *, max_bytes: int = DEFAULT_MAX_BYTES,
                  known: Mapping[str, str] | None = None) -> Document:
    """The annotated document ``data`` holds; one ``MealinkError`` naming ``name`` if none.
    ``known`` is what is known of a text from outside it (a sidecar, ``ingest --as``)."""
    fmt = sniff_format(data)
    if fmt == "akn":
        got = read_akn(data, name)
        if isinstance(got, Document):
            return got
        return got.fill(_parse(Source(name, "akn", clean_text(got.text))))
    records = split_records(data, name) if fmt == "informea" else None
    if records is None:  # any text load reads (JSON naming a treaty included)
        src = load_bytes(data, name, max_bytes=max_bytes)
        return _parse(replace(src, meta={**src.meta, **known}) if known else src)
    if len(records) != 1:
        raise LoadError(f"holds {len(records)} InforMEA records; ingest stores each as its "
                        "own document", source=name)
    return _record_document(records[0], name, max_bytes)


def _documents_of(name: str, data: bytes, max_bytes: int, known: Mapping[str, str]
                  ) -> Iterator[tuple[str, Document | MealinkError]]:
    records = read_records(data, name)
    if records is None:
        yield name, read_document(data, name, max_bytes=max_bytes, known=known)
        return
    bad = {p.index: p for p in records.problems}
    good = dict(records.records)
    for n in range(1, records.total + 1):  # each record of an InforMEA file is its own document
        if n in bad:
            yield f"{name}#{bad[n].id}", LoadError(str(bad[n]), source=name)
            continue
        rname = f"{name}#{good[n].get('id')}"
        try:
            yield rname, _record_document(good[n], rname, max_bytes)
        except MealinkError as exc:
            yield rname, exc


def file_documents(path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES
                   ) -> list[tuple[str, Document | MealinkError]]:
    """The documents one file holds (each InforMEA record apart), named; one that cannot be
    read is its error instead, and the others are still read."""
    name = shown_name(path)
    try:
        return list(_documents_of(name, read_file(path, max_bytes=max_bytes), max_bytes,
                                  read_sidecar(Path(path))))
    except MealinkError as exc:
        return [(name, exc)]


def iter_documents(paths: Iterable[str | Path], *, max_bytes: int = DEFAULT_MAX_BYTES
                   ) -> Iterator[tuple[str, Document | MealinkError]]:
    """Every document under ``paths`` (folders recursively), as ``file_documents`` gives."""
    for p in iter_paths(paths):
        yield from file_documents(p, max_bytes=max_bytes)


#: a document read from a file: as such, as its JSON line, or why it could not be read
Read = Document | str | MealinkError


def _file_read(path: str, max_bytes: int, as_json: bool) -> list[tuple[str, Read]]:
    """``file_documents`` of one file, each document as its JSON line when ``as_json``; a
    bug met on the file is its one-line error (``MEALINK_DEBUG=1``: raised), so that the
    files after it are still read."""
    try:
        found = file_documents(path, max_bytes=max_bytes)
    except Exception as exc:
        if os.environ.get("MEALINK_DEBUG") == "1":
            raise
        return [(shown_name(path), MealinkError(
            f"internal error ({type(exc).__name__}: {exc}); please report it with this file "
            "(MEALINK_DEBUG=1 shows the traceback)", source=shown_name(path)))]
    if not as_json:
        return list(found)
    return [(name, doc if isinstance(doc, MealinkError) else
             json.dumps(document_to_dict(doc), ensure_ascii=False)) for name, doc in found]


def _files_read(paths: list[str], max_bytes: int, as_json: bool) -> list[list[tuple[str, Read]]]:
    """``_file_read`` of each of ``paths``: one task for a worker process."""
    return [_file_read(p, max_bytes, as_json) for p in paths]


def files_read(paths: Sequence[str | Path], *, max_bytes: int = DEFAULT_MAX_BYTES,
               workers: int = 1, as_json: bool = False
               ) -> Iterator[tuple[str, list[tuple[str, Read]]]]:
    """The documents of each file of ``paths`` (as ``file_documents`` names them), in the
    order given, read by ``workers`` processes (1: this one). With ``as_json`` each document
    comes as its JSON line (``document_to_dict``), made by the worker that read it."""
    names = [str(p) for p in paths]
    if workers <= 1 or len(names) < 2:
        for name in names:
            yield name, _file_read(name, max_bytes, as_json)
        return
    yield from in_order(names, partial(_files_read, max_bytes=max_bytes, as_json=as_json),
                        workers, broken=_broken, preload=["mealink.interop.sniff"])


def _broken(path: str) -> MealinkError:
    """A worker killed or out of memory: not the file's fault."""
    return MealinkError(f"{shown_name(path)}: the process reading it stopped before it "
                        "finished; the files before it are done, the others not; run again "
                        "(with --jobs 1 to read in one process)")
