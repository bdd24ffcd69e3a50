"""Files prepared in worker processes (``prepare.py``) and handed back in the order given,
a bounded number ahead of the writer, so that one process writes while the others parse
(issue 18; the processes themselves: ``mealink.workers``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from functools import partial
from pathlib import Path

from sqlalchemy import select

from mealink.errors import MealinkError
from mealink.load import read_file, shown_name
from mealink.load.meta import read_sidecar
from mealink.store.corpus.prepare import (
    PARSER_VERSION,
    Prepared,
    digest,
    prepare_many,
    source_key,
)
from mealink.store.engine.database import Store
from mealink.store.engine.schema import AssessmentRow, DocumentRow
from mealink.workers import in_order

__all__ = ["prepared_in_order", "stored_bytes"]


def _broken(path: Path) -> MealinkError:
    """A worker killed or out of memory: not the file's fault."""
    return MealinkError(
        f"{shown_name(path)}: the process parsing it stopped before it finished; the files "
        "reported before it are stored, the others not; run the ingest again (with --jobs 1 "
        "to parse in one process)")


def prepared_in_order(files: Sequence[Path], max_bytes: int, workers: int,
                      skip: Callable[[Path], bool] | None = None) -> Iterator[Prepared]:
    """Each file of ``files`` prepared by one of ``workers`` processes, in order; a file
    ``skip`` says is stored already is not parsed (its ``Prepared`` leaves it to the
    writer, which finds it stored without parsing it)."""
    def stored(path: Path) -> Prepared | None:
        return Prepared(str(path), shown_name(path)) if skip and skip(path) else None

    for _, done in in_order([str(p) for p in files], partial(prepare_many, max_bytes=max_bytes),
                            workers, here=lambda p: stored(Path(p)),
                            broken=lambda p: _broken(Path(p)),
                            preload=["mealink.store.corpus.prepare"]):
        yield done


def stored_bytes(store: Store, max_bytes: int) -> Callable[[Path], bool] | None:
    """Whether a file's bytes are stored, from its path by this parser or from another, or
    as an assessment, as the store stood when ingest began (None when it holds nothing):
    such a file is not sent to a worker, so that ingesting an unchanged corpus again
    parses nothing. The writer still asks, in order, before it writes."""
    with store.engine.connect() as conn:
        docs = conn.execute(select(DocumentRow.source, DocumentRow.content_hash,
                                   DocumentRow.parser_version).where(
            DocumentRow.content_hash.is_not(None))).all()
        kept = conn.execute(select(AssessmentRow.source, AssessmentRow.content_hash)).all()
    if not docs and not kept:
        return None
    mine = {(r.source, r.content_hash) for r in docs if r.parser_version == PARSER_VERSION}
    mine.update((r.source, r.content_hash) for r in kept)
    anywhere = {r.content_hash: r.source for r in docs}

    def known(path: Path) -> bool:
        try:
            data, meta = read_file(path, max_bytes=max_bytes), read_sidecar(path)
        except MealinkError:
            return False  # the worker says why
        key, dig = source_key(path), digest(data, meta)
        return (key, dig) in mine or anywhere.get(dig, key) != key
    return known
