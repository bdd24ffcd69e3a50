"""Ingest: files into the store, many documents a transaction with a savepoint each
(``batch.py``), then ``link`` the corpus.

Idempotent by content: a file already stored with the same bytes is left alone, a changed
file replaces its earlier version, a second copy of a stored text (same bytes, same
identifier or same decision text under another name) is reported as a duplicate and not
stored twice. The original bytes are kept so ``reparse`` can read them again when the
parser improves. One bad file never leaves half a document behind and never stops a batch.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, delete, select
from sqlalchemy.exc import SQLAlchemyError

from mealink.errors import MealinkError, StoreError
from mealink.findings.rules import Assessment
from mealink.interop.informea import RecordProblem, Records, kept_record, read_records
from mealink.link.identifiers import DocKey
from mealink.link.lineage import document_links
from mealink.load import DEFAULT_MAX_BYTES, Skipped, iter_paths, read_file, shown_name
from mealink.load.meta import read_sidecar
from mealink.models import Document
from mealink.store.corpus.batch import Batch
from mealink.store.corpus.expressions import Kept, plan_languages, realign
from mealink.store.corpus.identify import AS_GIVEN, identify_by_title, refuse_weak_guess
from mealink.store.corpus.linking import LinkSummary, link
from mealink.store.corpus.parallel import prepared_in_order, stored_bytes
from mealink.store.corpus.prepare import (
    PARSER_VERSION,
    ParseFailure,
    Prepared,
    digest,
    now,
    parse_bytes,
    source_key,
)
from mealink.store.corpus.records import (
    DocumentRecord,
    document_record,
    stub_record,
)
from mealink.store.corpus.topics import sync_topics
from mealink.store.engine import driver
from mealink.store.engine.database import Store
from mealink.store.engine.schema import (
    ActorRow,
    CitationRow,
    DocumentKeyRow,
    DocumentRow,
    EdgeRow,
    MandateRow,
    ParagraphRow,
    ParagraphTopicRow,
    SourceRow,
)
from mealink.store.findings import store_assessment
from mealink.workers import workers_for

__all__ = ["FileOutcome", "IngestSummary", "ingest", "ingest_file", "reparse"]

#: What happened to one file.
OUTCOMES = ("added", "updated", "unchanged", "duplicate", "failed", "skipped")


@dataclass(frozen=True, slots=True)
class FileOutcome:
    """The result for one input file."""

    path: str
    outcome: str
    document_id: str | None = None
    message: str | None = None
    paragraphs: int = 0
    #: one line for each record of an InforMEA file that could not be stored, naming it
    problems: tuple[str, ...] = ()
    #: the stored copy this file replaced (one that could not be identified), if any
    replaced_id: str | None = None
    #: texts stored before that this one (an English text) made its expressions: (the file
    #: as shown, its id now)
    moved: tuple[tuple[str, str], ...] = ()


@dataclass(slots=True)
class IngestSummary:
    """Every file's outcome and what linking the corpus found. ``stopped`` is the database
    fault (disk full, read-only, a lock held too long, a lost connection) that stopped the
    batch, if one did: the files before it are stored, each whole, the others not tried."""

    outcomes: list[FileOutcome] = field(default_factory=list)
    link: LinkSummary | None = None
    stopped: StoreError | None = None

    def counts(self) -> dict[str, int]:
        c = Counter(o.outcome for o in self.outcomes)
        return {k: c.get(k, 0) for k in OUTCOMES}

    @property
    def paragraphs(self) -> int:
        # a failed InforMEA file counts the paragraphs of the records it stored
        return sum(o.paragraphs for o in self.outcomes if o.outcome in ("added", "updated")
                   or o.problems)


def _write(conn: Connection, rec: DocumentRecord,
           source: tuple[str, str, bytes, str | None], batch: Batch) -> None:
    """Insert one document's rows (its earlier version already deleted), in ``batch``."""
    doc_id = rec.document["id"]
    own_keys = {k.id for k in rec.keys} | {doc_id}
    # One look-up for who answers to these keys: a stub of this text (known from citations
    # until now) gives way to the text itself; a key another text holds stays with it.
    holders = driver.run(conn, 'SELECT k."key", k.document_id, d.is_stub FROM document_keys k'
                         ' JOIN documents d ON d.id = k.document_id WHERE k."key" IN :keys',
                         {"keys": own_keys}).all()
    stubs = {h.document_id for h in holders if h.is_stub}
    if stubs:
        conn.execute(delete(DocumentRow).where(DocumentRow.id.in_(stubs)))
    driver.insert_rows(conn, DocumentRow, [rec.document])
    name, fmt, data, meta = source
    driver.insert_rows(conn, SourceRow, [{"document_id": doc_id, "name": name, "format": fmt,
                                          "data": data, "meta": meta}])
    taken = {h.key for h in holders if not h.is_stub}
    driver.insert_rows(conn, DocumentKeyRow, [{"key": k, "document_id": doc_id}
                                              for k in sorted(own_keys - taken)])
    if rec.paragraphs:
        # one executemany and one look-up: INSERT ... RETURNING in parameter order runs one
        # statement a paragraph on SQLite (a third of storing a document)
        driver.insert_rows(conn, ParagraphRow, rec.paragraphs)
        numbered: dict[str, int] = {r.id: r.pk for r in driver.run(
            conn, "SELECT id, pk FROM paragraphs WHERE document_id = :doc", {"doc": doc_id})}
        pks = [numbered[p["id"]] for p in rec.paragraphs]
        actors: list[dict[str, Any]] = []
        citations: list[dict[str, Any]] = []
        topics: list[dict[str, Any]] = []
        for pk, acts, cits, tops in zip(pks, rec.actors, rec.citations, rec.topics,
                                        strict=True):
            actors += [{**a, "paragraph_pk": pk} for a in acts]
            citations += [{**c, "paragraph_pk": pk} for c in cits]
            topics += [{**t, "paragraph_pk": pk} for t in tops]
        driver.insert_rows(conn, ActorRow, actors)
        driver.insert_rows(conn, CitationRow, citations)
        if topics and "topics" not in batch.done:  # once a transaction
            sync_topics(conn)
            batch.doing.add("topics")
        driver.insert_rows(conn, ParagraphTopicRow, topics)
    driver.insert_rows(conn, EdgeRow, rec.edges)
    driver.insert_rows(conn, MandateRow, rec.mandates)
    _ensure_stubs(conn, rec.targets)


def _ensure_stubs(conn: Connection, keys: Iterable[DocKey]) -> None:
    """A stub for every cited or repealed text that no stored document answers to."""
    wanted = {k.id: k for k in keys}
    if not wanted:
        return
    # every document answers to its own id in document_keys, stubs included
    known = {r[0] for r in driver.run(
        conn, 'SELECT "key" FROM document_keys WHERE "key" IN :keys', {"keys": set(wanted)})}
    missing = [wanted[k] for k in sorted(wanted) if k not in known]
    if missing:
        at = now()
        driver.insert_rows(conn, DocumentRow, [stub_record(k, at) for k in missing])
        driver.insert_rows(conn, DocumentKeyRow, [{"key": k.id, "document_id": k.id}
                                                  for k in missing])


def ingest_file(store: Store, path: str | Path, *, max_bytes: int = DEFAULT_MAX_BYTES,
                force: bool = False, as_symbol: str | None = None) -> FileOutcome:
    """Parse, annotate and store one file in its own transaction. What its sidecar
    ``NAME.meta.json`` says of it, or ``as_symbol`` (``ingest --as``), identifies a text
    whose own words do not."""
    batch = Batch(store, documents=1)
    try:
        outcome = _ingest_path(batch, path, max_bytes, force, as_symbol)
        batch.commit()
    finally:
        batch.rollback()  # nothing left to roll back once committed
    return outcome


def _ingest_path(batch: Batch, path: str | Path, max_bytes: int, force: bool,
                 as_symbol: str | None) -> FileOutcome:
    """One file into ``batch``: read, parsed unless stored already, written in a
    savepoint."""
    p = Path(path)
    shown = shown_name(path)
    try:
        data = read_file(p, max_bytes=max_bytes)
        meta = read_sidecar(p)
    except MealinkError as exc:
        return FileOutcome(shown, "failed", message=str(exc))
    if as_symbol:
        meta = {**meta, "symbol": " ".join(as_symbol.split()), "from": AS_GIVEN}
    key = source_key(p)
    try:
        records = read_records(data, shown)  # None unless InforMEA JSON
    except MealinkError as exc:
        return FileOutcome(shown, "failed", message=str(exc))
    if records is not None:
        return _ingest_records(batch, records, shown, key, force)
    return _ingest_bytes(batch, data, shown, key, force, meta)


def _ingest_bytes(batch: Batch, data: bytes, shown: str, key: str, force: bool,
                  meta: dict[str, str] | None = None) -> FileOutcome:
    """Store one input's bytes unless the same bytes are stored already."""
    meta = meta or {}
    dig = digest(data, meta)
    return _stored_already(batch, shown, key, dig, force) or \
        _store_bytes(batch, data, shown, key, dig, meta, force)


def _stored_already(batch: Batch, shown: str, key: str, digest: str, force: bool,
                    documents: bool = True) -> FileOutcome | None:
    """"unchanged" when these bytes are stored from this path, "duplicate" when from
    another; None when they are to be stored. ``documents=False`` asks only of the
    assessments, for a text whose rows ``_replace`` will write: it asks the same of the
    documents first."""
    with batch.reading() as conn:  # one look-up: this path, or these bytes elsewhere
        rows = driver.run(conn, "SELECT id, content_hash, source, parser_version FROM "
                          "documents WHERE source = :key OR content_hash = :digest",
                          {"key": key, "digest": digest}).all() if documents else []
        kept = driver.run(conn, "SELECT id FROM assessments WHERE source = :key "
                          "AND content_hash = :digest", {"key": key, "digest": digest}
                          ).scalar()
    if kept is not None and not force:
        return FileOutcome(shown, "unchanged", kept)
    existing = next((r for r in rows if r.source == key), None)
    if existing is not None and existing.content_hash == digest and not force and \
            existing.parser_version == PARSER_VERSION:  # a newer parser reads it again
        return FileOutcome(shown, "unchanged", existing.id)
    same = next((r for r in rows if r.source != key), None)
    if existing is None and same is not None:
        return FileOutcome(shown, "duplicate", same.id,
                           f"same bytes as {same.source}; stored once")
    return None


def _ingest_records(batch: Batch, records: Records, shown: str, key: str,
                    force: bool) -> FileOutcome:
    """Each InforMEA record of a file as its own document, known as FILE#RECORD-ID and kept
    as its own JSON, so that one changed record is all that is stored again. A bad record
    is named in a line of its own and costs none of the others; the file then counts as
    failed."""
    outcomes = []
    problems = list(records.problems)
    for n, record in records.records:
        rid = str(record["id"])
        try:
            data = json.dumps(kept_record(record), ensure_ascii=False, indent=1).encode()
        except RecursionError:
            problems.append(RecordProblem(n, rid, "nests its JSON too deeply to be kept"))
            continue
        rshown = f"{shown}#{rid}"
        outcome = _ingest_bytes(batch, data, rshown, f"{key}#{rid}", force)
        outcomes.append(outcome)
        if outcome.outcome == "failed":
            said = (outcome.message or "could not be read").removeprefix(f"{rshown}: ")
            problems.append(RecordProblem(n, rid, said))
    counts = Counter(o.outcome for o in outcomes if o.outcome != "failed") + \
        Counter(failed=len(problems))
    summary = ", ".join(f"{counts[k]} {k}" for k in OUTCOMES if counts[k])
    stored = sum(o.paragraphs for o in outcomes)
    if problems:
        return FileOutcome(shown, "failed", message=f"{shown}: {records.total} InforMEA "
                           f"records: {summary}", paragraphs=stored, problems=tuple(
                               f"{shown}: {p}" for p in sorted(problems, key=lambda p: p.index)))
    best = next((k for k in ("updated", "added", "duplicate") if counts.get(k)), "unchanged")
    return FileOutcome(shown, best, outcomes[0].document_id if len(outcomes) == 1 else None,
                       f"{records.total} InforMEA records: {summary}", paragraphs=stored)


def _store_bytes(batch: Batch, data: bytes, shown: str, key: str, digest: str,
                 meta: dict[str, str] | None = None, force: bool = False) -> FileOutcome:
    meta = meta or {}
    try:
        doc, fmt = parse_bytes(data, shown, meta)
    except MealinkError as exc:
        return FileOutcome(shown, "failed", message=str(exc))
    if isinstance(doc, Assessment):
        return _store_findings(batch, doc, shown, key, digest)
    with batch.reading() as conn:
        note = identify_by_title(conn, doc) or refuse_weak_guess(conn, doc, key)
    rec = document_record(doc, document_links(doc), source=key, content_hash=digest,
                          parser_version=PARSER_VERSION, now=now())
    return _store_record(batch, rec, (shown, fmt, data, meta), key, digest, force, note)


def _store_record(batch: Batch, rec: DocumentRecord, source: tuple[str, str, bytes,
                  dict[str, str]], key: str, digest: str, force: bool,
                  note: str | None) -> FileOutcome:
    """Write a parsed text's rows in a savepoint; a refusal of the database is its one
    line."""
    shown, fmt, data, meta = source
    doc_id = rec.document["id"]
    kept = json.dumps(meta, ensure_ascii=False, sort_keys=True) if meta else None
    try:
        return _replace(batch, rec, (shown, fmt, data, kept), key, digest, force, note)
    except SQLAlchemyError as exc:  # rolled back to its savepoint: nothing half-written
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return FileOutcome(shown, "failed", doc_id, f"{shown}: not stored, the database "
                           f"refused it ({reason})")


def _store_findings(batch: Batch, assessment: Assessment, shown: str, key: str,
                    digest: str) -> FileOutcome:
    """An assessment's findings (not a decision): stored beside the corpus, in one
    savepoint."""
    try:
        with batch.document() as conn:
            replaced = store_assessment(conn, assessment, source=key, content_hash=digest)
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return FileOutcome(shown, "failed", assessment.id, f"{shown}: not stored, the "
                           f"database refused it ({reason})")
    return FileOutcome(shown, "updated" if replaced else "added", assessment.id,
                       f"{len(assessment.findings)} findings of {assessment.title}")


def _replace(batch: Batch, rec: DocumentRecord, source: tuple[str, str, bytes, str | None],
             key: str, digest: str, force: bool, note: str | None = None) -> FileOutcome:
    """Write one document in one savepoint, replacing its earlier version. The look-up
    before parsing may have run without the write lock; it is done again under it, so that
    what another process stored meanwhile (this file, the same bytes, the same text) is
    seen."""
    shown = source[0]
    doc_id = rec.document["id"]
    replaced = None
    with batch.document() as conn:
        rows = driver.run(conn, "SELECT id, source, type, language, content_hash, "
                          "parser_version, fingerprint FROM documents WHERE (source = :key OR "
                          "content_hash = :digest OR id = :doc OR fingerprint = :fingerprint) "
                          "AND NOT is_stub ORDER BY id",
                          {"key": key, "digest": digest, "doc": doc_id,
                           "fingerprint": rec.document["fingerprint"]}).all()
        mine = next((r for r in rows if r.source == key), None)
        if mine is not None and mine.content_hash == digest and not force and \
                mine.parser_version == PARSER_VERSION:
            return FileOutcome(shown, "unchanged", mine.id)  # stored meanwhile by another
        same = next((r for r in rows if r.source != key and r.content_hash == digest), None)
        if mine is None and same is not None:
            return FileOutcome(shown, "duplicate", same.id,
                               f"same bytes as {same.source}; stored once")
        clash = next((r for r in rows if r.source != key and (
            r.id == doc_id or r.fingerprint == rec.document["fingerprint"])), None)
        gone: list[str] = []
        then: list[Kept] = []
        if clash is not None and clash.id == doc_id and \
                clash.language != rec.document["language"]:
            plan = plan_languages(conn, rec, key)
            if isinstance(plan, str):
                return FileOutcome(shown, "duplicate", clash.id, "the same text in another "
                                   f"language ({rec.document['language']}) as {clash.source} "
                                   f"({clash.id}), {plan}; stored once")
            rec, clash, doc_id = plan.record, None, plan.record.document["id"]
            gone, then, note = plan.delete, plan.then, plan.note or note
        if clash is not None and clash.type == "document" and rec.keys:
            # The stored copy could not be identified, this one can: keep this one.
            conn.execute(delete(DocumentRow).where(DocumentRow.id == clash.id))
            note = f"replaces the copy read from {clash.source}, which had no symbol"
            replaced = clash.id
        elif clash is not None:
            other = rec.document["language"]
            what = f"the same text in another language ({other}) as" \
                if clash.id == doc_id and clash.language != other else "same text as"
            return FileOutcome(shown, "duplicate", clash.id,
                               f"{what} {clash.source} ({clash.id}); stored once")
        if mine is not None and not then and rec.document.get("expression_of") is None:
            gone, then = realign(conn, rec)  # a primary stored again: align its expressions
        gone = [*gone, *([mine.id] if mine is not None else [])]
        if gone:
            conn.execute(delete(DocumentRow).where(DocumentRow.id.in_(gone)))
        _write(conn, rec, source, batch)
        for kept in then:
            _write(conn, kept.record, kept.source, batch)
    return FileOutcome(shown, "updated" if mine else "added", doc_id, note,
                       paragraphs=len(rec.paragraphs), replaced_id=replaced,
                       moved=tuple((k.source[0], k.record.document["id"]) for k in then
                                   if k.record.document["id"] != doc_id))


def ingest(store: Store, paths: Iterable[str | Path], *, max_bytes: int = DEFAULT_MAX_BYTES,
           on_file: Callable[[FileOutcome], None] | None = None,
           force: bool = False, as_symbol: str | None = None,
           workers: int | None = None) -> IngestSummary:
    """Ingest every file under ``paths`` (folders recursively), then link the corpus;
    ``as_symbol`` says what the one file given is (``ingest --as``). What a folder holds that
    is not read (a broken link, a link to a folder, a FIFO) is an outcome "skipped"; a folder
    that cannot be read is one "failed". Several processes may ingest into one database at
    once: each document is checked and written under the database's write lock, many
    documents a transaction (each file's outcome is reported once its transaction is
    committed). ``workers`` processes parse while this one writes (None: one a CPU, up to
    four, for a batch of at least ``PARALLEL_FROM`` files; 1: this process parses); what is
    stored and said is the same either way. A database fault stops the batch
    (``IngestSummary.stopped``)."""
    summary = IngestSummary()

    def skip(s: Skipped) -> None:
        _record(summary, FileOutcome(s.source or "", "failed" if s.failed else "skipped",
                                     message=str(s)), on_file)

    files = list(iter_paths(paths, on_skip=skip))
    if as_symbol is not None and len(files) != 1:
        raise MealinkError(f"--as {as_symbol!r} names one text, but {len(files)} files were "
                           "given; ingest that file alone with --as")

    def job(p: Path) -> Job:
        def run(batch: Batch) -> FileOutcome:
            try:
                return _ingest_path(batch, p, max_bytes, force, as_symbol)
            except StoreError:  # the database, not this file: the next would fail too
                raise
            except MealinkError as exc:
                return FileOutcome(shown_name(p), "failed", message=str(exc))
        return shown_name(p), run

    def stored(prep: Prepared) -> Job:
        def run(batch: Batch) -> FileOutcome:
            try:
                return _store_prepared(batch, prep, max_bytes, force)
            except StoreError:
                raise
            except MealinkError as exc:
                return FileOutcome(prep.shown, "failed", message=str(exc))
        return prep.shown, run

    n = workers_for(workers, len(files)) if as_symbol is None else 1
    if n > 1:
        jobs = (stored(prep) for prep in prepared_in_order(
            files, max_bytes, n, None if force else stored_bytes(store, max_bytes)))
        try:
            _run(store, jobs, len(files), summary, on_file)
        finally:
            jobs.close()  # stopped early: the workers are told to stop
    else:
        _run(store, (job(p) for p in files), len(files), summary, on_file)
    _link(store, summary)
    return summary


def _store_prepared(batch: Batch, prep: Prepared, max_bytes: int, force: bool
                    ) -> FileOutcome:
    """Store a file a worker prepared, asking the store first what a serial ingest asks
    before it parses; a file the worker left (``Prepared.parsed`` None) is read here."""
    if prep.failed is not None:
        return FileOutcome(prep.shown, "failed", message=prep.failed)
    if prep.parsed is None:
        return _ingest_path(batch, prep.path, max_bytes, force, None)
    known = _stored_already(batch, prep.shown, prep.key, prep.digest, force,
                            documents=not isinstance(prep.parsed, DocumentRecord))
    if known is not None:
        return known
    if isinstance(prep.parsed, ParseFailure):
        return FileOutcome(prep.shown, "failed", message=prep.parsed.message)
    if isinstance(prep.parsed, Assessment):
        return _store_findings(batch, prep.parsed, prep.shown, prep.key, prep.digest)
    rec, note, who = prep.parsed, None, prep.who
    if who is not None:  # asked here as _store_bytes asks; the rows made again if it answers
        was = _identity_of(who)
        with batch.reading() as conn:
            note = identify_by_title(conn, who) or refuse_weak_guess(
                conn, who, prep.key, rec.document["fingerprint"])
        if _identity_of(who) != was:
            doc, _ = parse_bytes(prep.data, prep.shown, prep.meta or {})
            assert isinstance(doc, Document)  # the worker parsed these bytes as one
            (doc.symbol, doc.convention, doc.number, doc.revision,
             doc.identified_by) = _identity_of(who)
            rec = document_record(doc, document_links(doc), source=prep.key,
                                  content_hash=prep.digest, parser_version=PARSER_VERSION,
                                  now=now())
    return _store_record(batch, rec, (prep.shown, prep.fmt, prep.data, prep.meta or {}),
                         prep.key, prep.digest, force, note)


def _identity_of(doc: Document) -> tuple[str | None, ...]:
    return doc.symbol, doc.convention, doc.number, doc.revision, doc.identified_by


#: one file's work: its name as shown, and what stores it in a batch and says how it went
Job = tuple[str, Callable[[Batch], FileOutcome]]


def _run(store: Store, jobs: Iterable[Job], total: int, summary: IngestSummary,
         on_file: Callable[[FileOutcome], None] | None) -> None:
    """Each of ``total`` jobs in order, many to a transaction, their outcomes reported once
    it is committed. A database fault rolls the open batch back and runs its jobs again one
    transaction each: those before the fault are stored whole, and the batch stops at the
    one that meets it, as when every document had its own transaction."""
    batch = Batch(store)
    current: list[Job] = []  # the jobs of the open batch
    done: list[FileOutcome] = []
    try:
        for i, job in enumerate(jobs):
            current.append(job)
            try:
                done.append(job[1](batch))
                if batch.open and not batch.due() and i < total - 1:
                    continue
                batch.commit()
            except StoreError:
                batch.rollback()
                if _one_by_one(store, current, total - i - 1, summary, on_file):
                    return
            else:
                for outcome in done:
                    _record(summary, outcome, on_file)
            current, done = [], []
    finally:
        batch.rollback()  # a bug or an interrupt: nothing of the open batch is kept


def _one_by_one(store: Store, jobs: list[Job], after: int, summary: IngestSummary,
                on_file: Callable[[FileOutcome], None] | None) -> bool:
    """``jobs`` again, a transaction each (``after`` more files follow them); True when a
    fault stopped the batch."""
    for j, (shown, run) in enumerate(jobs):
        alone = Batch(store, documents=1)
        try:
            outcome = run(alone)
            alone.commit()
        except StoreError as exc:
            summary.stopped = exc
            outcome = _stopped_at(shown, len(jobs) - j - 1 + after)
        finally:
            alone.rollback()
        if _record(summary, outcome, on_file):
            return True
    return False


def _record(summary: IngestSummary, outcome: FileOutcome,
            on_file: Callable[[FileOutcome], None] | None) -> bool:
    """Add ``outcome`` to the batch and report it; True when a fault has stopped the batch.
    A copy of this batch that a later file replaced is no longer stored: it is counted
    again as a duplicate, so the counts say what is stored."""
    if outcome.replaced_id is not None:
        for i, o in enumerate(summary.outcomes):
            if o.document_id == outcome.replaced_id and o.outcome in ("added", "updated"):
                summary.outcomes[i] = replace(
                    o, outcome="duplicate", paragraphs=0,
                    message=f"same text as {outcome.path}, which names its symbol; stored once")
    moved = dict(outcome.moved)  # an earlier file of this batch is now an expression
    for i, o in enumerate(summary.outcomes if moved else ()):  # (not a pass a file)
        if o.path in moved and o.document_id == outcome.document_id:
            summary.outcomes[i] = replace(o, document_id=moved[o.path])
    summary.outcomes.append(outcome)
    if on_file is not None:
        on_file(outcome)
    return summary.stopped is not None


def _stopped_at(shown: str, left: int) -> FileOutcome:
    return FileOutcome(shown, "failed", message=f"{shown}: not stored, the batch stopped "
                       f"here ({left} more files not tried)")


def _link(store: Store, summary: IngestSummary) -> None:
    """Link the corpus after a batch, even one a fault stopped (linking what was stored may
    still work); a fault while linking leaves the links as they were."""
    try:
        summary.link = link(store)
    except StoreError as exc:
        summary.stopped = summary.stopped or exc


def reparse(store: Store, *, on_file: Callable[[FileOutcome], None] | None = None
            ) -> IngestSummary:
    """Parse every stored document again from its kept bytes (after a parser upgrade)."""
    with store.engine.connect() as conn:
        rows = conn.execute(select(DocumentRow.id, DocumentRow.source, DocumentRow.content_hash,
                                   SourceRow.name, SourceRow.data, SourceRow.meta).join(
            SourceRow, SourceRow.document_id == DocumentRow.id).order_by(DocumentRow.id)).all()
    summary = IngestSummary()

    def job(row: Any) -> Job:
        meta = json.loads(row.meta) if row.meta else None
        return row.name, lambda batch: _store_bytes(batch, row.data, row.name, row.source,
                                                    row.content_hash, meta, force=True)

    _run(store, (job(row) for row in rows), len(rows), summary, on_file)
    _link(store, summary)
    return summary
