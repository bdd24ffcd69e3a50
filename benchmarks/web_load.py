"""The load side of the web benchmark (``bench_web.py``): ``mealink serve`` as a subprocess
whose processes' CPU can be read, ``wrk`` driven by a Lua script that rotates through a list
of paths and reports its histogram as JSON, a pre-check that every path answers 200, and an
open-loop client that sends requests on a fixed schedule and times each from when it was due.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness import REPO
from harness.timing import Log, process_cpu_seconds

WRK_TIMEOUT_S = 10
READY_TIMEOUT_S = 120.0

# --------------------------------------------------------------------------- server


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def get(port: int, path: str, timeout: float = 30.0) -> tuple[int, int]:
    """(status, body bytes) of one GET, redirects not followed."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, len(resp.read())
    finally:
        conn.close()


class Server:
    """``mealink serve`` in a subprocess of its own session (so it can be stopped whole)."""

    def __init__(self, mealink_bin: Path, db: Path, port: int, workers: int, log_file: Path,
                 log: Log) -> None:
        self.cmd = [str(mealink_bin), "serve", "--db", str(db), "--host", "127.0.0.1",
                    "--port", str(port), "--workers", str(workers)]
        self.port, self.log_file, self.log = port, log_file, log
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        self.log(f"starting: {' '.join(self.cmd)}")
        self._out = self.log_file.open("wb")
        self.proc = subprocess.Popen(self.cmd, stdout=self._out, stderr=subprocess.STDOUT,
                                     start_new_session=True, cwd=REPO)
        t0 = time.perf_counter()
        while True:
            if self.proc.poll() is not None:
                raise SystemExit(f"the server exited ({self.proc.returncode}):\n"
                                 + self.log_file.read_text(errors="replace")[-3000:])
            try:
                if get(self.port, "/", timeout=5)[0] == 200:
                    break
            except OSError:
                pass
            if time.perf_counter() - t0 > READY_TIMEOUT_S:
                self.stop()
                raise SystemExit(f"the server did not answer GET / with 200 within "
                                 f"{READY_TIMEOUT_S:.0f} s")
            time.sleep(0.2)
        self.log(f"server ready in {time.perf_counter() - t0:.1f} s (pid {self.proc.pid})")
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL to its process group after 20 s)."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.log("the server did not stop on SIGTERM; killing its process group")
                os.killpg(self.proc.pid, signal.SIGKILL)  # the session this script started
                self.proc.wait()
        self._out.close()
        self.proc = None

    def pids(self) -> list[int]:
        """The server's process and all its descendants (uvicorn's workers)."""
        if self.proc is None:
            return []
        parent: dict[int, int] = {}
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                raw = stat.read_text()
            except OSError:
                continue
            fields = raw[raw.rfind(")") + 2:].split()
            parent[int(stat.parent.name)] = int(fields[1])
        tree = {self.proc.pid}
        changed = True
        while changed:
            changed = False
            for pid, ppid in parent.items():
                if ppid in tree and pid not in tree:
                    tree.add(pid)
                    changed = True
        return sorted(tree)

    def cpu_by_pid(self) -> dict[int, float]:
        """CPU seconds (user + system) used so far by each of the server's processes."""
        out: dict[int, float] = {}
        for pid in self.pids():
            seconds = process_cpu_seconds(pid)
            if seconds is not None:
                out[pid] = seconds
        return out

    def cpu_seconds(self) -> float:
        """CPU seconds used so far by all the server's processes together."""
        return sum(self.cpu_by_pid().values())


# --------------------------------------------------------------------------- wrk


LUA = r"""
local paths = {%(paths)s}
local reqs = {}
local i = %(start)d
init = function(args)
  for k, p in ipairs(paths) do reqs[k] = wrk.format("GET", p) end
end
request = function()
  i = i + 1
  if i > #reqs then i = 1 end
  return reqs[i]
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '@@JSON {"duration_us": %%.0f, "requests": %%.0f, "bytes": %%.0f, ' ..
    '"connect": %%.0f, "read": %%.0f, "write": %%.0f, "status": %%.0f, "timeout": %%.0f, ' ..
    '"mean_us": %%.1f, "max_us": %%.0f, "p50_us": %%.0f, "p90_us": %%.0f, ' ..
    '"p99_us": %%.0f, "p999_us": %%.0f}\n',
    summary.duration, summary.requests, summary.bytes,
    e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency.max, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9)))
end
"""


def lua_script(paths: Sequence[str], start: int) -> str:
    """The wrk script rotating through ``paths`` from ``start``, checked safe to quote."""
    for p in paths:  # URL-quoted: nothing that could end a Lua string
        if not p.startswith("/") or any(c in p for c in "\"\\\n\r"):
            raise ValueError(f"unexpected path {p!r}")
    return LUA % {"paths": ", ".join(f'"{p}"' for p in paths), "start": start}


def run_wrk(port: int, paths: Sequence[str], seconds: float, connections: int,
            start: int, tmp: Path) -> tuple[dict[str, Any], str]:
    """One wrk run over ``paths``: its JSON summary from the ``done()`` hook and its text."""
    script = tmp / "rotate.lua"
    script.write_text(lua_script(paths, start), encoding="utf-8")
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s",
           f"--timeout={WRK_TIMEOUT_S}s", "--latency", "-s", str(script),
           f"http://127.0.0.1:{port}"]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"wrk failed ({done.returncode}): {done.stderr}{done.stdout}")
    line = next((x for x in done.stdout.splitlines() if x.startswith("@@JSON ")), None)
    if line is None:
        raise SystemExit(f"wrk printed no summary:\n{done.stdout}\n{done.stderr}")
    raw: dict[str, Any] = json.loads(line[len("@@JSON "):])
    text = "\n".join(x for x in done.stdout.splitlines() if not x.startswith("@@JSON "))
    return raw, text


def precheck(port: int, paths: Sequence[str]) -> dict[str, Any]:
    """Fetch every path once; each must answer 200. Also the unloaded latency."""
    bad: list[dict[str, Any]] = []
    times: list[float] = []
    sizes: list[int] = []
    for p in paths:
        t0 = time.perf_counter()
        try:
            status, size = get(port, p)
        except OSError as exc:
            bad.append({"path": p, "status": None, "error": str(exc)})
            continue
        times.append((time.perf_counter() - t0) * 1000)
        sizes.append(size)
        if status != 200:
            bad.append({"path": p, "status": status})
    times.sort()
    return {"paths": len(paths), "non_200": bad,
            "unloaded_p50_ms": round(times[len(times) // 2], 1) if times else None,
            "unloaded_max_ms": round(times[-1], 1) if times else None,
            "mean_body_bytes": round(sum(sizes) / len(sizes)) if sizes else None}


async def _open_loop(port: int, paths: Sequence[str], rate: float, seconds: float,
                     start: int) -> dict[str, Any]:
    """Requests sent at a fixed rate whatever the answers do (an open loop, as users
    arrive), each timed from the moment it was due to be sent, so a slow server cannot
    hide its queue by slowing the sender down (no coordinated omission)."""
    import asyncio

    clock = time.perf_counter  # uvloop's loop.time() counts whole milliseconds
    idle: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = []
    opened = 0
    latencies: list[float] = []
    errors = {"connect": 0, "read": 0, "status": 0}
    count = int(rate * seconds)
    t0 = clock() + 0.2
    last = t0

    async def connect() -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        nonlocal opened
        opened += 1
        return await asyncio.open_connection("127.0.0.1", port)

    async def fetch(conn: tuple[asyncio.StreamReader, asyncio.StreamWriter], path: str
                    ) -> int:
        reader, writer = conn
        writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length:"))
        await reader.readexactly(length)
        return int(head.split(b" ", 2)[1])

    async def one(i: int) -> None:
        nonlocal last
        due = t0 + i / rate
        await asyncio.sleep(max(0.0, due - clock()))
        path = paths[(start + i) % len(paths)]
        reused = bool(idle)
        try:
            conn = idle.pop() if idle else await connect()
        except OSError:
            errors["connect"] += 1
            return
        try:
            try:
                status = await fetch(conn, path)
            except asyncio.IncompleteReadError as exc:
                # the server closed a connection that sat idle past its keep-alive time:
                # like any HTTP client, send again on a new one (still timed from `due`)
                if not reused or exc.partial:
                    raise
                conn[1].close()
                conn = await connect()
                status = await fetch(conn, path)
        except (OSError, ValueError, StopIteration, asyncio.IncompleteReadError,
                asyncio.LimitOverrunError):
            errors["read"] += 1
            conn[1].close()
            return
        done = clock()
        latencies.append(done - due)
        last = max(last, done)
        if status != 200:
            errors["status"] += 1
        idle.append(conn)

    await asyncio.gather(*(one(i) for i in range(count)))
    for _, writer in idle:
        writer.close()
    latencies.sort()

    def pct(q: float) -> float:
        return 1000 * latencies[min(len(latencies) - 1, int(q * len(latencies)))] \
            if latencies else float("nan")

    return {"offered_rps": rate, "requests": len(latencies),
            "achieved_rps": len(latencies) / (last - t0) if last > t0 else 0.0,
            "latency_ms": {"p50": pct(0.5), "p90": pct(0.9), "p99": pct(0.99),
                           "p999": pct(0.999), "max": 1000 * latencies[-1] if latencies
                           else float("nan")},
            "errors": errors, "connections_opened": opened}


def open_loop(port: int, paths: Sequence[str], rate: float, seconds: float,
              start: int = 0) -> dict[str, Any]:
    """``_open_loop`` on uvloop when it is installed (its own CPU is then a few percent)."""
    import asyncio

    try:
        import uvloop

        return uvloop.run(_open_loop(port, paths, rate, seconds, start))
    except ImportError:
        return asyncio.run(_open_loop(port, paths, rate, seconds, start))
