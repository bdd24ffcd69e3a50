"""Peak memory for the benchmarks: this process's VmRSS / VmHWM (with the high-water mark
reset), and a child command's own peak RSS and RSS timeline, read through a small launcher.

Linux carries ``ru_maxrss`` over from the parent at fork + exec: a child started by a large
benchmark process would report the benchmark's memory. So this process's peak is read from
VmHWM, and a child's is measured by a tiny launcher (``python -I -S``) that forks, execs the
command and calls ``os.wait4``: the only inherited floor is then the launcher's ~10 MB.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.timing import Log, busy_seconds

MB = 1e6
POLL_S = 0.05


def status_kb(field: str) -> int | None:
    """A ``/proc/self/status`` figure in KiB (``VmRSS``, ``VmHWM`` ...), None if unreadable."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark (VmHWM) to the current RSS (Linux >= 4.0)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def peak_rss_kb() -> tuple[int, str]:
    """Peak RSS of this process in KiB and how it was read.

    ru_maxrss is inherited across fork + exec on Linux (a child started by a big parent
    reports the parent's RSS), so VmHWM from /proc/self/status is preferred.
    """
    hwm = status_kb("VmHWM")
    if hwm is not None:
        return hwm, "VmHWM"
    r = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return (r // 1024 if sys.platform == "darwin" else r), "ru_maxrss"


#: Forks, execs argv[3:], waits with wait4 and writes what it measured to argv[1] as JSON.
#: Run as ``python -I -S -c LAUNCHER``, so the high-water mark the child inherits at fork is
#: this small interpreter's, not the benchmark's. argv[2] is the poll interval in seconds:
#: the RSS is sampled that often; 0 blocks in wait4 instead, for the exact wall time of a
#: short command (polling rounds a 50 ms command up to its interval).
LAUNCHER = r"""
import json, os, sys, time
out, poll, cmd = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
t0 = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execv(cmd[0], cmd)
    finally:
        os._exit(127)
hwm, samples = 0, []
while True:
    done, status, ru = os.wait4(pid, os.WNOHANG if poll else 0)
    if done:
        break
    try:
        rss = None
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    hwm = max(hwm, int(line.split()[1]))
                elif line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
        if rss is not None:
            samples.append((round(time.perf_counter() - t0, 3), rss))
    except (OSError, ValueError):
        pass
    time.sleep(poll)
wall = time.perf_counter() - t0
with open(out, "w") as f:
    json.dump({"exit_code": os.waitstatus_to_exitcode(status), "wall_s": wall,
               "ru_maxrss_kb": ru.ru_maxrss, "polled_hwm_kb": hwm, "user_s": ru.ru_utime,
               "sys_s": ru.ru_stime, "samples": samples}, f)
"""


def _launch(cmd: Sequence[str], cwd: Path, poll: float
            ) -> tuple[dict[str, Any], subprocess.CompletedProcess[str]]:
    """Run ``cmd`` through the launcher: what it measured, with the CPUs other processes
    kept busy meanwhile (``others_busy_cpus``; the launcher's polling, a few ms of CPU per
    second, counts as theirs), and the finished launcher (its stdout and stderr)."""
    fd, result_path = tempfile.mkstemp(prefix="bench-run-", suffix=".json")
    os.close(fd)
    try:
        b0 = busy_seconds()
        proc = subprocess.run([sys.executable, "-I", "-S", "-c", LAUNCHER, result_path,
                               str(poll), *cmd], cwd=cwd, capture_output=True, text=True,
                              check=False)
        b1 = busy_seconds()
        raw = Path(result_path).read_text()
    finally:
        Path(result_path).unlink(missing_ok=True)
    if not raw:
        raise RuntimeError(f"the launcher failed ({proc.returncode}): {proc.stderr[-2000:]}")
    r: dict[str, Any] = json.loads(raw)
    r["stderr_tail"] = proc.stderr.strip()[-1500:]
    r["stdout_bytes"] = len(proc.stdout)
    # the higher of the two: the polled VmHWM was seen to exceed ru_maxrss by up to 0.4 MB,
    # and the conservative figure is the one judged
    r["peak_rss_kb"] = max(r["ru_maxrss_kb"], r["polled_hwm_kb"])
    r["peak_rss_mb"] = r["peak_rss_kb"] * 1024 / MB
    child_cpu = r["user_s"] + r["sys_s"]
    r["others_busy_cpus"] = (max(0.0, (b1 - b0) - child_cpu) / r["wall_s"]
                             if b0 is not None and b1 is not None and r["wall_s"] > 0 else None)
    return r, proc


def run_measured(cmd: Sequence[str], cwd: Path, log: Log) -> dict[str, Any]:
    """Run ``cmd`` through the launcher, polling: its exit code, wall time, CPU, peak RSS
    (KiB), the RSS timeline, stderr, and how busy other processes kept the CPUs meanwhile."""
    r, _ = _launch(cmd, cwd, POLL_S)
    r["timeline"] = timeline(r.pop("samples"))
    if r["exit_code"] != 0:
        log(f"  FAILED with exit code {r['exit_code']}: {r['stderr_tail'][-500:]}")
    return r


def run_short(cmd: Sequence[str], cwd: Path) -> dict[str, Any]:
    """Run a short ``cmd`` through the launcher blocking in wait4: its exact wall time, CPU,
    peak RSS (``peak_rss_mb``), exit code and stderr."""
    r, _ = _launch(cmd, cwd, 0)
    r.pop("samples")
    return r


def timeline(samples: list[list[float]]) -> dict[str, Any]:
    """The polled RSS over the run: at each tenth of it, and the growth over its second
    half (a streamed export stays flat once it is under way)."""
    if not samples:
        return {"samples": 0}
    end = samples[-1][0]

    def at(fraction: float) -> int:
        best = samples[0][1]
        for t, rss in samples:
            if t > fraction * end:
                break
            best = rss
        return int(best)

    tenths = {f"{k * 10}%": round(at(k / 10) * 1024 / MB, 1) for k in range(1, 11)}
    return {"samples": len(samples), "poll_s": POLL_S, "rss_mb_at": tenths,
            "max_polled_rss_mb": round(max(s[1] for s in samples) * 1024 / MB, 1),
            "growth_second_half_mb": round((at(1.0) - at(0.5)) * 1024 / MB, 1)}
