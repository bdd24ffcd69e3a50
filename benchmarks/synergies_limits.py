"""Target 4 of the synergies benchmark, the machine's own limits, measured in the same run
as the yardstick: SGEMM and streaming-read bandwidth with OpenBLAS as loaded (its kernel set
read from the library), and what describes the CPU, numpy's BLAS build and the memory."""

from __future__ import annotations

import ctypes
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness.timing import best_of

BLOCK = 1024  # rows of one all-pairs block
BANDWIDTH_BYTES = 1536 * 2**20  # the streaming-read matrix: 1.5 GiB of float32

# --------------------------------------------------------------------------- BLAS


def blas_runtime() -> dict[str, Any]:
    """OpenBLAS as loaded in this process: its kernel set (core name), threads, config."""
    import numpy as np

    np.zeros(1) @ np.zeros(1)  # make sure the library is loaded
    path = None
    with open("/proc/self/maps") as f:
        for line in f:
            name = line.split()[-1] if len(line.split()) >= 6 else ""
            if "openblas" in name.lower() and ".so" in name:
                path = name
                break
    out: dict[str, Any] = {"library": path, "OPENBLAS_CORETYPE":
                           os.environ.get("OPENBLAS_CORETYPE")}
    if path is None:
        return out
    lib = ctypes.CDLL(path)

    def call(names: Sequence[str], restype: Any) -> Any:
        for name in names:
            fn = getattr(lib, name, None)
            if fn is not None:
                fn.restype = restype
                value = fn()
                return value.decode() if isinstance(value, bytes) else value
        return None

    out["corename"] = call(("scipy_openblas_get_corename64_", "openblas_get_corename64_",
                            "openblas_get_corename"), ctypes.c_char_p)
    out["config"] = call(("scipy_openblas_get_config64_", "openblas_get_config64_",
                          "openblas_get_config"), ctypes.c_char_p)
    out["threads"] = call(("scipy_openblas_get_num_threads64_", "openblas_get_num_threads64_",
                           "openblas_get_num_threads"), ctypes.c_int)
    return out


def set_blas_threads(n: int) -> bool:
    """Set OpenBLAS's thread count in this process (True if it could)."""
    info = blas_runtime()
    if not info.get("library"):
        return False
    lib = ctypes.CDLL(info["library"])
    for name in ("scipy_openblas_set_num_threads64_", "openblas_set_num_threads64_",
                 "openblas_set_num_threads"):
        fn = getattr(lib, name, None)
        if fn is not None:
            fn.argtypes = [ctypes.c_int]
            fn(n)
            return True
    return False


def has_avx512() -> bool:
    """Whether /proc/cpuinfo lists ``avx512f`` (then SkylakeX kernels are tried too)."""
    try:
        return any(line.startswith("flags") and " avx512f" in line
                   for line in Path("/proc/cpuinfo").read_text().splitlines())
    except OSError:
        return False


def child_limits(opts: dict[str, Any]) -> dict[str, Any]:
    """Machine limits in this process: SGEMM and streaming-read bandwidth."""
    out: dict[str, Any] = {"blas": blas_runtime()}
    out.update(_sgemm_limits(int(opts["rows"])))
    out.update(_read_bandwidth())
    return out


def _sgemm_limits(n: int) -> dict[str, Any]:
    """SGEMM 2048³ on 2 and 1 threads, and one all-pairs block (BLOCK × 384 × n)."""
    import numpy as np

    rng = np.random.default_rng(1)
    out: dict[str, Any] = {}
    a = rng.standard_normal((2048, 2048), dtype=np.float32)
    b = rng.standard_normal((2048, 2048), dtype=np.float32)
    for threads in (2, 1):
        set_blas_threads(threads)
        best, times = best_of(lambda: a @ b, 3)
        out[f"sgemm_2048_{threads}t"] = {"gflops": 2 * 2048**3 / best / 1e9, "times_s": times}
    set_blas_threads(os.cpu_count() or 2)
    x = rng.standard_normal((n, 384), dtype=np.float32)
    blk = np.ascontiguousarray(x[:BLOCK])
    best, times = best_of(lambda: blk @ x.T, 3)
    out["sgemm_block"] = {"shape": [BLOCK, 384, n], "gflops": 2 * BLOCK * 384 * n / best / 1e9,
                          "times_s": times}
    return out


def _read_bandwidth() -> dict[str, Any]:
    """Streaming read: ``A @ v`` over a BANDWIDTH_BYTES float32 matrix, 2 and 1 threads."""
    import numpy as np

    rng = np.random.default_rng(2)
    m = rng.random((BANDWIDTH_BYTES // (384 * 4), 384), dtype=np.float32)
    v = rng.random(384, dtype=np.float32)
    out: dict[str, Any] = {}
    for threads in (2, 1):
        set_blas_threads(threads)
        best, times = best_of(lambda: m @ v, 5)
        out[f"read_bw_{threads}t"] = {"gb_per_s": m.nbytes / best / 1e9, "bytes": m.nbytes,
                                      "times_s": times}
    set_blas_threads(os.cpu_count() or 2)
    return out


def numpy_blas_build() -> dict[str, Any]:
    """The BLAS numpy was built against, as ``np.show_config`` reports it."""
    import numpy as np

    try:
        cfg = np.show_config(mode="dicts")
        return dict(cfg["Build Dependencies"]["blas"])  # type: ignore[index,unused-ignore]
    except Exception as exc:  # only a description: never fail the run for it
        return {"error": str(exc)}


def cpu_details() -> dict[str, Any]:
    """Family, model and caches of the first CPU in /proc/cpuinfo, and its vector flags."""
    out: dict[str, Any] = {}
    try:
        block = Path("/proc/cpuinfo").read_text().split("\n\n")[0]
    except OSError:
        return out
    for line in block.splitlines():
        key, _, value = line.partition(":")
        key, value = key.strip(), value.strip()
        if key in ("cpu family", "model", "stepping", "cache size", "cpu MHz"):
            out[key.replace(" ", "_")] = value
        elif key == "flags":
            out["vector_flags"] = sorted(f for f in value.split()
                                         if f.startswith(("avx", "fma", "amx")))
    return out


def memory_total_gb() -> float | None:
    """The machine's memory in GB (10^9 bytes), from /proc/meminfo."""
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1]) * 1024 / 1e9
    return None
