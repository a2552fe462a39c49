"""Query latency per mode, in process (SearchService) and through HTTP (``jumelage serve``)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.stats import free_port, proc_memory_mb, summarize, time_ms
from search.request import make_request

MODES = ("keyword", "semantic", "hybrid")
EMBEDDING_MODES = ("semantic", "hybrid")
WARMUP_QUERY = "coopération décentralisée entre villes jumelées"
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Query:
    """One benchmark query and its language (for per-language figures)."""

    id: str
    text: str
    lang: str


def _clear_query_cache(service) -> bool:
    """Empty the encoder's query-embedding LRU cache; False when it cannot be reached."""
    encoder = service.semantic().encoder
    clear = getattr(getattr(encoder, "_query", None), "cache_clear", None)
    if clear is None:
        return False
    clear()
    return True


def _by_lang(samples: list[tuple[str, float]]) -> dict[str, dict]:
    langs = sorted({lang for lang, _ in samples})
    return {lang: summarize([ms for sample_lang, ms in samples if sample_lang == lang]) for lang in langs}


def in_process(
    service, queries: list[Query], repeats: int, progress: Progress, modes: tuple[str, ...] = MODES
) -> dict[str, dict]:
    """Latency of ``service.search`` (ranking, fusion, highlighting, JSON dict) per mode.

    For each mode: a *cold* pass where every query is seen for the first time
    (the query-embedding cache is emptied before each query, so semantic and
    hybrid pay for the embedding), then ``repeats`` *warm* passes over all the
    queries (embedding cached, Whoosh warm). The model and the keyword searcher
    are warmed with an unrelated query before anything is timed.

    Returns
    -------
    dict
        ``{mode: {"cold": summary, "warm": summary, "warm_by_lang": {lang: summary},
        "cold_cache_cleared": bool}}``.
    """
    for mode in modes:  # load the model, open Whoosh searchers, fill numpy/BLAS caches
        service.search(make_request(WARMUP_QUERY, mode=mode))
    out: dict[str, dict] = {}
    for mode in modes:
        cleared = False
        cold: list[float] = []
        for q in queries:
            if mode in EMBEDDING_MODES:
                cleared = _clear_query_cache(service)
            req = make_request(q.text, mode=mode)
            cold.append(time_ms(lambda req=req: service.search(req)))
        warm: list[tuple[str, float]] = []
        for _ in range(repeats):
            for q in queries:
                req = make_request(q.text, mode=mode)
                warm.append((q.lang, time_ms(lambda req=req: service.search(req))))
        out[mode] = {
            "cold": summarize(cold),
            "warm": summarize([ms for _, ms in warm]),
            "warm_by_lang": _by_lang(warm),
            "cold_cache_cleared": cleared if mode in EMBEDDING_MODES else None,
        }
        progress(f"in-process {mode}: warm p50 {out[mode]['warm']['p50']} ms, cold p50 {out[mode]['cold']['p50']} ms")
    return out


def _jumelage_command() -> list[str]:
    """``python -m jumelage.cli`` of this interpreter: the code of this checkout, not an installed script
    (a console script may belong to another checkout sharing the virtualenv)."""
    return [sys.executable, "-m", "jumelage.cli"]


@dataclass
class Server:
    """A running ``jumelage serve`` subprocess."""

    process: subprocess.Popen
    base_url: str
    log: Path
    started_s: float
    semantic_ready_s: float | None = None

    def memory(self) -> dict[str, float]:
        return proc_memory_mb(self.process.pid)


@contextmanager
def serve(
    index_dir: Path, log: Path, model: str | None = None, timeout_s: float = 180.0, backend: str | None = None
) -> Iterator[Server]:
    """Start ``jumelage serve --index DIR`` on a free port of 127.0.0.1 and wait for /healthz.

    ``started_s`` is the time to the first answered ``/healthz`` (the server is up:
    keyword search and pages work); then this waits until ``/healthz`` reports the
    encoder loaded (``semantic_ready_s``), so that no timed query waits for it.

    Raises
    ------
    RuntimeError
        If the server exits or does not answer within ``timeout_s``; the message
        ends with the tail of its log.
    """
    import httpx

    port = free_port()
    cmd = [*_jumelage_command(), "serve", "--index", str(index_dir), "--host", "127.0.0.1", "--port", str(port)]
    if model:
        cmd += ["--model", model]
    if backend:
        cmd += ["--embedding-backend", backend]
    handle = log.open("w")
    started = time.perf_counter()
    process = subprocess.Popen(cmd, stdout=handle, stderr=subprocess.STDOUT, env={**os.environ})
    base = f"http://127.0.0.1:{port}"
    try:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"jumelage serve exited with {process.returncode}: {log.read_text()[-800:]}")
            try:
                if httpx.get(f"{base}/healthz", timeout=2.0).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.perf_counter() - started > timeout_s:
                raise RuntimeError(f"jumelage serve did not answer in {timeout_s:.0f} s: {log.read_text()[-800:]}")
            time.sleep(0.05)
        up_s = round(time.perf_counter() - started, 2)
        while httpx.get(f"{base}/healthz", timeout=5.0).json().get("semantic") == "loading":
            if time.perf_counter() - started > timeout_s:
                raise RuntimeError(f"the encoder did not load in {timeout_s:.0f} s: {log.read_text()[-800:]}")
            time.sleep(0.1)
        server = Server(process, base, log, up_s)
        server.semantic_ready_s = round(time.perf_counter() - started, 2)
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        handle.close()


def _http_pass(client, queries: list[Query], mode: str) -> tuple[list[tuple[str, float]], int]:
    samples, errors = [], 0
    for q in queries:
        started = time.perf_counter()
        response = client.get("/api/search", params={"q": q.text, "mode": mode})
        samples.append((q.lang, (time.perf_counter() - started) * 1000.0))
        if response.status_code != 200:
            errors += 1
    return samples, errors


def over_http(
    server: Server, queries: list[Query], modes: tuple[str, ...], repeats: int, progress: Progress
) -> dict[str, dict]:
    """Latency of ``GET /api/search`` per mode, from a keep-alive httpx client.

    The first pass of each mode is the *cold* one: each query is new to the server's
    query-embedding cache only for the first embedding mode measured on a server,
    so callers start a fresh server for each embedding mode.
    """
    import httpx

    out: dict[str, dict] = {}
    with httpx.Client(base_url=server.base_url, timeout=60.0) as client:
        client.get("/api/search", params={"q": WARMUP_QUERY, "mode": "keyword"})
        for mode in modes:
            cold, errors = _http_pass(client, queries, mode)
            warm: list[tuple[str, float]] = []
            for _ in range(repeats):
                samples, errs = _http_pass(client, queries, mode)
                warm.extend(samples)
                errors += errs
            out[mode] = {
                "cold": summarize([ms for _, ms in cold]),
                "warm": summarize([ms for _, ms in warm]),
                "warm_by_lang": _by_lang(warm),
                "errors": errors,
            }
            progress(f"HTTP {mode}: warm p50 {out[mode]['warm']['p50']} ms, cold p50 {out[mode]['cold']['p50']} ms")
    return out


def http_benchmark(
    index_dir: Path,
    queries: list[Query],
    repeats: int,
    log_dir: Path,
    progress: Progress,
    load_seconds: float = 0.0,
    model: str | None = None,
    backend: str | None = None,
    load_queries: list[str] | None = None,
) -> dict:
    """HTTP latency for every mode, server memory, and (if ``bench.load`` exists) a load run.

    Two servers are started in turn: one measures keyword then semantic, a fresh one
    measures hybrid, so each embedding mode's cold pass really misses the cache.
    """
    result: dict = {"modes": {}, "servers": []}
    for name, modes in (("a", ("keyword", "semantic")), ("b", ("hybrid",))):
        with serve(index_dir, log_dir / f"serve-{name}.log", model, backend=backend) as server:
            progress(
                f"server {name} up on {server.base_url} after {server.started_s} s, "
                f"encoder ready after {server.semantic_ready_s} s"
            )
            idle = server.memory()
            result["modes"].update(over_http(server, queries, modes, repeats, progress))
            entry = {
                "server": name,
                "startup_s": server.started_s,
                "semantic_ready_s": server.semantic_ready_s,
                "idle_mb": idle,
                "after_queries_mb": server.memory(),
            }
            if name == "b" and load_seconds > 0:
                entry["load"] = load_run(server.base_url, queries, load_seconds, progress, load_queries)
                entry["after_load_mb"] = server.memory()
            result["servers"].append(entry)
    peaks = [s.get("after_load_mb", s["after_queries_mb"]).get("VmHWM", 0.0) for s in result["servers"]]
    result["peak_rss_mb"] = max(peaks) if peaks else None
    first = result["servers"][0]
    result["startup_s"] = first["startup_s"]
    result["idle_rss_mb"] = first["idle_mb"].get("VmRSS")
    load = next((s["load"] for s in result["servers"] if "load" in s), {})
    result["load_rps"] = load.get("rps")
    return result


def load_run(
    base_url: str, queries: list[Query], seconds: float, progress: Progress, texts: list[str] | None = None
) -> dict:
    """Call ``bench.load.run_load`` when another engineer's load generator exists; else say it is missing."""
    try:
        from bench.load import run_load
    except ImportError as err:
        progress(f"load test skipped: bench.load is not available ({err})")
        return {"available": False, "reason": f"bench.load not importable: {err}"}
    texts = texts or [q.text for q in queries]
    progress(f"load test: {seconds:.0f} s, concurrency 16, {len(texts)} distinct queries")
    try:
        figures = run_load(base_url, seconds=seconds, concurrency=16, queries=texts, mode="hybrid")
    except Exception as err:  # noqa: BLE001 - the load generator is someone else's code: report, do not crash the run
        return {"available": True, "error": f"{err.__class__.__name__}: {err}"}
    return {
        "available": True,
        "mode": "hybrid",
        "seconds": seconds,
        "concurrency": 16,
        "distinct_queries": len(texts),
        **dict(figures),
    }
