"""The half of ingest that asks the database nothing: a file read, parsed, annotated and
made into its rows. ``ingest`` runs it in worker processes while it writes (issue 18:
parsing was two fifths of ingest, storing the rest), and calls the same functions itself
when it parses in its own process.

A worker cannot ask the store whether a text is stored already, nor whether a title or a
file name identifies a text the store holds: the writer asks the first before it writes,
as it does for a file it parses itself; for a text that the second question could change
(``may_be_identified``) the worker sends the parsed text too, and the writer asks and makes
the rows again when the answer changed who the text is, so that what is stored is what a
serial ingest stores.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from mealink.errors import MealinkError
from mealink.findings.parse import findings_source, looks_like_findings, parse_findings
from mealink.findings.rules import Assessment
from mealink.interop import read_document, sniff_format
from mealink.interop.informea import read_records
from mealink.link.lineage import document_links
from mealink.load import read_file, shown_name
from mealink.load.meta import read_sidecar
from mealink.models import Document
from mealink.pipeline import parse_source
from mealink.store.corpus.records import DocumentRecord, document_record
from mealink.version import __version__

__all__ = ["PARSER_VERSION", "WEAK", "ParseFailure", "Prepared", "digest", "may_be_identified",
           "now", "parse_bytes", "prepare", "prepare_many", "source_key"]

PARSER_VERSION = __version__

#: how a text identified only by a guess says so (``Document.identified_by``)
WEAK = ("its file name", "its title")


def now() -> datetime:
    """The time stored with a row, in UTC without a zone."""
    return datetime.now(UTC).replace(tzinfo=None)


def source_key(path: Path) -> str:
    """Files are known by their absolute path, so the same file named two ways is one; a
    name that is not UTF-8 is kept as ``shown_name`` prints it (the database takes text)."""
    return shown_name(path.resolve())


def digest(data: bytes, meta: dict[str, str]) -> str:
    """The SHA-256 of the bytes, and of what is known of them from outside when anything is
    (a changed sidecar is a changed input)."""
    h = hashlib.sha256(data)
    if meta:
        h.update(b"\x00" + json.dumps(meta, sort_keys=True).encode("utf-8"))
    return h.hexdigest()


def parse_bytes(data: bytes, shown: str, meta: dict[str, str]
                ) -> tuple[Document | Assessment, str]:
    """An input's bytes parsed: an annotated decision, or an assessment's findings (a list
    of findings stays raw), with the format it was read as; ``MealinkError`` when neither."""
    fmt = sniff_format(data)
    if fmt != "text":  # Akoma Ntoso, an InforMEA record
        return read_document(data, shown), fmt
    src = findings_source(data, shown)
    if looks_like_findings(src):
        return parse_findings(src), fmt
    if meta:
        src = replace(src, meta={**src.meta, **meta})
    return parse_source(src), src.format


def may_be_identified(doc: Document) -> bool:
    """Whether what the store holds could change who ``doc`` is: a text without a symbol
    whose title may be one a stored text cites, or one identified only by a guess that a
    stored text may contradict (``identify.py``)."""
    if not doc.symbol:
        return bool(doc.title) and len((doc.title or "").split()) >= 3
    return (doc.identified_by or "").startswith(WEAK)


@dataclass(frozen=True, slots=True)
class ParseFailure:
    """Why a file could not be parsed (said only if it is not stored already)."""

    message: str


@dataclass(frozen=True, slots=True)
class Prepared:
    """One file as a worker leaves it for the writer. ``failed``: it could not be read (the
    line to say). Else ``parsed`` is its rows, its findings, why it could not be parsed, or
    None when the writer must read it itself (an InforMEA file of records); ``who`` is,
    when the store may identify the text, who it is (``identity``; its rows then assume the
    store does not: the writer parses the bytes again in the rare case it does)."""

    path: str
    shown: str
    failed: str | None = None
    data: bytes = b""
    meta: dict[str, str] | None = None
    key: str = ""
    digest: str = ""
    fmt: str = ""
    parsed: DocumentRecord | Assessment | ParseFailure | None = None
    who: Document | None = None


def identity(doc: Document) -> Document:
    """``doc`` without its text and paragraphs: what the store is asked of who it is, handed
    from a worker to the writer (the whole document cost the writer about half its time
    taking the workers' results back)."""
    return replace(doc, text="", paragraphs=[], header=[], footnotes=[], annexes=[],
                   apparatus=[], informea=None)


def prepare(path: str, max_bytes: int) -> Prepared:
    """Read, parse, annotate and make the rows of one file, asking the store nothing."""
    p = Path(path)
    shown = shown_name(path)
    try:
        data = read_file(p, max_bytes=max_bytes)
        meta = read_sidecar(p)
        records = read_records(data, shown)  # None unless InforMEA JSON
    except MealinkError as exc:
        return Prepared(path, shown, failed=str(exc))
    key, dig = source_key(p), digest(data, meta)
    if records is not None:
        return Prepared(path, shown)
    try:
        parsed, fmt = parse_bytes(data, shown, meta)
    except MealinkError as exc:
        return Prepared(path, shown, None, data, meta, key, dig, "", ParseFailure(str(exc)))
    if isinstance(parsed, Document):
        return Prepared(path, shown, None, data, meta, key, dig, fmt, document_record(
            parsed, document_links(parsed), source=key, content_hash=dig,
            parser_version=PARSER_VERSION, now=now()),
            identity(parsed) if may_be_identified(parsed) else None)
    return Prepared(path, shown, None, data, meta, key, dig, fmt, parsed)


def prepare_many(paths: list[str], max_bytes: int) -> list[Prepared]:
    """``prepare`` of each of ``paths``: one task for a worker process, one result to hand
    back (a task a file cost the writer's process about as much again as taking the
    results back)."""
    return [prepare(p, max_bytes) for p in paths]
