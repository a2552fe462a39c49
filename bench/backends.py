"""Embedding backends side by side: load time, query encoding, passages/s, cosine to torch.

Every backend encodes the same bundled passages (the indexing rate: length-sorted
batches, all usable cores; median of :data:`PASSAGE_ROUNDS` passes after a warm-up) and the same never-seen queries (one thread, the
serving set-up), and its vectors are compared with torch's, the reference.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Sequence

import numpy as np

from bench.stats import summarize
from indexer.passage import Passage

Progress = Callable[[str], None]
# Passes over the bundled passages per backend; the rate is the median pass (one pass is ~6 s
# at 40 passages/s, and a single pass moved by ±20 % on the shared machine).
PASSAGE_ROUNDS = 3


def _cosines(vectors: np.ndarray, reference: np.ndarray) -> dict[str, float]:
    cos = np.sum(vectors * reference, axis=1)
    return {"min": round(float(cos.min()), 6), "median": round(float(np.median(cos)), 6), "n": len(cos)}


def compare_backends(
    model: str, passages: Sequence[Passage], queries: list[str], backends: Sequence[str], progress: Progress
) -> dict:
    """Measure each backend on ``passages`` and ``queries``; cosines are against ``torch``.

    Returns
    -------
    dict
        ``{backend: {load_s, passages_per_s, query_ms (summary), cosine_passages, cosine_queries}}``;
        a backend that cannot load gets ``{"error": message}``.
    """
    from indexer.embedding.backends import load_encoder
    from search.semantic import QUERY_THREADS

    texts = [p.text for p in passages]
    out: dict = {}
    reference: dict[str, np.ndarray] = {}
    for name in sorted(backends, key=lambda b: b != "torch"):  # torch first: the reference
        try:
            started = time.perf_counter()
            builder = load_encoder(model, name)
            load_s = round(time.perf_counter() - started, 2)
        except Exception as err:  # noqa: BLE001 - a missing export is reported, not fatal
            out[name] = {"error": f"{err.__class__.__name__}: {err}"}
            progress(f"backend {name}: {out[name]['error']}")
            continue
        builder.encode_passages(texts[:8])  # first runs allocate buffers
        rounds = []
        for _ in range(PASSAGE_ROUNDS):
            started = time.perf_counter()
            passage_vectors = builder.encode_passages(texts)
            rounds.append(time.perf_counter() - started)
        passages_s = float(np.median(rounds))
        del builder
        gc.collect()
        encoder = load_encoder(model, name, threads=QUERY_THREADS)
        encoder.encode_query("préparation")  # first run allocates buffers
        query_vectors, samples = [], []
        for q in queries:
            started = time.perf_counter()
            query_vectors.append(encoder.encode_query(q))
            samples.append((time.perf_counter() - started) * 1000.0)
        entry = {
            "load_s": load_s,
            "passages": len(texts),
            "passages_s": round(passages_s, 2),
            "passages_per_s": round(len(texts) / passages_s, 1),
            "passages_rounds_s": [round(r, 2) for r in rounds],
            "query_ms": summarize(samples),
        }
        matrices = {"passages": passage_vectors, "queries": np.vstack(query_vectors)}
        if name == "torch":
            reference = matrices
        elif reference:
            entry["cosine_passages"] = _cosines(matrices["passages"], reference["passages"])
            entry["cosine_queries"] = _cosines(matrices["queries"], reference["queries"])
        out[name] = entry
        progress(
            f"backend {name}: load {load_s} s, {entry['passages_per_s']} passages/s, query p50 "
            f"{entry['query_ms']['p50']} ms"
            + (f", cos min {entry['cosine_passages']['min']}" if "cosine_passages" in entry else "")
        )
        del encoder
        gc.collect()
    return out
