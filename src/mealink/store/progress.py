"""Progress on mandates: entries that are append-only and never overwritten, each with its
author, the status it records, a note and its evidence; where evidence leads (an http(s)
URL, or the page of a text of the corpus)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
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
from mealink.store.engine.schema import (
    DocumentKeyRow,
    DocumentRow,
    MandateCarryRow,
    MandateRow,
    ProgressRow,
)

__all__ = ["ProgressEntry", "add_progress", "append_progress", "carried_from", "check_evidence",
           "entry_of", "evidence_links", "history", "latest_seq"]

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
    #: the label of the text the mandate it was recorded on belongs to (set by ``history``,
    #: which also shows the entries of earlier versions of a carried mandate)
    version: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"mandate": self.mandate_id, "seq": self.seq, "author": self.author,
                "recorded_at": self.recorded_at.isoformat(), "status": self.status,
                "note": self.note, "evidence": list(self.evidence), "version": self.version}


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


def carried_from(conn: Connection, mandate_ids: Iterable[str]) -> dict[str, str]:
    """Each mandate of earlier versions whose paragraph was carried, across revisions, to
    one of ``mandate_ids`` -> the one it reached (a mandate itself -> itself)."""
    reached = {m: m for m in mandate_ids}
    todo = dict(reached)
    while todo:
        found = conn.execute(select(MandateCarryRow.mandate_id, MandateCarryRow.to_mandate_id)
                             .where(MandateCarryRow.to_mandate_id.in_(list(todo)))).all()
        todo = {r.mandate_id: reached[r.to_mandate_id] for r in found
                if r.mandate_id not in reached}
        reached.update(todo)
    return reached


def history(store: Store, mandate_id: str) -> list[ProgressEntry]:
    """Every progress entry of a mandate, oldest first: also those recorded on the same
    mandate of earlier versions of its text (carried across revisions), each marked with
    the version it was recorded on."""
    with store.engine.connect() as conn:
        chain = list(carried_from(conn, [mandate_id]))
        labels = {r.id: r.document_label for r in conn.execute(
            select(MandateRow.id, MandateRow.document_label).where(MandateRow.id.in_(chain)))}
        entries = [replace(entry_of(r), version=labels.get(r.mandate_id))
                   for r in conn.execute(select(ProgressRow.__table__).where(
                       ProgressRow.mandate_id.in_(chain)))]
    return sorted(entries, key=lambda e: (e.recorded_at, e.mandate_id != mandate_id, e.seq))


def latest_seq(entries: Iterable[ProgressEntry], mandate_id: str) -> int:
    """The number of the latest entry written on ``mandate_id`` itself (what a writer
    expects), among a history that may hold earlier versions' entries."""
    return max((e.seq for e in entries if e.mandate_id == mandate_id), default=0)


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
        _carry_forward(conn, mandate_id, status)
    return made


def _carry_forward(conn: Connection, mandate_id: str, status: str) -> None:
    """Give the status just recorded on ``mandate_id`` to the mandates of later versions
    its paragraph was carried to unchanged or only renumbered (a reworded paragraph may ask
    anew: the entry is in its history, not its status; see ``recorded_statuses``)."""
    at: str | None = mandate_id
    seen = {mandate_id}
    while at is not None:
        step = conn.execute(select(MandateCarryRow.to_mandate_id, MandateCarryRow.how).where(
            MandateCarryRow.mandate_id == at)).first()
        at = step.to_mandate_id if step is not None and "reworded" not in step.how else None
        if at is None or at in seen:
            return
        seen.add(at)
        row = conn.execute(select(MandateRow.derived_status, MandateRow.derived_reason)
                           .where(MandateRow.id == at)).first()
        if row is not None:
            conn.execute(update(MandateRow).where(MandateRow.id == at).values(
                status=effective_status(Derived(row.derived_status, row.derived_reason),
                                        status)))
