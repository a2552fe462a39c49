"""Memory soak: minutes of varied, never-repeated requests against a live server; RSS must level off.

A server whose caches or thread count grow with traffic fails here: ``jumelage serve`` runs
for ``--warmup`` seconds then ``--seconds`` more under ``--concurrency`` clients sending new
queries (French and Japanese, every mode, the search page, declaration pages with ``?q=``,
quotations), while the server's RSS is sampled every ``--every`` seconds. It passes when the
final RSS is within ``--tolerance`` (10 %) of the RSS at the end of the warm-up.

Usage::

    python -m bench.soak --index var/index [--seconds 300] [--out bench/soak.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from pathlib import Path

import httpx

from bench.hardening import new_queries, rss_mb, stop_server
from bench.load import serve
from bench.stats import load_average, machine_info

MODES = ("hybrid", "keyword", "semantic")
DOCS = ("2010-kanazawa-fr", "2012-chartres-fr", "2010-kanazawa-ja", "2012-chartres-ja")


def _request(rng: random.Random, query: str) -> tuple[str, dict]:
    """One request of the mix: mostly API searches in every mode, then pages and quotations."""
    roll = rng.random()
    if roll < 0.55:
        return "/api/search", {
            "q": query,
            "mode": rng.choice(MODES),
            "limit": rng.choice((10, 50, 200)),
            "offset": rng.choice((0, 0, 10)),
        }
    if roll < 0.75:
        return "/", {"q": query, "mode": rng.choice(MODES), "ui": rng.choice(("fr", "ja"))}
    if roll < 0.9:
        return f"/documents/{rng.choice(DOCS)}", {"q": query}
    return "/api/quote", {"text": query}


async def _clients(base: str, seconds: float, concurrency: int, statuses: dict[str, int], seed: int) -> None:
    rng = random.Random(seed)
    queries = iter(new_queries(1_000_000, seed=seed))
    deadline = time.monotonic() + seconds

    async def client(http: httpx.AsyncClient) -> None:
        while time.monotonic() < deadline:
            path, params = _request(rng, next(queries))
            try:
                key = str((await http.get(path, params=params)).status_code)
            except httpx.HTTPError as err:
                key = err.__class__.__name__
            statuses[key] = statuses.get(key, 0) + 1

    async with httpx.AsyncClient(base_url=base, timeout=120) as http:
        await asyncio.gather(*(client(http) for _ in range(concurrency)))


async def _sample(pid: int, seconds: float, every: float, started: float, curve: list[tuple[float, float]]) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        curve.append((round(time.monotonic() - started, 1), rss_mb(pid)))
        await asyncio.sleep(every)


async def _run(base: str, pid: int, args: argparse.Namespace) -> dict:
    started = time.monotonic()
    curve: list[tuple[float, float]] = []
    warm: dict[str, int] = {}
    await asyncio.gather(
        _clients(base, args.warmup, args.concurrency, warm, seed=1),
        _sample(pid, args.warmup, args.every, started, curve),
    )
    after_warmup = rss_mb(pid)
    soak: dict[str, int] = {}
    await asyncio.gather(
        _clients(base, args.seconds, args.concurrency, soak, seed=2),
        _sample(pid, args.seconds, args.every, started, curve),
    )
    final = rss_mb(pid)
    curve.append((round(time.monotonic() - started, 1), final))
    growth = (final - after_warmup) / after_warmup if after_warmup else 0.0
    return {
        "warmup_s": args.warmup,
        "soak_s": args.seconds,
        "concurrency": args.concurrency,
        "rss_after_warmup_mb": after_warmup,
        "rss_final_mb": final,
        "rss_peak_mb": max(r for _, r in curve),
        "growth": round(growth, 4),
        "tolerance": args.tolerance,
        "passed": growth <= args.tolerance,
        "requests_warmup": warm,
        "requests_soak": soak,
        "curve": curve,
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.splitlines()[0])
    p.add_argument("--index", type=Path, default=Path("var/index"))
    p.add_argument("--seconds", type=float, default=300.0, help="soak length after the warm-up (default 300)")
    p.add_argument("--warmup", type=float, default=60.0, help="warm-up length (default 60)")
    p.add_argument("--concurrency", type=int, default=8)
    p.add_argument("--every", type=float, default=10.0, help="seconds between RSS samples")
    p.add_argument("--tolerance", type=float, default=0.10, help="allowed RSS growth after the warm-up (default 0.10)")
    p.add_argument("--port", type=int, default=None, help="server port (default: a free one)")
    p.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "soak.json")
    args = p.parse_args(argv)
    if not 0 < args.seconds <= 3600 or not 0 < args.warmup <= 600 or not 1 <= args.concurrency <= 64:
        p.error("--seconds must be in (0, 3600], --warmup in (0, 600], --concurrency in [1, 64]")
    process, base = serve(args.index.resolve(), port=args.port)
    try:
        result = asyncio.run(_run(base, process.pid, args))
        result = {"machine": machine_info(), "load_average_end": load_average(), **result}
    finally:
        shutdown_s = stop_server(process)
    result["server_shutdown_s"] = shutdown_s
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    curve = " ".join(f"{t:.0f}s:{r:.0f}" for t, r in result["curve"])
    print(
        f"RSS after warm-up {result['rss_after_warmup_mb']} MB, final {result['rss_final_mb']} MB "
        f"({result['growth']:+.1%}, tolerance {args.tolerance:.0%}): {'PASS' if result['passed'] else 'FAIL'}\n"
        f"curve (s:MB): {curve}"
    )
    return 0 if result["passed"] else 1


if __name__ == "__main__":
    sys.exit(main())
