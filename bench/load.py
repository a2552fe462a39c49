"""A bounded HTTP load test against a jumelage server on this machine.

``run_load`` keeps ``concurrency`` requests in flight for ``seconds`` and
reports throughput, latency percentiles and errors. It only talks to the
loopback interface: it is a measuring tool, not a traffic generator.

Usage::

    python -m bench.load --url http://127.0.0.1:8000          # a running server
    python -m bench.load --serve var/index --seconds 30       # start one, measure, stop it
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import itertools
import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from bench.stats import free_port

DEFAULT_QUERIES = (
    "mondialisation",
    "tourisme culturel",
    "risques naturels",
    "自然災害への備え",
    "jeunesse",
    "coopération décentralisée",
    "文化観光",
    "développement durable",
    "防災",
    "échanges économiques",
)
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
REQUEST_TIMEOUT_S = 60.0


def _check_loopback(base_url: str) -> None:
    host = urlsplit(base_url).hostname
    if host not in LOOPBACK:
        raise ValueError(f"bench.load only measures a server on this machine (127.0.0.1), not {host!r}")


def percentile(sorted_values: list[float], q: float) -> float:
    """The ``q``-th percentile (0–100) by nearest rank; 0.0 for no values."""
    if not sorted_values:
        return 0.0
    rank = max(1, min(len(sorted_values), math.ceil(q / 100 * len(sorted_values))))
    return sorted_values[rank - 1]


async def _worker(
    client: httpx.AsyncClient,
    path: str,
    params: itertools.cycle,
    deadline: float,
    latencies: list[float],
    statuses: dict[str, int],
    by_status: dict[str, list[float]],
) -> None:
    while time.monotonic() < deadline:
        started = time.perf_counter()
        try:
            response = await client.get(path, params=next(params))
            key = str(response.status_code)
        except httpx.HTTPError as err:
            key = err.__class__.__name__
        latencies.append((time.perf_counter() - started) * 1000)
        by_status.setdefault(key, []).append(latencies[-1])
        statuses[key] = statuses.get(key, 0) + 1


async def _load(base_url: str, seconds: float, concurrency: int, path: str, params: list[dict]) -> dict:
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    by_status: dict[str, list[float]] = {}
    cycle = itertools.cycle(params)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base_url, limits=limits, timeout=REQUEST_TIMEOUT_S) as client:
        started = time.monotonic()
        deadline = started + seconds
        workers = [_worker(client, path, cycle, deadline, latencies, statuses, by_status) for _ in range(concurrency)]
        await asyncio.wait_for(asyncio.gather(*workers), timeout=seconds + REQUEST_TIMEOUT_S + 5)
        elapsed = time.monotonic() - started
    ordered = sorted(latencies)
    errors = sum(n for key, n in statuses.items() if key != "200")
    return {
        "requests": len(ordered),
        "errors": errors,
        "rps": round(len(ordered) / elapsed, 2) if elapsed else 0.0,
        "p50_ms": round(percentile(ordered, 50), 1),
        "p90_ms": round(percentile(ordered, 90), 1),
        "p99_ms": round(percentile(ordered, 99), 1),
        "max_ms": round(ordered[-1], 1) if ordered else 0.0,
        "elapsed_s": round(elapsed, 2),
        "statuses": dict(sorted(statuses.items())),
        # Latency of each kind of answer: a refusal (503) must be fast, whatever the successes cost.
        "by_status": {
            key: {"p50_ms": round(percentile(sorted(v), 50), 1), "p99_ms": round(percentile(sorted(v), 99), 1)}
            for key, v in sorted(by_status.items())
        },
    }


def run_load(
    base_url: str,
    seconds: float = 30,
    concurrency: int = 16,
    queries: list[str] | None = None,
    *,
    mode: str | None = None,
    path: str = "/api/search",
) -> dict:
    """Keep ``concurrency`` searches in flight for ``seconds`` against ``base_url``.

    Parameters
    ----------
    base_url
        A jumelage server on the loopback interface, e.g. ``http://127.0.0.1:8000``.
    seconds
        How long to send new requests; requests in flight at the end are awaited.
    concurrency
        Requests in flight at any time (one connection each).
    queries
        Query texts, sent in turn; a built-in French/Japanese mix when omitted.
    mode
        ``hybrid``, ``keyword`` or ``semantic``; the server's default when omitted.
    path
        ``/api/search`` (JSON) or ``/`` (the HTML search page).

    Returns
    -------
    dict
        ``requests``, ``errors`` (anything but a 200, or no answer), ``rps``,
        ``p50_ms``, ``p90_ms``, ``p99_ms``, ``max_ms``, ``elapsed_s``, ``statuses``.

    Raises
    ------
    ValueError
        For a server that is not on 127.0.0.1, or bad bounds.
    """
    _check_loopback(base_url)
    if not 0 < seconds <= 600 or not 1 <= concurrency <= 256:
        raise ValueError("seconds must be in (0, 600] and concurrency in [1, 256]")
    texts = [q for q in (queries or DEFAULT_QUERIES) if q and q.strip()] or list(DEFAULT_QUERIES)
    params = [{"q": q, **({"mode": mode} if mode else {})} for q in texts]
    job = lambda: asyncio.run(_load(base_url.rstrip("/"), seconds, concurrency, path, params))  # noqa: E731
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return job()
    # Called from code that already runs an event loop (Playwright's sync API, a notebook): use a thread.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(job).result()


def serve(
    index: Path,
    startup_timeout: float = 180,
    extra: list[str] | None = None,
    cwd: Path | None = None,
    port: int | None = None,
) -> tuple[subprocess.Popen, str]:
    """Start ``jumelage serve`` (with ``extra`` options, from the checkout ``cwd``) on ``port`` or a free
    loopback port, and wait until /healthz answers."""
    port = port or free_port()
    cmd = [
        sys.executable,
        "-m",
        "jumelage.cli",
        "serve",
        "--index",
        str(index),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        *(extra or []),
    ]
    process = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=dict(os.environ))
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + startup_timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited: {process.stderr.read().decode(errors='replace')[-500:]}")
        try:
            if httpx.get(base_url + "/healthz", timeout=2).status_code == 200:
                return process, base_url
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    process.terminate()
    raise RuntimeError(f"the server did not answer /healthz within {startup_timeout:.0f} s")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.splitlines()[0])
    target = p.add_mutually_exclusive_group(required=True)
    target.add_argument("--url", help="a running server, e.g. http://127.0.0.1:8000")
    target.add_argument("--serve", type=Path, metavar="INDEX", help="start `jumelage serve` on this index")
    p.add_argument("--seconds", type=float, default=30.0)
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--mode", choices=("hybrid", "keyword", "semantic"), default=None)
    p.add_argument("--path", default="/api/search", help="/api/search (default) or / for the HTML page")
    args = p.parse_args(argv)
    process = None
    base_url = args.url
    if args.serve:
        process, base_url = serve(args.serve)
    try:
        figures = run_load(base_url, args.seconds, args.concurrency, mode=args.mode, path=args.path)
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)
    print(json.dumps(figures, ensure_ascii=False))
    return 0 if figures["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
