"""Timing for the benchmarks: pinning to a CPU, best / median of repeats, percentiles, and
whether the machine was quiet (the machines here are shared, so every timed phase records
how many CPUs other processes kept busy)."""

from __future__ import annotations

import gc
import math
import os
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

Log = Callable[[str], None]


def busy_seconds() -> float | None:
    """Busy time of all CPUs so far (seconds), from the first line of /proc/stat."""
    try:
        with open("/proc/stat") as f:
            fields = f.readline().split()
        user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, fields[1:9])
        return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def process_cpu_seconds(pid: int | str) -> float | None:
    """CPU seconds (user + system) a process has used so far, from /proc/PID/stat."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rfind(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_seconds() -> float:
    """CPU time used so far by the PostgreSQL server's processes (they work for us)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            raw = stat.read_text()
        except OSError:
            continue
        comm_end = raw.rfind(")")
        if raw[raw.find("(") + 1:comm_end] != "postgres":
            continue
        fields = raw[comm_end + 2:].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def cpu_with_children() -> float:
    """CPU seconds of this process and of its children it has waited for."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def pin_one_core(cpu: int = 0) -> str:
    """Pin this process (and the children it starts) to one CPU; what was done."""
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (os.sched_setaffinity unavailable)"
    allowed = os.sched_getaffinity(0)
    cpu = cpu if cpu in allowed else min(allowed)
    try:
        os.sched_setaffinity(0, {cpu})
    except OSError as exc:
        return f"not pinned ({exc})"
    return f"pinned to CPU {cpu} (os.sched_setaffinity)"


@dataclass
class TimedRuns:
    """Repeated timings of a callable, remembering for every run the share of its core this
    process got (well below 1: another process shared the core) and the CPUs other processes
    kept busy meanwhile (above ~0.3 the machine was not quiet)."""

    cpu_shares: list[float] = field(default_factory=list)
    others_busy: list[float] = field(default_factory=list)

    def run(self, fn: Callable[[], Any], repeats: int, budget: float | None = None
            ) -> list[float]:
        """Time ``fn`` ``repeats`` times (fewer if one run alone exceeds ``budget`` seconds)."""
        times: list[float] = []
        for _ in range(repeats):
            gc.collect()
            b0 = busy_seconds()
            c0 = time.process_time()
            t0 = time.perf_counter()
            fn()
            wall = time.perf_counter() - t0
            own = time.process_time() - c0
            b1 = busy_seconds()
            self.cpu_shares.append(own / wall if wall > 0 else 1.0)
            if b0 is not None and b1 is not None and wall > 0:
                self.others_busy.append(max(0.0, (b1 - b0 - own) / wall))
            times.append(wall)
            if budget is not None and sum(times) > budget:
                break
        return times


def best_of(fn: Callable[[], Any], repeats: int) -> tuple[float, list[float]]:
    """Best and all wall times of ``repeats`` calls of ``fn`` (after one warm-up call)."""
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), times


class Meter:
    """Wall time of a timed phase and whether the machine was quiet meanwhile: the CPU this
    process used (with its waited-for children when ``children``; with the PostgreSQL
    server's when ``postgres``, which works for it), and the CPUs other processes kept busy."""

    def __init__(self, *, children: bool = False, postgres: bool = False) -> None:
        self.children, self.postgres = children, postgres
        self.pg = 0.0

    def _cpu(self) -> float:
        return cpu_with_children() if self.children else time.process_time()

    def __enter__(self) -> Meter:
        self.b0 = busy_seconds()
        self.pg0 = postgres_seconds() if self.postgres else 0.0
        self.c0, self.t0 = self._cpu(), time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self.t0
        self.own = self._cpu() - self.c0
        if self.postgres:
            self.pg = postgres_seconds() - self.pg0
        b1 = busy_seconds()
        busy = (b1 - self.b0) if b1 is not None and self.b0 is not None else float("nan")
        self.others = max(0.0, busy - self.own - self.pg) / self.wall if self.wall else 0.0

    def elapsed(self) -> float:
        """Seconds since the phase began (for progress messages while it runs)."""
        return time.perf_counter() - self.t0

    def as_dict(self) -> dict[str, float]:
        """The figures as recorded in the results files."""
        out = {"wall_s": self.wall, "own_cpu_s": self.own}
        if self.postgres:
            out["postgres_cpu_s"] = self.pg
        out["others_busy_cpus"] = self.others
        return out


@dataclass(frozen=True)
class Quiet:
    """What ``wait_quiet`` saw: the CPUs other processes kept busy last, and the wait."""

    others: float
    waited: float


def wait_quiet(max_wait: float, log: Log, *, limit: float = 0.25, interval: float = 2.0,
               own_cpu: Callable[[], float] = cpu_with_children) -> Quiet:
    """Wait (at most ``max_wait`` s) until other processes keep fewer than ``limit`` CPUs
    busy over ``interval`` seconds; ``own_cpu`` counts the CPU seconds that are ours (this
    process, a server it started ...), which are not "other processes"."""
    t0 = time.perf_counter()
    said = False
    while True:
        b0, c0 = busy_seconds(), own_cpu()
        time.sleep(interval)
        b1, c1 = busy_seconds(), own_cpu()
        waited = time.perf_counter() - t0
        if b0 is None or b1 is None:
            return Quiet(float("nan"), waited)
        others = max(0.0, (b1 - b0) - (c1 - c0)) / interval
        if others < limit or waited > max_wait:
            if said:
                log(f"  other processes now keep {others:.2f} CPUs busy; going on")
            return Quiet(others, waited)
        if not said:
            log(f"  other processes keep {others:.2f} CPUs busy; waiting up to "
                f"{max_wait:.0f} s for a quiet machine ...")
            said = True


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), linear between closest ranks."""
    s = sorted(values)
    if not s:
        return float("nan")
    k = (len(s) - 1) * q / 100
    lo, hi = math.floor(k), math.ceil(k)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def summary_ms(values: Sequence[float], *, with_min: bool = False) -> dict[str, float]:
    """Count, p50 / p95 / p99, (min,) max and mean of timings in milliseconds."""
    out: dict[str, float] = {"n": len(values), "p50": percentile(values, 50),
                             "p95": percentile(values, 95), "p99": percentile(values, 99)}
    if with_min:
        out["min"] = min(values)
    out["max"] = max(values)
    out["mean"] = statistics.fmean(values)
    return out
