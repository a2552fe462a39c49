"""Reference engines on the same passages and queries: bm25s, rank_bm25, sentence-transformers.

French is tokenised for the baselines with our own analyzer
(``indexer.analysis.analyze(text, "fr")``, Japanese with ``"ja"``), so the
comparison is about the retrieval engine, not the tokenizer. Query analysis is
inside every timed call, ours and theirs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

import numpy as np

from bench.latency import Query
from bench.stats import summarize, time_ms
from indexer.analysis import analyze
from indexer.passage import Lang, Passage
from search.keyword import parse_query
from search.semantic import top_k

WINDOW = 100  # the candidate window the service asks each side for
Progress = Callable[[str], None]


def _analyzer(lang: str) -> str:
    return Lang.analyzer_of(lang)


def tokenize_passages(passages: Sequence[Passage], progress: Progress) -> tuple[list[list[str]], float]:
    """Our analyzer's terms for every passage (the baselines' corpus) and the seconds it took."""
    started = time.perf_counter()
    out = []
    for i, p in enumerate(passages):
        out.append([t.text for t in analyze(p.text, _analyzer(p.lang))])
        if i % 20000 == 19999:
            progress(f"baseline tokenisation: {i + 1}/{len(passages)}")
    return out, round(time.perf_counter() - started, 3)


def _query_tokens(q: Query) -> list[str]:
    return [t.text for t in analyze(q.text, _analyzer(q.lang))]


def _ratio(ours: dict, theirs: dict) -> float | None:
    if not ours.get("p50") or not theirs.get("p50"):
        return None
    return round(ours["p50"] / theirs["p50"], 2)


def ours_keyword_step(service, queries: list[Query], repeats: int) -> dict:
    """Our keyword engine step: query parsing + Whoosh BM25F top-100 (no fusion, no highlighting)."""
    for q in queries:
        service.keyword.search(parse_query(q.text), WINDOW)
    samples = [
        time_ms(lambda q=q: service.keyword.search(parse_query(q.text), WINDOW))
        for _ in range(repeats)
        for q in queries
    ]
    return summarize(samples)


def bm25s_keyword(tokens: list[list[str]], queries: list[Query], repeats: int) -> dict:
    """Index ``tokens`` with bm25s and time query analysis + top-100 retrieval."""
    import bm25s

    started = time.perf_counter()
    retriever = bm25s.BM25()
    retriever.index(tokens, show_progress=False)
    index_s = round(time.perf_counter() - started, 3)
    vocab = retriever.vocab_dict
    k = min(WINDOW, len(tokens))

    def one(q: Query) -> None:
        terms = [t for t in _query_tokens(q) if t in vocab]
        if terms:
            retriever.retrieve([terms], k=k, show_progress=False, n_threads=0)

    for q in queries:
        one(q)
    samples = [time_ms(lambda q=q: one(q)) for _ in range(repeats) for q in queries]
    return {"index_s": index_s, "latency": summarize(samples)}


def rank_bm25_keyword(tokens: list[list[str]], queries: list[Query], repeats: int) -> dict:
    """Index ``tokens`` with rank_bm25's BM25Okapi and time analysis + scoring + top-100."""
    from rank_bm25 import BM25Okapi

    started = time.perf_counter()
    engine = BM25Okapi(tokens)
    index_s = round(time.perf_counter() - started, 3)
    k = min(WINDOW, len(tokens))

    def one(q: Query) -> None:
        scores = engine.get_scores(_query_tokens(q))
        best = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
        best[np.argsort(-scores[best])]

    samples = [time_ms(lambda q=q: one(q)) for _ in range(repeats) for q in queries]
    return {"index_s": index_s, "latency": summarize(samples)}


def keyword_comparison(
    service,
    passages: Sequence[Passage],
    queries: list[Query],
    repeats: int,
    progress: Progress,
    with_rank_bm25: bool = False,
) -> dict:
    """Our keyword step vs bm25s (and rank_bm25) on the passages of ``service``'s index.

    Returns
    -------
    dict
        Latency summaries, index times and the ratios ``ours p50 / theirs p50``
        (above 1: ours is slower).
    """
    tokens, tokenize_s = tokenize_passages(passages, progress)
    progress(f"baselines: {len(passages)} passages tokenised in {tokenize_s} s")
    out: dict = {
        "passages": len(passages),
        "tokenize_s": tokenize_s,
        "ours": ours_keyword_step(service, queries, repeats),
    }
    out["bm25s"] = bm25s_keyword(tokens, queries, repeats)
    out["ratio_ours_over_bm25s"] = _ratio(out["ours"], out["bm25s"]["latency"])
    progress(f"keyword step p50: ours {out['ours']['p50']} ms, bm25s {out['bm25s']['latency']['p50']} ms")
    if with_rank_bm25:
        out["rank_bm25"] = rank_bm25_keyword(tokens, queries, repeats)
        out["ratio_ours_over_rank_bm25"] = _ratio(out["ours"], out["rank_bm25"]["latency"])
        progress(f"rank_bm25 p50 {out['rank_bm25']['latency']['p50']} ms")
    return out


def semantic_comparison(
    vectors: np.ndarray, content_rows: np.ndarray | None, query_vectors: list[np.ndarray], repeats: int
) -> dict:
    """The semantic step: our ``top_k`` vs ``sentence_transformers.util.semantic_search``, top-100.

    ``ours_full`` scores the whole matrix; ``ours_service`` passes the content rows
    the service passes (structural passages excluded), which gathers a sub-matrix
    first. ``semantic_search`` is timed with its default ``cos_sim`` (it re-normalises
    the corpus on each call) and with ``dot_score`` (same maths as ours).
    """
    import torch
    from sentence_transformers import util

    matrix = np.array(vectors, dtype=np.float32, copy=True)  # writable, in RAM: torch shares it
    corpus_t = torch.from_numpy(matrix)
    queries_t = [torch.from_numpy(np.asarray(v, dtype=np.float32)).unsqueeze(0) for v in query_vectors]
    rows = None if content_rows is None or len(content_rows) == len(matrix) else np.asarray(content_rows)
    k = min(WINDOW, len(matrix))

    def run(fn) -> dict:
        for i in range(len(query_vectors)):
            fn(i)
        return summarize([time_ms(lambda i=i: fn(i)) for _ in range(repeats) for i in range(len(query_vectors))])

    out = {
        "passages": len(matrix),
        "ours_full": run(lambda i: top_k(matrix, query_vectors[i], k)),
        "ours_service_rows": run(lambda i: top_k(vectors, query_vectors[i], k, rows)),
        "st_cos_sim": run(lambda i: util.semantic_search(queries_t[i], corpus_t, top_k=k)),
        "st_dot_score": run(
            lambda i: util.semantic_search(queries_t[i], corpus_t, top_k=k, score_function=util.dot_score)
        ),
    }
    out["ratio_ours_full_over_st_cos"] = _ratio(out["ours_full"], out["st_cos_sim"])
    out["ratio_ours_full_over_st_dot"] = _ratio(out["ours_full"], out["st_dot_score"])
    out["ratio_ours_service_over_st_cos"] = _ratio(out["ours_service_rows"], out["st_cos_sim"])
    return out
