"""Per-term BM25F score arrays read from the Whoosh index: the keyword hot path.

Whoosh stays the keyword index of record, and its weighting
(:class:`search.bm25.PerLanguageBM25F`) defines every score. What this module
removes is Whoosh's per-query, per-posting Python work: building a matcher tree,
scoring each posting through it and collecting each hit as an object. Instead,
the first query that uses a ``(field, term)`` walks its postings once and keeps
``(docnums, scores)`` as numpy arrays; afterwards a query is a ``bincount`` of the
cached arrays (times the field boosts) and an ``argpartition`` -- what bm25s does
with its precomputed score matrix.

Measured with ``make bench`` (the keyword step, query analysis included):
before, 8.3x / 9.1x / 4.6x bm25s's time at 248 / 10k / 100k passages; the
figures after are in ``bench/report.md`` and ``docs/design.md``.

The cache belongs to one opened index (one generation): a new generation gets
a new :class:`TermScoreCache`, so nothing is ever invalidated.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

# Postings kept in memory across all cached terms (12 bytes each): ~24 MB. The oldest
# terms are dropped first; a dropped term is simply read again when next used.
MAX_CACHED_POSTINGS = 2_000_000
# What one cached term costs beyond its postings, in postings (its key, tuple and two array
# headers: ~450 bytes). Without it, terms the index lacks (no postings) were never counted:
# never-repeated queries grew the cache without bound (a 20-minute soak: +64 MB, still rising).
ENTRY_COST = 40
_EMPTY = (np.empty(0, np.int64), np.empty(0, np.float64))


class TermScoreCache:
    """``(field, term)`` → (Whoosh docnums, BM25F score of the term in each), computed once.

    Parameters
    ----------
    max_postings
        Bound on the postings held, each term counting :data:`ENTRY_COST` more; least
        recently *added* terms are evicted first.
    """

    def __init__(self, max_postings: int = MAX_CACHED_POSTINGS, read=None) -> None:
        self._read = read or _read_scores
        self._arrays: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
        self._held = 0
        self._max = max_postings
        self._lock = threading.Lock()

    def get(self, searcher, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        """The docnums holding ``term`` in ``field`` and the term's score in each (empty if none)."""
        key = (field, term)
        found = self._arrays.get(key)
        if found is not None:
            return found
        arrays = self._read(searcher, field, term)
        with self._lock:
            if key not in self._arrays:
                self._arrays[key] = arrays
                self._held += len(arrays[0]) + ENTRY_COST
            while self._held > self._max and len(self._arrays) > 1:
                oldest = next(iter(self._arrays))
                self._held -= len(self._arrays.pop(oldest)[0]) + ENTRY_COST
        return arrays

    def __len__(self) -> int:
        return len(self._arrays)


def _read_scores(searcher, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
    """Walk the postings of ``term`` once, scoring each with the searcher's weighting.

    The scorer is the one Whoosh itself would use for a ``Term`` query (same idf,
    average length and per-document length encoding), so the scores are Whoosh's.
    """
    schema = searcher.schema
    if field not in schema:
        return _EMPTY
    try:
        text = schema[field].to_bytes(term)
    except ValueError:
        return _EMPTY
    if (field, text) not in searcher.reader():
        return _EMPTY
    scorer = searcher.weighting.scorer(searcher, field, text)
    matcher = searcher.postings(field, text)
    ids: list[int] = []
    scores: list[float] = []
    while matcher.is_active():
        ids.append(matcher.id())
        scores.append(scorer.score(matcher))
        matcher.next()
    return np.asarray(ids, np.int64), np.asarray(scores, np.float64)


def read_docs(searcher, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
    """The documents Whoosh finds for ``Term(field, term)`` (and no scores): ``TermScoreCache(read=read_docs)``.

    The exact-phrase rule intersects these for every query; read through Whoosh each time
    they cost 13 ms of a 57 ms hybrid search at 100,000 synthetic passages.
    """
    from whoosh import query as Q

    return np.fromiter(searcher.docs_for_query(Q.Term(field, term)), dtype=np.int64), _EMPTY[1]


def top_docnums(
    parts: Sequence[tuple[np.ndarray, np.ndarray, float]], n_docs: int, k: int, allowed: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, int]:
    """Sum boosted term scores per document and keep the best ``k``.

    Parameters
    ----------
    parts
        ``(docnums, scores, boost)`` for each query clause (an OR of them all).
    n_docs
        Documents in the index (the length of the dense score vector).
    k
        How many to return.
    allowed
        Boolean mask over docnums (the lang/doc filter), or ``None``.

    Returns
    -------
    tuple
        Best docnums and their scores, best first (ties: lower docnum first, as
        Whoosh orders them), and the number of matching documents.
    """
    parts = [p for p in parts if len(p[0])]
    if not parts or k <= 0:
        return _EMPTY[0], _EMPTY[1], 0
    ids = np.concatenate([p[0] for p in parts])
    weights = np.concatenate([p[1] * p[2] if p[2] != 1.0 else p[1] for p in parts])
    totals = np.bincount(ids, weights=weights, minlength=n_docs)
    matched = np.zeros(n_docs, bool)
    matched[ids] = True
    if allowed is not None:
        matched &= allowed
    candidates = np.flatnonzero(matched)
    if len(candidates) == 0:
        return _EMPTY[0], _EMPTY[1], 0
    scores = totals[candidates]
    if k < len(candidates):
        # Everything above the k-th score, then the ties at it by docnum (argpartition alone
        # would pick among tied documents arbitrarily).
        kth = -np.partition(-scores, k - 1)[k - 1]
        above = scores > kth
        ties = np.flatnonzero(scores == kth)[: k - int(above.sum())]
        keep = np.concatenate([np.flatnonzero(above), ties])
        candidates, scores = candidates[keep], scores[keep]
    order = np.lexsort((candidates, -scores))
    return candidates[order], scores[order], int(matched.sum())
