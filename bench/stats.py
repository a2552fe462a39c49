"""Small measuring helpers: percentiles, timers, memory and machine facts."""

from __future__ import annotations

import os
import platform
import resource
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import numpy as np


def summarize(samples_ms: list[float]) -> dict[str, float | int]:
    """p50, p95, p99, mean, min and max of latency samples in milliseconds.

    Parameters
    ----------
    samples_ms
        One sample per call, in milliseconds.

    Returns
    -------
    dict
        ``{"n", "p50", "p95", "p99", "mean", "min", "max"}`` rounded to 0.01 ms;
        only ``{"n": 0}`` when there are no samples.
    """
    if not samples_ms:
        return {"n": 0}
    a = np.asarray(samples_ms, dtype=np.float64)
    pct = np.percentile(a, [50, 95, 99])
    return {
        "n": int(a.size),
        "p50": round(float(pct[0]), 2),
        "p95": round(float(pct[1]), 2),
        "p99": round(float(pct[2]), 2),
        "mean": round(float(a.mean()), 2),
        "min": round(float(a.min()), 2),
        "max": round(float(a.max()), 2),
    }


def time_ms(fn: Callable[[], object]) -> float:
    """Run ``fn`` once and return its wall time in milliseconds."""
    started = time.perf_counter()
    fn()
    return (time.perf_counter() - started) * 1000.0


@contextmanager
def stopwatch(into: dict, key: str):
    """Store the seconds spent in the ``with`` block as ``into[key]``."""
    started = time.perf_counter()
    try:
        yield
    finally:
        into[key] = round(time.perf_counter() - started, 3)


def self_peak_rss_mb() -> float:
    """Peak resident set size of this process so far (``ru_maxrss``), in MiB."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1)


def proc_memory_mb(pid: int) -> dict[str, float]:
    """``VmHWM`` (peak) and ``VmRSS`` (current) of a process from /proc, in MiB."""
    out: dict[str, float] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmHWM", "VmRSS"):
            out[key] = round(int(value.split()[0]) / 1024.0, 1)
    return out


def dir_size_mb(path: Path) -> float:
    """Total size of the files under ``path``, in MiB."""
    return round(sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file()) / 2**20, 2)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _mem_total_gib() -> float:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            return round(int(line.split()[1]) / 2**20, 1)
    return 0.0


def _git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def machine_info() -> dict[str, object]:
    """The facts a reader needs to judge the figures: CPUs, CPU model, RAM, load, versions."""
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "nproc": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "cpu_model": _cpu_model(),
        "ram_gib": _mem_total_gib(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "git_commit": _git_commit(),
    }


def load_average() -> str:
    """``uptime``'s load averages (1, 5, 15 min) as one string."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


class LoadSampler:
    """Samples the 1-minute load average every ``every_s`` seconds in a daemon thread."""

    def __init__(self, every_s: float = 10.0) -> None:
        import threading

        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(every_s,), daemon=True)

    def _run(self, every_s: float) -> None:
        while not self._stop.is_set():
            self.samples.append(round(os.getloadavg()[0], 2))
            self._stop.wait(every_s)

    def start(self) -> LoadSampler:
        self._thread.start()
        return self

    def stop(self) -> dict[str, float]:
        """Stop sampling; return min, median and max of the 1-minute load average seen."""
        self._stop.set()
        if not self.samples:
            return {}
        ordered = sorted(self.samples)
        return {"n": len(ordered), "min": ordered[0], "median": ordered[len(ordered) // 2], "max": ordered[-1]}
