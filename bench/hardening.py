"""Server hardening figures: /healthz latency under heavy requests, and load with new queries.

Starts ``jumelage serve`` (from ``--source``, a checkout, so an older tree can be measured the
same way), then:

1. ``heavy``: ``--heavy`` clients each keep one heavy request in flight (a declaration page
   with a 2,000-character Japanese ``?q=``, and hybrid searches) while one client polls
   ``/healthz`` every 20 ms; reports the /healthz p50/p99/max and the heavy requests' statuses.
2. ``load``: ``bench.load`` at each ``--concurrency`` with queries never sent before
   (word combinations, French and Japanese), reporting req/s, p50/p99 and statuses.

Usage::

    python -m bench.hardening --index var/index [--source DIR] [--seconds 20] [--out FILE.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import subprocess
import sys
import time
from pathlib import Path

import httpx

from bench.load import percentile, run_load, serve

FR_WORDS = (
    "coopération",
    "tourisme",
    "culturel",
    "jeunesse",
    "échanges",
    "économiques",
    "environnement",
    "patrimoine",
    "risques",
    "naturels",
    "villes",
    "collectivités",
    "formation",
    "santé",
    "agriculture",
    "énergie",
    "mondialisation",
    "développement",
    "durable",
    "universités",
    "artisanat",
    "numérique",
)
JA_WORDS = (
    "防災",
    "観光",
    "文化",
    "交流",
    "青少年",
    "経済",
    "環境",
    "遺産",
    "自然災害",
    "都市",
    "自治体",
    "教育",
    "農業",
    "エネルギー",
    "持続可能",
    "大学",
    "伝統工芸",
    "協力",
    "地域",
    "福祉",
)
HEAVY_Q = ("自然災害への備えと文化観光の交流を進める地方自治体の協力" * 80)[:2000]


def new_queries(n: int, seed: int = 7) -> list[str]:
    """``n`` distinct queries of two or three words, French or Japanese, none repeated."""
    rng = random.Random(seed)
    out: list[str] = []
    seen: set[str] = set()
    while len(out) < n:
        words = FR_WORDS if rng.random() < 0.6 else JA_WORDS
        sep = " " if words is FR_WORDS else ""
        q = sep.join(rng.sample(words, rng.randint(2, 3))) + f" {len(out)}"
        if q not in seen:
            seen.add(q)
            out.append(q)
    return out


async def _heavy(base: str, seconds: float, clients: int) -> dict:
    heavy_urls = [("/documents/2012-chartres-fr", {"q": HEAVY_Q}), ("/api/search", {"q": "", "mode": "hybrid"})]
    statuses: dict[str, int] = {}
    health: list[float] = []
    queries = iter(new_queries(100_000, seed=11))
    deadline = time.monotonic() + seconds

    async def heavy_client(i: int, client: httpx.AsyncClient) -> None:
        while time.monotonic() < deadline:
            path, params = heavy_urls[i % 2]
            if not params["q"]:
                params = {**params, "q": next(queries)}
            try:
                r = await client.get(path, params=params)
                key = str(r.status_code)
            except httpx.HTTPError as err:
                key = err.__class__.__name__
            statuses[key] = statuses.get(key, 0) + 1

    async def poll(client: httpx.AsyncClient) -> None:
        await asyncio.sleep(1.0)  # let the heavy requests pile up first
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                await client.get("/healthz")
            except httpx.HTTPError:
                pass
            health.append((time.perf_counter() - started) * 1000)
            await asyncio.sleep(0.02)

    limits = httpx.Limits(max_connections=clients + 4)
    async with (
        httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as heavy,
        httpx.AsyncClient(base_url=base, timeout=120) as light,
    ):
        await asyncio.gather(poll(light), *(heavy_client(i, heavy) for i in range(clients)))
    ordered = sorted(health)
    return {
        "healthz_n": len(ordered),
        "healthz_p50_ms": round(percentile(ordered, 50), 1),
        "healthz_p99_ms": round(percentile(ordered, 99), 1),
        "healthz_max_ms": round(ordered[-1], 1) if ordered else 0,
        "heavy_statuses": dict(sorted(statuses.items())),
    }


def stop_server(process: subprocess.Popen, grace_s: float = 30) -> float:
    """SIGTERM, then SIGKILL after ``grace_s``; the seconds the server took to exit."""
    started = time.monotonic()
    process.terminate()
    try:
        process.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
    return round(time.monotonic() - started, 2)


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of ``pid`` and its threads so far."""
    import os

    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.hardening", description=__doc__.splitlines()[0])
    p.add_argument("--index", type=Path, required=True)
    p.add_argument("--source", type=Path, default=Path("."), help="checkout whose server is measured")
    p.add_argument("--port", type=int, default=18765)
    p.add_argument("--seconds", type=float, default=20.0)
    p.add_argument("--heavy", type=int, default=16)
    p.add_argument("--concurrency", type=int, nargs="*", default=[16, 64])
    p.add_argument("--out", type=Path, default=None)
    p.add_argument("--no-heavy", action="store_true", help="skip the /healthz-under-heavy-requests phase")
    p.add_argument("--serve-arg", action="append", default=[], help="extra `jumelage serve` argument (repeatable)")
    args = p.parse_args(argv)
    process, base = serve(args.index.resolve(), extra=args.serve_arg, cwd=args.source, port=args.port)
    results: dict = {"rss_start_mb": rss_mb(process.pid)}
    try:
        results["load_average"] = Path("/proc/loadavg").read_text().split()[:3]
        if not args.no_heavy:
            results["heavy"] = asyncio.run(_heavy(base, args.seconds, args.heavy))
            print(json.dumps({"heavy": results["heavy"]}), file=sys.stderr, flush=True)
        for i, c in enumerate(args.concurrency):
            cpu_before = cpu_s(process.pid)
            results[f"load_c{c}"] = run_load(base, args.seconds, c, new_queries(50_000, seed=100 + i))
            # CPU per answered request: independent of how much of the shared machine the server got.
            served = results[f"load_c{c}"]["requests"] or 1
            results[f"load_c{c}"]["server_cpu_ms_per_request"] = round(
                (cpu_s(process.pid) - cpu_before) * 1000 / served, 1
            )
            print(json.dumps({f"load_c{c}": results[f"load_c{c}"]}), file=sys.stderr, flush=True)
        results["rss_end_mb"] = rss_mb(process.pid)
    finally:
        stop_server(process)
    text = json.dumps(results, ensure_ascii=False, indent=1)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
