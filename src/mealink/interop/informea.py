"""InforMEA decision records: read them as documents, write stored documents as records.

The record is the common schema InforMEA's member conventions publish (id, link, number,
status, type, treaty, published, updated, meetingId, meetingTitle, meetingUrl, titles,
longTitles, summaries, contents, keywords, files). mealink adds what InforMEA lacks under
one extension key, ``mealink`` (paragraphs, actors, lineage, per-paragraph status; see the
README). A record read in is kept whole, so writing it out gives every field back.
"""

from __future__ import annotations

import json
from typing import Any

from mealink.errors import LoadError
from mealink.interop.frbr import interop_rules
from mealink.models import Document

__all__ = ["EXTENSION", "RECORD_FIELDS", "base_record", "may_hold_records", "record_language_text",
           "split_records", "treaty_of"]

#: The fields of an InforMEA decision record, in the order mealink writes them.
RECORD_FIELDS = ("id", "link", "number", "status", "type", "treaty", "published", "updated",
                 "meetingId", "meetingTitle", "meetingUrl", "titles", "longTitles",
                 "summaries", "contents", "keywords", "files")
#: The key of mealink's extension in a record.
EXTENSION = "mealink"
_LISTS = ("titles", "longTitles", "summaries", "contents", "keywords", "files")


def _is_record(obj: Any) -> bool:
    return isinstance(obj, dict) and "treaty" in obj and "id" in obj and (
        "contents" in obj or "titles" in obj)


def may_hold_records(data: bytes) -> bool:
    """Whether ``data`` can be InforMEA records (JSON naming a treaty), from a look at the
    bytes: other files are never parsed as JSON for it."""
    return data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[") and b'"treaty"' in data


def split_records(data: bytes, name: str) -> list[dict[str, Any]] | None:
    """The decision records of an InforMEA JSON file (a record, a list of them, or an OData
    answer ``{"value": [...]}``); None when the file is not such JSON."""
    if not may_hold_records(data):
        return None
    try:
        obj = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if isinstance(obj, dict) and isinstance(obj.get("value"), list):
        obj = obj["value"]
    items = obj if isinstance(obj, list) else [obj]
    if not items or not any(_is_record(r) for r in items):
        return None
    for n, r in enumerate(items, start=1):
        if not _is_record(r):
            raise LoadError(f"record {n} is not an InforMEA decision record (it needs 'id', "
                            "'treaty' and 'contents' or 'titles')", source=name)
        for key in _LISTS:
            if key in r and not isinstance(r[key], list):
                raise LoadError(f"record {n} ({r.get('id')}): '{key}' must be a list of "
                                "objects", source=name)
    return items


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
