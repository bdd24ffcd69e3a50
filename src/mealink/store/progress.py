"""Progress on mandates: entries that are append-only and never overwritten, each with its
author, the status it records, a note and its evidence; where evidence leads (an http(s)
URL, or the page of a text of the corpus)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import Connection, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from mealink.errors import ConflictError, MealinkError, NotFoundError
from mealink.link.identifiers import parse_key
from mealink.mandates.knowledge import knowledge
from mealink.mandates.status import Derived, effective_status
from mealink.store.engine.database import Store
from mealink.store.engine.schema import DocumentKeyRow, DocumentRow, MandateRow, ProgressRow

__all__ = ["ProgressEntry", "add_progress", "append_progress", "check_evidence", "entry_of",
           "evidence_links", "history"]

_URL = re.compile(r"^https?://\S+$")
#: a URI scheme at the start ("javascript:", "ftp://"); "Note: ..." has a space after it
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:(?!\s|$)")


@dataclass(frozen=True, slots=True)
class ProgressEntry:
    """One attributed progress entry."""

    mandate_id: str
    seq: int
    author: str
    recorded_at: datetime
    status: str | None
    note: str | None
    evidence: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"mandate": self.mandate_id, "seq": self.seq, "author": self.author,
                "recorded_at": self.recorded_at.isoformat(), "status": self.status,
                "note": self.note, "evidence": list(self.evidence)}


def entry_of(r: Any) -> ProgressEntry:
    at = r.recorded_at if r.recorded_at.tzinfo else r.recorded_at.replace(tzinfo=UTC)
    return ProgressEntry(r.mandate_id, r.seq, r.author, at, r.status, r.note,
                         tuple(r.evidence or ()))


def check_expected(name: str, expected_seq: int | None, latest: int) -> None:
    """Refuse a write based on a stale read: ``expected_seq`` is the entry the writer last
    saw (None: no check), ``latest`` the newest stored; ``name`` what the entries are of."""
    if expected_seq is not None and expected_seq > latest:
        raise MealinkError(
            f"{name} has no progress entries yet, so no entry {expected_seq} to have read; "
            "expect 0 (or nothing) for its first entry" if not latest else
            f"{name} has no entry {expected_seq}: its latest is entry {latest}")
    if expected_seq is not None and expected_seq != latest:
        raise ConflictError(f"{name}: entry {latest} was written since you read entry "
                            f"{expected_seq}; reload its history and try again")


def history(store: Store, mandate_id: str) -> list[ProgressEntry]:
    """Every progress entry of a mandate, oldest first."""
    with store.engine.connect() as conn:
        return [entry_of(r) for r in conn.execute(select(ProgressRow.__table__).where(
            ProgressRow.mandate_id == mandate_id).order_by(ProgressRow.seq))]


def _is_web_link(text: str) -> bool:
    """An http(s) URL with a host."""
    return bool(_URL.match(text)) and bool(urlsplit(text).hostname)


def _stored_text(conn: Connection, text: str) -> str | None:
    """The stored text (not a citation stub) ``text`` names by id, symbol or citation."""
    stored = DocumentRow.is_stub.is_(False)
    found: str | None = conn.execute(select(DocumentRow.id).where(
        (DocumentRow.id == text) | (DocumentRow.symbol == text), stored)).scalar()
    if found is None and (key := parse_key(text)) is not None:
        found = conn.execute(select(DocumentKeyRow.document_id).join(DocumentRow).where(
            DocumentKeyRow.key == key.id, stored)).scalar()
    return found


def evidence_links(store: Store, evidence: Iterable[str]) -> dict[str, str]:
    """Where evidence leads: an http(s) URL to itself, a stored text's symbol to its id."""
    with store.engine.connect() as conn:
        found = {e: e if _is_web_link(e) else _stored_text(conn, e) for e in set(evidence)}
    return {e: target for e, target in found.items() if target}


def check_evidence(evidence: Iterable[str]) -> tuple[str, ...]:
    """The evidence as given, stripped: an http(s) URL, the symbol of a text, or a reference
    written as text (a meeting document, a national report). What looks like a link of
    another kind (``javascript:``, ``ftp://``, an http URL without a host) is refused: only
    http(s) URLs and the texts of the corpus ever become links (``evidence_links``)."""
    out = []
    for e in evidence:
        e = e.strip()
        if not e:
            continue
        if len(e) > 500:
            raise MealinkError(f"evidence {e[:60]!r}... is longer than 500 characters; give a "
                               "link (https://...) or a symbol such as 'CMS Resolution 11.10'")
        if _SCHEME.match(e) and not _is_web_link(e):
            raise MealinkError(f"evidence {e[:60]!r} is a link mealink does not follow; give "
                               "an http(s) URL (https://...), a symbol such as 'CMS "
                               "Resolution 11.10' or a document symbol as written")
        out.append(e)
    return tuple(out)


def add_progress(store: Store, mandate_id: str, author: str, *, status: str | None = None,
                 note: str | None = None, evidence: Iterable[str] = (),
                 expected_seq: int | None = None, now: datetime | None = None
                 ) -> ProgressEntry:
    """Append a progress entry. ``expected_seq`` is the number of the latest entry the
    writer saw (0 for none): if someone wrote since, ConflictError, nothing is written."""
    author = " ".join(author.split())
    if not author:
        raise MealinkError("a progress entry needs an author (--by NAME)")
    if status is not None and status not in knowledge().statuses:
        raise MealinkError(f"status {status!r} is not one of: "
                           f"{', '.join(knowledge().statuses)}")
    if status is None and not (note or "").strip() and not list(evidence):
        raise MealinkError("a progress entry needs a status, a note or evidence")
    try:
        with store.engine.begin() as conn:
            made = append_progress(conn, mandate_id, author, status=status, note=note,
                                   evidence=evidence, expected_seq=expected_seq, now=now)
    except IntegrityError as exc:  # another writer took this entry number first
        raise ConflictError(f"{mandate_id}: another entry was written at the same time; "
                            "reload its history and try again") from exc
    return made


def append_progress(conn: Connection, mandate_id: str, author: str, *,
                    status: str | None = None, note: str | None = None,
                    evidence: Iterable[str] = (), expected_seq: int | None = None,
                    now: datetime | None = None) -> ProgressEntry:
    """Append a progress entry inside the caller's transaction (``add_progress`` checks
    its input first; an import of many entries writes them all or none)."""
    ev = check_evidence(evidence)
    row = conn.execute(select(MandateRow.id, MandateRow.derived_status,
                              MandateRow.derived_reason).where(
        MandateRow.id == mandate_id)).first()
    if row is None:
        raise NotFoundError(f"no mandate {mandate_id!r}; `mealink mandates` lists "
                            "their ids")
    latest = conn.execute(select(func.max(ProgressRow.seq)).where(
        ProgressRow.mandate_id == mandate_id)).scalar() or 0
    check_expected(mandate_id, expected_seq, latest)
    made = ProgressEntry(mandate_id, latest + 1, author[:200], now or datetime.now(UTC),
                         status, (note or "").strip() or None, ev)
    conn.execute(insert(ProgressRow), [{
        "mandate_id": mandate_id, "seq": made.seq, "author": made.author,
        "recorded_at": made.recorded_at, "status": status, "note": made.note,
        "evidence": list(ev)}])
    if status is not None:
        new = effective_status(Derived(row.derived_status, row.derived_reason), status)
        conn.execute(update(MandateRow).where(MandateRow.id == mandate_id)
                     .values(status=new))
    return made
