"""Measure candidate performance fixes without editing search/: each is applied as a patch in this process.

Usage::

    python -m bench.whatif --index DIR [--repeats 3] [--json OUT.json]

Each candidate is the same change a developer would make in ``search/``; the
numbers say what it is worth on that index. Patches are undone after each row.
"""

from __future__ import annotations

import argparse
import functools
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import numpy as np

from bench.latency import MODES, Query
from bench.stats import summarize, time_ms
from search.fusion import Ranked
from search.request import make_request


@contextmanager
def _patched(owner: object, name: str, value: object) -> Iterator[None]:
    old = getattr(owner, name)
    setattr(owner, name, value)
    try:
        yield
    finally:
        setattr(owner, name, old)


@contextmanager
def folded_text_cache() -> Iterator[None]:
    """rows_containing folds each candidate passage's text on every query: fold once per text instead."""
    import search.keyword as kw

    with _patched(kw, "fold", functools.lru_cache(maxsize=None)(kw.fold)):
        yield


@contextmanager
def count_in_one_pass() -> Iterator[None]:
    """Whoosh ``len(results)`` re-runs the query to count; ``optimize=False`` counts while scoring."""
    from whoosh.searching import Searcher

    original = Searcher.search

    def search(self, q, **kwargs):
        kwargs.setdefault("optimize", False)
        return original(self, q, **kwargs)

    with _patched(Searcher, "search", search):
        yield


def top_k_score_then_select(vectors: np.ndarray, query: np.ndarray, k: int, rows: np.ndarray | None = None) -> list[Ranked]:
    """``top_k`` that scores the whole matrix then picks ``rows``, instead of gathering a sub-matrix first."""
    if rows is not None and len(rows) == 0:
        return []
    scores = vectors @ query.astype(np.float32)
    if rows is not None:
        scores = scores[rows]
    k = min(k, len(scores))
    if k <= 0:
        return []
    best = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
    best = best[np.lexsort((best, -scores[best]))]
    keys = best if rows is None else rows[best]
    return [Ranked(int(key), float(scores[i])) for key, i in zip(keys, best)]


@contextmanager
def no_gather_top_k() -> Iterator[None]:
    import search.semantic as sem

    with _patched(sem, "top_k", top_k_score_then_select):
        yield


@contextmanager
def snippet_analysis_cache() -> Iterator[None]:
    """Highlighting re-analyses each shown passage per query: cache the analysis per (text, analyzer)."""
    import search.highlight as hl

    original = hl.analyze
    cached = functools.lru_cache(maxsize=4096)(lambda text, name: tuple(original(text, name)))
    with _patched(hl, "analyze", cached):
        yield


CANDIDATES: dict[str, Callable[[], object]] = {
    "fold cache (search/keyword.py rows_containing)": folded_text_cache,
    "count in one pass (search/keyword.py search: optimize=False)": count_in_one_pass,
    "no gather in top_k (search/semantic.py)": no_gather_top_k,
    "snippet analysis cache (search/highlight.py; repeated queries only)": snippet_analysis_cache,
}


def measure(service, queries: list[Query], repeats: int) -> dict[str, float]:
    """Warm p50 per mode (one warm-up pass, then ``repeats`` passes)."""
    out = {}
    for mode in MODES:
        for q in queries:
            service.search(make_request(q.text, mode=mode))
        samples = [time_ms(lambda: service.search(make_request(q.text, mode=mode)))
                   for _ in range(repeats) for q in queries]
        out[mode] = summarize(samples)["p50"]
    return out


def run(index_dir: Path, model_dir: str, queries: list[Query], repeats: int, say=print) -> dict[str, dict]:
    """p50 per mode with no patch, each patch alone, and all patches together."""
    from indexer.embedding.model import EmbeddingModel
    from search.index_reader import open_index
    from search.service import SearchService

    model = EmbeddingModel(model_dir)
    service = SearchService(open_index(index_dir), lambda: model)
    rows = {"as is": measure(service, queries, repeats)}
    say(f"as is: {rows['as is']}")
    for name, patch in CANDIDATES.items():
        with patch():
            rows[name] = measure(service, queries, repeats)
        say(f"{name}: {rows[name]}")
    with ExitStack() as stack:
        for patch in CANDIDATES.values():
            stack.enter_context(patch())
        rows["all together"] = measure(service, queries, repeats)
    say(f"all together: {rows['all together']}")
    return rows


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m bench.whatif``."""
    from bench.run import load_queries

    p = argparse.ArgumentParser(prog="python -m bench.whatif", description=__doc__.splitlines()[0])
    p.add_argument("--index", type=Path, required=True, help="an index directory (e.g. one kept by bench.run --keep)")
    p.add_argument("--model", default="var/model/multilingual-e5-small")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--json", type=Path, help="also write the figures here")
    p.add_argument("--md", type=Path, help="also write a Markdown table (with machine and load) here")
    args = p.parse_args(argv)
    queries, _ = load_queries(None)
    rows = run(args.index, args.model, queries, args.repeats,
               say=lambda m: print(m, file=sys.stderr, flush=True))
    table = ["| variant | " + " | ".join(f"{m} p50 ms" for m in MODES) + " |", "|---|" + "---:|" * len(MODES)]
    table += [f"| {name} | " + " | ".join(f"{figures[m]:.1f}" for m in MODES) + " |" for name, figures in rows.items()]
    print("\n".join(table))
    if args.md:
        from bench.stats import load_average, machine_info

        m = machine_info()
        head = [f"# What-if: candidate fixes measured as patches ({args.index})", "",
                f"- {m['date']}, commit `{m['git_commit']}`, {m['nproc']} CPUs {m['cpu_model']}, {m['ram_gib']} GiB; "
                f"load after: {load_average()}",
                f"- Command: `python -m bench.whatif --index {args.index} --repeats {args.repeats}`; warm p50 over "
                f"{len(queries)} dev queries × {args.repeats} passes, in process", ""]
        args.md.write_text("\n".join(head + table) + "\n", encoding="utf-8")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
