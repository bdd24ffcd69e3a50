"""InforMEA decision records: read them as documents, write stored documents as records.

The record is the common schema InforMEA's member conventions publish (id, link, number,
status, type, treaty, published, updated, meetingId, meetingTitle, meetingUrl, titles,
longTitles, summaries, contents, keywords, files). mealink adds what InforMEA lacks under
one extension key, ``mealink`` (paragraphs, actors, lineage, per-paragraph status; see the
README). A record read in is kept whole, so writing it out gives every field back.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from mealink.errors import LoadError
from mealink.interop.frbr import interop_rules
from mealink.models import Document

__all__ = ["EXTENSION", "RECORD_FIELDS", "RecordProblem", "Records", "base_record",
           "kept_record", "may_hold_records", "mealink_said", "read_records",
           "record_language_text", "record_problem", "split_records", "treaty_of"]

#: The fields of an InforMEA decision record, in the order mealink writes them.
RECORD_FIELDS = ("id", "link", "number", "status", "type", "treaty", "published", "updated",
                 "meetingId", "meetingTitle", "meetingUrl", "titles", "longTitles",
                 "summaries", "contents", "keywords", "files")
#: The key of mealink's extension in a record.
EXTENSION = "mealink"
#: Fields holding a list of objects; the first four of {"language": ..., "value": ...}.
_LISTS = ("titles", "longTitles", "summaries", "contents", "keywords", "files")
_LANGUAGE_LISTS = ("titles", "longTitles", "summaries", "contents")
#: Fields holding a string or null.
_SCALARS = ("link", "number", "status", "type", "published", "updated", "meetingId",
            "meetingTitle", "meetingUrl")
#: What of the extension names the text when a record mealink wrote is read back in.
_SAID = ("symbol", "convention", "source")


def _is_record(obj: Any) -> bool:
    """Whether ``obj`` is meant as a decision record: an object naming a treaty and holding
    an id, a text or a title (a bad one is still one, to be named)."""
    return isinstance(obj, dict) and "treaty" in obj and (
        "id" in obj or "contents" in obj or "titles" in obj)


def _kind(value: Any) -> str:
    """The JSON kind of a value, as a message names it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "a list" if isinstance(value, list) else "an object"


def _record_id(obj: Any) -> str | None:
    """The id a record is named by: a non-empty string or an integer, else None."""
    rid = obj.get("id") if isinstance(obj, dict) else None
    if isinstance(rid, str) and rid.strip():
        return rid
    if isinstance(rid, int) and not isinstance(rid, bool):
        return str(rid)
    return None


def _language_item_problem(key: str, n: int, item: dict[str, Any]) -> str | None:
    if "value" not in item:
        return f"'{key}' item {n} has no 'value'"
    for name in ("value", "language", "lang"):
        if name in item and not isinstance(item[name], str) and (
                name == "value" or item[name] is not None):
            return f"'{key}' item {n}: '{name}' is not a string but {_kind(item[name])}"
    return None


def _list_problem(key: str, items: Any) -> str | None:
    if not isinstance(items, list):
        return f"'{key}' is not a list but {_kind(items)}"
    for n, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            return f"'{key}' item {n} is not an object but {_kind(item)}"
        if key in _LANGUAGE_LISTS:
            problem = _language_item_problem(key, n, item)
            if problem:
                return problem
    return None


def record_problem(obj: Any) -> str | None:
    """What is wrong with one record of an InforMEA file, in a few words ("'titles' is not
    a list but a string"); None for a record mealink can read."""
    if not isinstance(obj, dict):
        return f"is not an object but {_kind(obj)}"
    for key in ("id", "treaty", "contents"):
        if key not in obj:
            return f"'{key}' is missing"
    rid = obj["id"]
    if not isinstance(rid, str | int) or isinstance(rid, bool):
        return f"'id' is not a string but {_kind(rid)}"
    if isinstance(rid, str) and not rid.strip():
        return "'id' is empty"
    treaty = obj["treaty"]  # null: a body InforMEA names no treaty for (IPBES)
    if treaty is not None and not isinstance(treaty, str):
        return f"'treaty' is not a string but {_kind(treaty)}"
    if treaty is not None and not treaty.strip():
        return "'treaty' is empty"
    for key in _SCALARS:
        if obj.get(key) is not None and not isinstance(obj[key], str):
            return f"'{key}' is not a string but {_kind(obj[key])}"
    for key in _LISTS:
        problem = _list_problem(key, obj[key]) if key in obj else None
        if problem:
            return problem
    text = record_language_text(obj, "contents")
    if text is None or not text[1].strip():
        return "'contents' holds no text"
    ext = {} if obj.get(EXTENSION) is None else obj[EXTENSION]
    if not isinstance(ext, dict):
        return f"'{EXTENSION}' is not an object but {_kind(ext)}"
    for key in _SAID:
        if ext.get(key) is not None and not isinstance(ext[key], str):
            return f"'{EXTENSION}': '{key}' is not a string but {_kind(ext[key])}"
    return None


@dataclass(frozen=True, slots=True)
class RecordProblem:
    """One record of an InforMEA file that cannot be read: its place (from 1), its id when
    it has one, and what is wrong."""

    index: int
    id: str | None
    reason: str

    def __str__(self) -> str:
        named = f" (id {self.id})" if self.id is not None else ""
        return f"record {self.index}{named}: {self.reason}"


@dataclass(slots=True)
class Records:
    """The records of an InforMEA file: the good ones with their place (from 1), and a
    problem for each bad one, so that one bad record never costs the others."""

    total: int
    records: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    problems: list[RecordProblem] = field(default_factory=list)


def may_hold_records(data: bytes) -> bool:
    """Whether ``data`` can be InforMEA records (JSON naming a treaty), from a look at the
    bytes: other files are never parsed as JSON for it."""
    return data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[") and b'"treaty"' in data


def _items(obj: Any, name: str) -> list[Any] | None:
    """The items of a file's JSON that are meant as records (a record, a list of them, an
    OData answer ``{"value": [...]}``); None when none is; one line when they are there
    but wrongly wrapped."""
    if isinstance(obj, dict) and "value" in obj and not _is_record(obj):
        value = obj["value"]
        if not isinstance(value, list):
            if _is_record(value):
                raise LoadError(f"'value' is not a list of records but {_kind(value)}; an "
                                "OData answer gives its records as a list", source=name)
            return None
        obj = value
    items = obj if isinstance(obj, list) else [obj]
    if any(_is_record(r) for r in items):
        return items
    if any(isinstance(r, list) and any(_is_record(x) for x in r) for r in items):
        raise LoadError("holds InforMEA records in a list inside the list; give one list of "
                        "records", source=name)
    return None


def read_records(data: bytes, name: str) -> Records | None:
    """The decision records of an InforMEA JSON file, each bad one named instead of read;
    None when the file is not such JSON (it is read as text then). A ``LoadError`` only
    when records are there but wrapped so that none can be read."""
    if not may_hold_records(data):
        return None
    try:
        obj = json.loads(data.decode("utf-8-sig"))
    except RecursionError:  # not read as text either: its records would run together
        raise LoadError("nests its JSON too deeply to be read (a list or object inside "
                        "another hundreds of times)", source=name) from None
    except (UnicodeDecodeError, ValueError):
        return None
    items = _items(obj, name)
    if items is None:
        return None
    out = Records(total=len(items))
    first: dict[str, int] = {}
    for n, item in enumerate(items, start=1):
        reason = record_problem(item)
        rid = _record_id(item)
        if reason is None and rid is not None and rid in first:
            reason = f"the same id as record {first[rid]}; ids name the records of a file"
        if reason is not None:
            out.problems.append(RecordProblem(n, rid, reason))
            continue
        first[str(rid)] = n
        out.records.append((n, item))
    return out


def split_records(data: bytes, name: str) -> list[dict[str, Any]] | None:
    """The decision records of an InforMEA JSON file (a record, a list of them, or an OData
    answer ``{"value": [...]}``); None when the file is not such JSON; a ``LoadError``
    naming the first bad record (``read_records`` reads past it)."""
    got = read_records(data, name)
    if got is None:
        return None
    if got.problems:
        raise LoadError(str(got.problems[0]), source=name)
    return [r for _, r in got.records]


def mealink_said(record: dict[str, Any]) -> dict[str, str]:
    """What the ``mealink`` extension of a record mealink wrote says of the text beyond the
    record's own fields: its symbol, convention and the name it was first read under (a
    symbol given at ingest or by a file name, which the text itself may not print)."""
    ext = record.get(EXTENSION)
    if not isinstance(ext, dict):
        return {}
    return {k: ext[k] for k in _SAID if isinstance(ext.get(k), str) and ext[k].strip()}


def kept_record(record: dict[str, Any]) -> dict[str, Any]:
    """The record as the store keeps it: what InforMEA published, and of mealink's
    extension only what names the text (``mealink_said``), so that reading it back gives
    the same document."""
    said = mealink_said(record)
    return base_record(record) | ({EXTENSION: said} if said else {})


def base_record(record: dict[str, Any]) -> dict[str, Any]:
    """The record without mealink's extension: what InforMEA published."""
    return {k: v for k, v in record.items() if k != EXTENSION}


def _language_values(items: Any) -> list[tuple[str, str]]:
    out = []
    for it in items or []:
        if isinstance(it, dict) and isinstance(it.get("value"), str):
            out.append((str(it.get("language") or it.get("lang") or ""), it["value"]))
    return out


def record_language_text(record: dict[str, Any], key: str) -> tuple[str, str] | None:
    """(language, value) of a multilingual field, English first."""
    values = _language_values(record.get(key))
    english = [v for v in values if v[0].lower()[:2] == "en"]
    found = english or values
    return found[0] if found else None


def treaty_of(convention: str | None) -> str | None:
    """InforMEA's treaty name of a mealink convention."""
    treaties: dict[str, str] = interop_rules()["informea"]["treaties"]
    return treaties.get(convention or "")


def convention_of(treaty: str | None) -> str | None:
    """The mealink convention of an InforMEA treaty name."""
    for conv, name in interop_rules()["informea"]["treaties"].items():
        if name == (treaty or "").lower():
            return str(conv)
    return None


def fill_from_record(doc: Document, record: dict[str, Any]) -> Document:
    """What the record says and the parse could not find: convention, number, title, the
    adoption; then the record kept whole on the document."""
    doc.informea = base_record(record)
    source = mealink_said(record).get("source")
    if source:  # the name it was first read under, which names a text without title
        doc.source = source
    if doc.convention is None:
        doc.convention = convention_of(record.get("treaty"))
    if doc.number is None and isinstance(record.get("number"), str):
        doc.number = record["number"].strip() or None
    if doc.title is None:
        title = record_language_text(record, "titles")
        doc.title = title[1].strip() if title else None
    if doc.adopted_at is None:
        parts = [str(record[k]) for k in ("meetingTitle",) if record.get(k)]
        day = str(record.get("published") or "")[:10]
        doc.adopted_at = ", ".join(parts + ([day] if day else [])) or None
    return doc
