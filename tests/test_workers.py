"""Work spread over worker processes (``mealink.workers``): every item comes back once, in
the order given, whatever the number of items, the task size and the items done here; a
worker that dies is the caller's one exception, not a hang; and ``mealink parse --jobs``
prints exactly what one process prints."""

from __future__ import annotations

import os
import subprocess
import sys
from functools import partial
from pathlib import Path

import pytest

from mealink.workers import CHUNK, PARALLEL_FROM, in_order, workers_for


def _squares(items: list[int], offset: int = 0) -> list[tuple[int, int]]:
    """A worker's task: each item with its square plus ``offset`` and the worker's pid."""
    return [(i * i + offset, os.getpid()) for i in items]


def _dies_on(items: list[int], fatal: int) -> list[int]:
    """A worker that dies (as the kernel kills one out of memory) on item ``fatal``."""
    if fatal in items:
        os._exit(9)
    return items


@pytest.mark.parametrize(("n", "chunk", "workers"),
                         [(1, CHUNK, 2), (CHUNK, CHUNK, 2), (CHUNK * 7 + 3, CHUNK, 2),
                          (50, 1, 2), (50, 9, 3)])
def test_results_come_back_once_each_in_the_order_given(n: int, chunk: int,
                                                        workers: int) -> None:
    got = list(in_order(range(n), partial(_squares, offset=1), workers, chunk=chunk, ahead=2))
    assert [item for item, _ in got] == list(range(n))
    assert [value for _, (value, _) in got] == [i * i + 1 for i in range(n)]
    if n > chunk * 2:  # more than one process did the work
        assert len({pid for _, (_, pid) in got}) > 1


@pytest.mark.parametrize("here_every", [1, 2, 5])
def test_items_done_here_keep_their_place(here_every: int) -> None:
    """What ``here`` answers is not sent to a worker, and still comes back in its place."""
    def here(i: int) -> tuple[int, int] | None:
        return (-i, os.getpid()) if i % here_every == 0 else None

    got = list(in_order(range(30), _squares, 2, here=here, chunk=3))
    assert [item for item, _ in got] == list(range(30))
    for i, (value, pid) in got:
        if i % here_every == 0:
            assert (value, pid) == (-i, os.getpid())
        else:
            assert value == i * i


def test_a_worker_that_dies_is_the_callers_exception() -> None:
    with pytest.raises(LookupError, match="item 13"):
        for _ in in_order(range(40), partial(_dies_on, fatal=13), 2, chunk=2,
                          broken=lambda i: LookupError(f"item {i}")):
            pass


def test_workers_for_asks_the_cpus_only_for_a_batch_worth_it() -> None:
    assert workers_for(3, 1) == 3  # as asked
    assert workers_for(None, PARALLEL_FROM - 1) == 1
    assert 1 <= workers_for(None, PARALLEL_FROM) <= len(os.sched_getaffinity(0))


def _parse(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mealink.cli", "parse", *args],
                          capture_output=True, text=True, timeout=300, check=False)


def test_parse_on_several_processes_prints_what_one_prints(tmp_path: Path,
                                                           realdocs_dir: Path) -> None:
    """Real texts, a text that is no resolution and an empty file in between, read by two
    worker processes a few files a task: the same JSON lines in the same order, the same
    one-line refusals, the same exit code as one process."""
    files = sorted(realdocs_dir.glob("*.txt"))[:CHUNK * 4 + 1]
    bad_novel, bad_empty = tmp_path / "novel.txt", tmp_path / "empty.txt"
    bad_novel.write_text("It was a dark and stormy night.\n\nNobody came.\n", encoding="utf-8")
    bad_empty.write_bytes(b"")
    given = [*files[:5], bad_novel, *files[5:11], bad_empty, *files[11:]]
    one = _parse(*map(str, given), "--json", "--jobs", "1")
    two = _parse(*map(str, given), "--json", "--jobs", "2")
    assert one.returncode == two.returncode == 1
    assert two.stdout == one.stdout
    assert len(one.stdout.splitlines()) == len(files)
    assert two.stderr.splitlines() == one.stderr.splitlines()
    refused = one.stderr.splitlines()
    assert len(refused) == 2
    assert "novel.txt" in refused[0] and "empty.txt" in refused[1]
