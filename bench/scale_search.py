"""In-process search latency (and optional profiles) on a synthetic index that is built once and reused.

Usage::

    python -m bench.scale_search --scale 10000 --workdir /tmp/jumelage-scale
    python -m bench.scale_search --scale 100000 --workdir /tmp/jumelage-scale --profile

The index is the one ``python -m bench.run`` builds in its scale phase (the
same :func:`bench.synthetic.generate` corpus, composed vectors,
``sentence_vectors=False``), kept in ``WORKDIR/scale-N`` so that several runs,
before and after a change, measure the same index. Only the warm in-process
path is timed: it is what the search service itself costs once the query is
embedded (the embedding is cached after the first pass).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from bench.latency import MODES, Query
from bench.run import load_queries, say
from bench.stats import load_average, summarize, time_ms


def build_or_open(scale: int, workdir: Path, model_dir: str, corpus_dir: Path, model):
    """The synthetic index of ``scale`` passages under ``workdir`` (built the first time)."""
    from bench.synthetic import ComposedEncoder, generate
    from indexer.build import build_index
    from indexer.corpus import load_corpus
    from indexer.corpus_passages import build_passages
    from indexer.index_format import read_pointer
    from search.index_reader import open_index

    target = workdir / f"scale-{scale}"
    if read_pointer(target) is None:
        corpus = load_corpus(corpus_dir)
        synth = generate(build_passages(corpus), scale)
        say(f"building a synthetic index of {scale:,} passages in {target}")
        build_index(
            corpus,
            target,
            ComposedEncoder(model, synth, say),
            passages=synth.passages,
            sentence_vectors=False,
            progress=lambda m: None if m.startswith("keyword index: ") else say(m),
        )
    return open_index(target)


def measure(service, queries: list[Query], repeats: int, modes: tuple[str, ...]) -> dict[str, dict]:
    """Warm latency of ``service.search`` per mode (every query seen once before timing)."""
    from search.request import make_request

    out = {}
    for mode in modes:
        for q in queries:
            service.search(make_request(q.text, mode=mode))
        samples = []
        for _ in range(repeats):
            for q in queries:
                req = make_request(q.text, mode=mode)
                samples.append(time_ms(lambda req=req: service.search(req)))
        out[mode] = summarize(samples)
        say(f"{mode}: warm p50 {out[mode]['p50']} ms, p95 {out[mode]['p95']} ms (n {out[mode]['n']})")
    return out


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m bench.scale_search``."""
    p = argparse.ArgumentParser(prog="python -m bench.scale_search", description=__doc__.splitlines()[0])
    p.add_argument("--scale", type=int, default=10_000, help="synthetic passages (default 10000)")
    p.add_argument("--workdir", type=Path, required=True, help="where the synthetic indexes are kept between runs")
    p.add_argument("--repeats", type=int, default=5, help="warm passes over the queries (default 5)")
    p.add_argument("--modes", default=",".join(MODES), help="comma-separated modes (default all three)")
    p.add_argument("--queries", type=Path, default=None, help="JSONL queries (default: the shared dev set)")
    p.add_argument("--corpus", type=Path, default=Path("corpus"), help="corpus folder (default ./corpus)")
    p.add_argument("--model", default="var/model/multilingual-e5-small", help="embedding model folder")
    p.add_argument("--profile", action="store_true", help="also write pyinstrument profiles to bench/profiles/")
    p.add_argument("--json", type=Path, default=None, help="write the figures to this JSON file")
    args = p.parse_args(argv)
    if args.scale <= 0 or args.repeats <= 0:
        p.error("--scale and --repeats must be positive")
    modes = tuple(m for m in args.modes.split(",") if m)
    if not set(modes) <= set(MODES):
        p.error(f"--modes: use some of {', '.join(MODES)}")

    from indexer.embedding.backends import load_encoder
    from search.service import SearchService

    queries, _ = load_queries(args.queries)
    model = load_encoder(args.model)
    args.workdir.mkdir(parents=True, exist_ok=True)
    index = build_or_open(args.scale, args.workdir, args.model, args.corpus, model)
    index.warm()
    service = SearchService(index, lambda: model)
    load_before = load_average()
    started = time.perf_counter()
    figures = {
        "scale": args.scale,
        "passages": len(index.store),
        "queries": len(queries),
        "repeats": args.repeats,
        "load_before": load_before,
        "warm_ms": measure(service, queries, args.repeats, modes),
    }
    figures["load_after"] = load_average()
    figures["elapsed_s"] = round(time.perf_counter() - started, 1)
    if args.profile:
        from bench.profiling import profile_search

        figures["profiles"] = {
            mode: profile_search(service, queries, mode, 2, f"scale{args.scale}-{mode}") for mode in modes
        }
    say(f"load average before {load_before}, after {figures['load_after']}")
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
