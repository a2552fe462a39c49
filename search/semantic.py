"""Semantic search: exact cosine top-k over normalised passage vectors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

import numpy as np

from indexer.manifest import IndexUnusable, ModelInfo
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


def query_encoder_loader(model: str | None, backend: str | None = None,
                         index_backend: str | None = None) -> Callable[[], QueryEncoder]:
    """A loader of the embedding model for answering queries.

    ``model``: ``--model``, ``$JUMELAGE_MODEL`` or the default folder. ``backend``:
    ``--embedding-backend``, ``$JUMELAGE_EMBEDDING_BACKEND``, else the one the index
    was built with (``index_backend``), so a user who asks for nothing gets vectors
    comparable with the index's; an explicit other backend is refused by
    :func:`check_encoder`.
    """

    def load() -> QueryEncoder:
        from indexer.embedding.backends import (
            explicit_backend,
            load_encoder,
            resolve_backend,
        )

        asked = explicit_backend(backend)
        if asked and index_backend and asked != index_backend:  # refuse before loading anything
            raise IndexUnusable(_backend_mismatch(index_backend, asked))
        return load_encoder(model, asked or resolve_backend(None, index_backend), threads=QUERY_THREADS)

    return load


def check_encoder(model: ModelInfo | None, encoder: QueryEncoder) -> None:
    """Refuse, in one line, an encoder whose vectors are not comparable with the index's.

    Raises
    ------
    IndexUnusable
        When the model or the embedding backend differs from the index manifest's.
    """
    if model is None:
        return
    loaded_id = getattr(encoder, "model_id", model.model_id)
    if loaded_id != model.model_id:
        raise IndexUnusable(
            f"the index was built with model {model.model_id!r} but {loaded_id!r} is loaded: "
            "re-index with `jumelage index`, or point JUMELAGE_MODEL at the index's model"
        )
    loaded_backend = getattr(encoder, "backend", "torch")
    if loaded_backend != model.backend:
        raise IndexUnusable(_backend_mismatch(model.backend, loaded_backend))


def _backend_mismatch(index_backend: str, asked: str) -> str:
    return (f"the index was built with embedding backend {index_backend!r} but {asked!r} is asked for: "
            f"use --embedding-backend {index_backend}, or re-index with --embedding-backend {asked}")


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
               docs: set[str] | None = None) -> list[Ranked]:
        rows = candidate_rows(self.index, langs, docs)
        return top_k(self.index.vectors, query_vector, window, rows)

    def scores_of(self, query_vector: np.ndarray, rows: list[int]) -> dict[int, float]:
        if not rows:
            return {}
        scores = np.asarray(self.index.vectors[np.asarray(rows)]) @ query_vector.astype(np.float32)
        return {row: float(s) for row, s in zip(rows, scores)}
