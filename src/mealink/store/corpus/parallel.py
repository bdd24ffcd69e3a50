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
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

from mealink.store.corpus.prepare import Prepared, prepare

__all__ = ["AHEAD", "MOST_WORKERS", "PARALLEL_FROM", "prepared_in_order", "workers_for"]

#: how many files a worker may be ahead of the writer (bounds the memory results hold:
#: each keeps the file's bytes)
AHEAD = 4


#: the fewest files for which ``ingest`` starts worker processes by itself (starting them
#: costs more than parsing a few dozen texts)
PARALLEL_FROM = 64
#: the most worker processes ``ingest`` starts by itself
MOST_WORKERS = 4


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


def prepared_in_order(files: Sequence[Path], max_bytes: int, workers: int
                      ) -> Iterator[Prepared]:
    """Each file of ``files`` prepared by one of ``workers`` processes, in order."""
    methods = multiprocessing.get_all_start_methods()
    method = "fork" if threading.active_count() == 1 and "fork" in methods else \
        "forkserver" if "forkserver" in methods else "spawn"
    context = multiprocessing.get_context(method)
    if method == "forkserver":
        context.set_forkserver_preload(["mealink.store.corpus.prepare"])
    pool = ProcessPoolExecutor(workers, mp_context=context)
    waiting: deque[Future[Prepared]] = deque()
    todo = iter(files)
    try:
        for path in todo:
            waiting.append(pool.submit(prepare, str(path), max_bytes))
            if len(waiting) >= AHEAD * workers:
                break
        while waiting:
            done = waiting.popleft().result()
            for path in todo:
                waiting.append(pool.submit(prepare, str(path), max_bytes))
                break
            yield done
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
