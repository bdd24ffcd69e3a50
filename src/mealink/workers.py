"""Work spread over worker processes and handed back in the order it was given (issue 18):
ingest parses in workers while one process writes, and ``mealink parse`` reads a folder on
every core, each printing or storing the files in the order they were named.

Items go to a worker a few at a time (``chunk``: the bookkeeping of one task per item cost
the receiving process about as much again as taking the results back), and no more than
``ahead`` tasks a worker are in flight, which bounds the memory that results not yet taken
hold. Workers are forked from this process when it runs no other thread (they then start
with everything it has loaded and compiled, in milliseconds); otherwise, as under the
command line's progress bar, from a fresh server process, since a fork copies a lock another
thread may hold (where neither is offered, each worker is a new interpreter).
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Generic, TypeVar

__all__ = ["AHEAD", "CHUNK", "MOST_WORKERS", "PARALLEL_FROM", "in_order", "workers_for"]

#: tasks a worker may be ahead of the process taking the results
AHEAD = 4
#: items a worker takes in one task
CHUNK = 4
#: the fewest items for which a command starts worker processes by itself (starting them
#: costs more than parsing a few dozen texts)
PARALLEL_FROM = 64
#: the most worker processes a command starts by itself
MOST_WORKERS = 4

T = TypeVar("T")
R = TypeVar("R")


def workers_for(asked: int | None, items: int) -> int:
    """How many processes work: as asked, else one a CPU this process may use (up to
    ``MOST_WORKERS``) for ``PARALLEL_FROM`` items or more, else none but this one."""
    if asked is not None:
        return max(1, asked)
    if items < PARALLEL_FROM:
        return 1
    affinity = getattr(os, "sched_getaffinity", None)  # Linux; elsewhere every CPU
    cpus = len(affinity(0)) if affinity is not None else (os.cpu_count() or 1)
    return max(1, min(MOST_WORKERS, cpus))


@dataclass(slots=True)
class _Place(Generic[R]):
    """An item's place in a worker's task: its index there, and the task once it is sent."""

    index: int
    task: Future[list[R]] | None = None

    def result(self) -> R:
        """The item's result (waits for the task)."""
        if self.task is None:
            raise RuntimeError("the task holding this item was never sent")
        return self.task.result()[self.index]


@dataclass(frozen=True, slots=True)
class _Done(Generic[R]):
    """A result made in this process (the first item, or one that needs no worker)."""

    value: R


def _context(preload: Sequence[str]) -> multiprocessing.context.BaseContext:
    methods = multiprocessing.get_all_start_methods()
    method = "fork" if threading.active_count() == 1 and "fork" in methods else \
        "forkserver" if "forkserver" in methods else "spawn"
    context = multiprocessing.get_context(method)
    if method == "forkserver" and preload:
        context.set_forkserver_preload(list(preload))
    return context


def in_order(items: Iterable[T], work: Callable[[list[T]], list[R]], workers: int, *,
             here: Callable[[T], R | None] | None = None,
             broken: Callable[[T], Exception] | None = None,
             preload: Sequence[str] = (), chunk: int = CHUNK, ahead: int = AHEAD
             ) -> Iterator[tuple[T, R]]:
    """Each item with ``work([item])[0]`` computed by one of ``workers`` processes, in the
    order of ``items``. ``work`` must be picklable (a function of a module, or a
    ``functools.partial`` of one) and return one result per item.

    ``here(item)`` may give an item's result without a worker (None: send it); when workers
    are forked, the first item is done in this process, so that they inherit what doing it
    compiled. A worker that dies (killed, out of memory) is not the item's fault: the
    exception ``broken(item)`` is raised for the first item it leaves undone.
    """
    context = _context(preload)
    forked = context.get_start_method() == "fork"
    waiting: deque[tuple[T, _Done[R] | _Place[R]]] = deque()
    gathering: list[tuple[T, _Place[R]]] = []  # the next task's items, not yet sent
    todo = iter(items)

    def submit() -> None:
        if gathering:
            task = pool.submit(work, [item for item, _ in gathering])
            for _, place in gathering:
                place.task = task
            gathering.clear()

    def put(item: T) -> None:
        done = here(item) if here is not None else None
        if done is not None:
            waiting.append((item, _Done(done)))
            return
        place: _Place[R] = _Place(len(gathering))
        waiting.append((item, place))
        gathering.append((item, place))
        if len(gathering) >= chunk:
            submit()

    if forked:  # the first item here: the workers inherit what doing it compiled
        for item in todo:
            done = here(item) if here is not None else None
            waiting.append((item, _Done(work([item])[0] if done is None else done)))
            break
    pool = ProcessPoolExecutor(workers, mp_context=context)
    try:
        for item in todo:
            put(item)
            if len(waiting) >= ahead * chunk * workers:
                break
        while waiting:
            item, first = waiting.popleft()
            if isinstance(first, _Place) and first.task is None:
                submit()  # the input ended, or the receiver caught up: send what is gathered
            try:
                result = first.value if isinstance(first, _Done) else first.result()
            except BrokenProcessPool:
                if broken is None:
                    raise
                raise broken(item) from None
            for nxt in todo:
                put(nxt)
                break
            yield item, result
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
