"""Files prepared in worker processes (``prepare.py``) and handed back in the order given,
a bounded number ahead of the writer, so that one process writes while the others parse
(issue 18).

Workers are forked from this process when it runs no other thread (they then start with
everything it has loaded and compiled, in milliseconds); otherwise, as under the command
line's progress bar, from a fresh server process, since a fork copies a lock another thread
may hold (where neither is offered, each worker is a new interpreter).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from mealink.errors import MealinkError
from mealink.load import read_file, shown_name
from mealink.load.meta import read_sidecar
from mealink.store.corpus.prepare import (
    PARSER_VERSION,
    Prepared,
    digest,
    prepare,
    prepare_many,
    source_key,
)
from mealink.store.engine.database import Store
from mealink.store.engine.schema import AssessmentRow, DocumentRow

__all__ = ["AHEAD", "MOST_WORKERS", "PARALLEL_FROM", "prepared_in_order", "stored_bytes",
           "workers_for"]

#: how many files a worker may be ahead of the writer (bounds the memory results hold:
#: each keeps the file's bytes)
AHEAD = 4


#: the fewest files for which ``ingest`` starts worker processes by itself (starting them
#: costs more than parsing a few dozen texts)
PARALLEL_FROM = 64
#: the most worker processes ``ingest`` starts by itself
MOST_WORKERS = 4
#: files a worker prepares in one task (a task each cost the writer's process as much
#: again as taking the results back)
CHUNK = 4


def workers_for(asked: int | None, files: int) -> int:
    """How many processes parse: as asked, else one a CPU this process may use (up to
    ``MOST_WORKERS``) for ``PARALLEL_FROM`` files or more, else none but this one."""
    if asked is not None:
        return max(1, asked)
    if files < PARALLEL_FROM:
        return 1
    affinity = getattr(os, "sched_getaffinity", None)  # Linux; elsewhere every CPU
    cpus = len(affinity(0)) if affinity is not None else (os.cpu_count() or 1)
    return max(1, min(MOST_WORKERS, cpus))


@dataclass(slots=True)
class _Place:
    """A file's place in a worker's task: its index there, and the task once it is sent."""

    index: int
    task: Future[list[Prepared]] | None = None

    def result(self) -> Prepared:
        """The file prepared (waits for the task)."""
        if self.task is None:
            raise RuntimeError("the task holding this file was never sent")
        return self.task.result()[self.index]


def prepared_in_order(files: Sequence[Path], max_bytes: int, workers: int,
                      skip: Callable[[Path], bool] | None = None) -> Iterator[Prepared]:
    """Each file of ``files`` prepared by one of ``workers`` processes, in order; a file
    ``skip`` says is stored already is not parsed (its ``Prepared`` leaves it to the
    writer, which finds it stored without parsing it)."""
    methods = multiprocessing.get_all_start_methods()
    method = "fork" if threading.active_count() == 1 and "fork" in methods else \
        "forkserver" if "forkserver" in methods else "spawn"
    context = multiprocessing.get_context(method)
    if method == "forkserver":
        context.set_forkserver_preload(["mealink.store.corpus.prepare"])
    # each file in order: prepared here, or its place in a task (a few files a worker
    # prepares at once)
    waiting: deque[tuple[Path, Prepared | _Place]] = deque()
    gathering: list[tuple[Path, _Place]] = []  # the next task's files, not yet sent
    todo = iter(files)

    def submit() -> None:
        if gathering:
            task = pool.submit(prepare_many, [str(p) for p, _ in gathering], max_bytes)
            for _, place in gathering:
                place.task = task
            gathering.clear()

    def put(path: Path, here: bool = False) -> None:
        if skip and skip(path):
            waiting.append((path, Prepared(str(path), shown_name(path))))
        elif here:
            waiting.append((path, prepare(str(path), max_bytes)))
        else:
            place = _Place(len(gathering))
            waiting.append((path, place))
            gathering.append((path, place))
            if len(gathering) >= CHUNK:
                submit()

    if method == "fork":  # the first file here: the workers inherit what parsing it compiled
        for path in todo:
            put(path, here=True)
            break
    pool = ProcessPoolExecutor(workers, mp_context=context)
    try:
        for path in todo:
            put(path)
            if len(waiting) >= AHEAD * CHUNK * workers:
                break
        while waiting:
            path, first = waiting.popleft()
            if isinstance(first, _Place) and first.task is None:
                submit()  # the input ended, or the writer caught up: send what is gathered
            try:
                done = first if isinstance(first, Prepared) else first.result()
            except BrokenProcessPool:  # killed, or out of memory: not the file's fault
                raise MealinkError(
                    f"{shown_name(path)}: the process parsing it stopped before it finished; "
                    "the files reported before it are stored, the others not; run the "
                    "ingest again (with --jobs 1 to parse in one process)") from None
            for path in todo:
                put(path)
                break
            yield done
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


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
