"""Fusion of a keyword and a semantic ranked list: pure functions, no index needed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass

import numpy as np

RRF_K = 60


@dataclass(frozen=True)
class Ranked:
    """One side's hit: an id and its score, in rank order within its list."""

    key: int
    score: float


@dataclass(frozen=True)
class Fused:
    key: int
    score: float
    keyword: float | None
    keyword_rank: int | None
    semantic: float | None
    semantic_rank: int | None


def _positions(side: Sequence[Ranked]) -> dict[int, tuple[int, float]]:
    """1-based rank and score of each key; a key listed twice keeps its best rank."""
    out: dict[int, tuple[int, float]] = {}
    for rank, hit in enumerate(side, start=1):
        out.setdefault(hit.key, (rank, hit.score))
    return out


def _combine(keyword: Sequence[Ranked], semantic: Sequence[Ranked], score_of) -> list[Fused]:
    kw, sem = _positions(keyword), _positions(semantic)
    order = list(dict.fromkeys([h.key for h in keyword] + [h.key for h in semantic]))
    fused = []
    for key in order:
        k, s = kw.get(key), sem.get(key)
        fused.append(Fused(key, score_of(key, k, s), k and k[1], k and k[0], s and s[1], s and s[0]))
    # Ties keep a deterministic order: better best-rank first, then the smaller key.
    fused.sort(key=lambda f: (-f.score, min(f.keyword_rank or 10**9, f.semantic_rank or 10**9), f.key))
    return fused


def reciprocal_rank_fusion(keyword: Sequence[Ranked], semantic: Sequence[Ranked], k: int = RRF_K) -> list[Fused]:
    """Reciprocal Rank Fusion: ``score = Σ 1 / (k + rank)`` over the lists a key appears in.

    Parameters
    ----------
    keyword, semantic:
        Ranked lists, best first; either may be empty.
    k:
        The RRF constant; 60 as in Cormack et al. (2009).
    """
    if k <= 0:
        raise ValueError(f"RRF k must be positive, got {k}")

    def score(_key, kw, sem):
        return sum(1.0 / (k + side[0]) for side in (kw, sem) if side)

    return _combine(keyword, semantic, score)


def _min_max(side: Sequence[Ranked]) -> dict[int, float]:
    if not side:
        return {}
    scores = [h.score for h in side]
    low, high = min(scores), max(scores)
    span = high - low
    return {h.key: (1.0 if span == 0 else (h.score - low) / span) for h in side}


def weighted_fusion(keyword: Sequence[Ranked], semantic: Sequence[Ranked], alpha: float = 0.5) -> list[Fused]:
    """``alpha · keyword + (1 − alpha) · semantic`` over min–max normalised scores (0 where absent)."""
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha}")
    kw_norm, sem_norm = _min_max(keyword), _min_max(semantic)

    def score(key, _kw, _sem):
        return alpha * kw_norm.get(key, 0.0) + (1.0 - alpha) * sem_norm.get(key, 0.0)

    return _combine(keyword, semantic, score)


def fair_fusion(
    keyword: Sequence[Ranked],
    semantic: Sequence[Ranked],
    keyword_weight: float = 1.0,
    semantic_weight: float = 1.0,
    keyword_blind: Set[int] = frozenset(),
    semantic_blind: Set[int] = frozenset(),
    k: int = RRF_K,
) -> list[Fused]:
    """Weighted RRF averaged over the sides that can *see* each key.

    ``score = Σ_s w_s / (k + rank_s) / Σ_s w_s`` over the sides ``s`` that can
    see the key; a side that can see it but did not list it adds 0 to the sum
    and its weight to the divisor (it looked and found nothing: a bad rank),
    while a side that cannot see it (``*_blind``) adds to neither. Without
    this, a French passage with no Japanese translation, which the keyword
    side of a Japanese query can never match, lost half of its score to RRF:
    measured in tests/test_untranslated_fusion.py.

    With equal weights and nothing blind the order is RRF's (every score is
    RRF's divided by the same constant).

    Parameters
    ----------
    keyword, semantic:
        Ranked lists, best first; either may be empty.
    keyword_weight, semantic_weight:
        How much each side is trusted for this query (see :func:`keyword_weight`); ≥ 0.
    keyword_blind, semantic_blind:
        Keys the side cannot see.
    k:
        The RRF constant.
    """
    if k <= 0:
        raise ValueError(f"RRF k must be positive, got {k}")
    if keyword_weight < 0 or semantic_weight < 0:
        raise ValueError(f"side weights must be ≥ 0, got {keyword_weight} and {semantic_weight}")

    def score(key, kw, sem):
        num = den = 0.0
        if key not in keyword_blind:
            den += keyword_weight
            num += keyword_weight / (k + kw[0]) if kw else 0.0
        if key not in semantic_blind:
            den += semantic_weight
            num += semantic_weight / (k + sem[0]) if sem else 0.0
        return num / den if den else 0.0

    return _combine(keyword, semantic, score)


@dataclass(frozen=True)
class KeywordEvidence:
    """What the keyword side found for one query, in numbers.

    Attributes
    ----------
    idf:
        IDF of each content term of the query (question and function words excluded).
    matched:
        Terms of the query found in each of the keyword side's best hits, best first.
    groups:
        Terms standing for one word of the query (a Japanese compound and its
        parts, 環境教育 / 環境 / 教育); each term alone when empty.
    """

    idf: Mapping[str, float]
    matched: Sequence[Set[str]]
    groups: Sequence[Sequence[str]] = ()


def keyword_weight(evidence: KeywordEvidence, power: float = 5.0, scale: float = 3.0) -> float:
    """How far to trust the keyword side of one query: ``scale · coverage ** power`` (the semantic side weighs 1).

    *Coverage* is the share of the query's IDF mass carried by the terms
    that the keyword side's best hits matched. A keyword query found verbatim
    covers 1.0 and its keyword side then outweighs the semantic side 3 to 1;
    at coverage 0.8 the two weigh the same; a question whose hits only match
    a common word ("villes", "collectivités") covers a small share, because
    the rarer words that carry it (jeunes, naissances, détritus) were not
    found, and its keyword side fades out (coverage 0.5: weight 0.09). Terms
    absent from the corpus keep their (maximal) IDF in the mass: a query whose
    key word the keyword side cannot find is one it cannot answer.

    A word of the query is one position: a Japanese compound and its mode-A
    parts (環境教育 / 環境 / 教育) weigh as the rarest of them, and finding the
    parts covers it up to that weight; counted term by term, the compound
    (absent from the corpus) halved the coverage of 環境教育.

    Chosen on tests/data/hard_queries.jsonl (36 questions and paraphrases) and
    the shared development queries, hybrid nDCG@10 hard / dev (French
    lemmas): plain RRF 0.605 / 0.957 (Snowball); scale 1, power 3 0.705 /
    0.957 (below keyword alone, 0.964, on the dev queries: "villes jumelées"
    is answered by the keyword side only); scale 2, power 4 0.704 / 0.979;
    scale 3, power 5 0.705 / 0.984; scale 2.5-4 and power 4-6 all give
    0.702-0.710 / 0.979-0.984: the chosen point is the middle of that plateau.

    Parameters
    ----------
    evidence:
        The query's content terms with their IDF, and the terms each top hit matched.
    power:
        Sharpening exponent on the coverage.
    scale:
        The weight of a keyword side that covers the whole query.
    """
    groups = evidence.groups or [(t,) for t in evidence.idf]
    if not evidence.matched:
        return 0.0
    found = set().union(*evidence.matched)
    total = covered = 0.0
    for group in groups:
        # A word weighs its rarest form; finding its parts covers it up to that weight.
        mass = max(evidence.idf.get(t, 0.0) for t in group)
        total += mass
        covered += min(mass, sum(evidence.idf.get(t, 0.0) for t in group if t in found))
    if total <= 0:
        return 0.0
    return scale * min(1.0, covered / total) ** power


# -- the same fusions over numpy arrays -----------------------------------------------------------------
# With exact totals every match above the semantic floor is fused: 10,000 Fused objects for most
# queries on the 10k synthetic bench, where building, scoring and sorting them cost 9 ms of a 50 ms
# hybrid search (pyinstrument, ``python -m bench.scale_search --profile``). The functions below give
# the same scores (the same float operations in the same order) and the same order keys as the list
# versions above, which stay the reference: tests/test_fusion_arrays.py checks they agree.

Side = tuple[np.ndarray, np.ndarray]
"""One side's hits as arrays: keys (int64, distinct) and scores (float64), best first."""

_NO_RANK = 10**9


@dataclass(frozen=True, eq=False)
class FusedArrays:
    """Fused hits as parallel arrays, in no particular order; the order is ``(primary, secondary, key)`` ascending.

    ``keyword``/``semantic`` are NaN and their ranks 0 where that side did not list the key.
    """

    keys: np.ndarray
    score: np.ndarray
    keyword: np.ndarray
    keyword_rank: np.ndarray
    semantic: np.ndarray
    semantic_rank: np.ndarray
    primary: np.ndarray
    secondary: np.ndarray

    def __len__(self) -> int:
        return len(self.keys)

    def item(self, i: int) -> Fused:
        """Entry ``i`` as the :class:`Fused` the list functions give."""

        def opt_float(a: np.ndarray) -> float | None:
            return None if np.isnan(a[i]) else float(a[i])

        def opt_rank(a: np.ndarray) -> int | None:
            return int(a[i]) or None

        return Fused(
            int(self.keys[i]),
            float(self.score[i]),
            opt_float(self.keyword),
            opt_rank(self.keyword_rank),
            opt_float(self.semantic),
            opt_rank(self.semantic_rank),
        )


def _as_side(side: Side) -> Side:
    return np.asarray(side[0], dtype=np.int64), np.asarray(side[1], dtype=np.float64)


def single_side(side: Side, which: str) -> FusedArrays:
    """One side's list as fused hits, in its own order (what a keyword-only or semantic-only search ranks)."""
    keys, scores = _as_side(side)
    ranks = np.arange(1, len(keys) + 1, dtype=np.int64)
    none_f, none_r = np.full(len(keys), np.nan), np.zeros(len(keys), np.int64)
    if which == "keyword":
        parts = (scores, ranks, none_f, none_r)
    else:
        parts = (none_f, none_r, scores, ranks)
    return FusedArrays(keys, scores, *parts, ranks.astype(np.float64), np.zeros(len(keys), np.int64))


def _dense(keys: np.ndarray, scores: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Rank (0: absent) and score (NaN: absent) of every key below ``size``."""
    rank = np.zeros(size, np.int64)
    score = np.full(size, np.nan)
    rank[keys] = np.arange(1, len(keys) + 1)
    score[keys] = scores
    if np.count_nonzero(rank) != len(keys):
        raise ValueError("a side lists a key twice: fusion over arrays needs distinct keys")
    return rank, score


def _union(keyword: Side, semantic: Side):
    (kw_keys, kw_scores), (sem_keys, sem_scores) = _as_side(keyword), _as_side(semantic)
    size = int(max(kw_keys.max(initial=-1), sem_keys.max(initial=-1))) + 1
    kr, ks = _dense(kw_keys, kw_scores, size)
    sr, ss = _dense(sem_keys, sem_scores, size)
    keys = np.flatnonzero((kr > 0) | (sr > 0))
    return keys, kr[keys], ks[keys], sr[keys], ss[keys]


def _fused(keys, score, kr, ks, sr, ss) -> FusedArrays:
    best = np.minimum(np.where(kr > 0, kr, _NO_RANK), np.where(sr > 0, sr, _NO_RANK))
    return FusedArrays(keys.astype(np.int64), score, ks, kr, ss, sr, -score, best)


def _min_max_arrays(scores: np.ndarray, present: np.ndarray) -> np.ndarray:
    """:func:`_min_max` over the present entries; 0 elsewhere."""
    out = np.zeros(len(scores))
    if not present.any():
        return out
    values = scores[present]
    low, high = values.min(), values.max()
    span = high - low
    out[present] = 1.0 if span == 0 else (values - low) / span
    return out


def weighted_fusion_arrays(keyword: Side, semantic: Side, alpha: float = 0.5) -> FusedArrays:
    """:func:`weighted_fusion` over arrays (same scores, same order)."""
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha}")
    keys, kr, ks, sr, ss = _union(keyword, semantic)
    score = alpha * _min_max_arrays(ks, kr > 0) + (1.0 - alpha) * _min_max_arrays(ss, sr > 0)
    return _fused(keys, score, kr, ks, sr, ss)


def fair_fusion_arrays(
    keyword: Side,
    semantic: Side,
    keyword_weight: float = 1.0,
    semantic_weight: float = 1.0,
    keyword_blind: np.ndarray | None = None,
    semantic_blind: np.ndarray | None = None,
    k: int = RRF_K,
) -> FusedArrays:
    """:func:`fair_fusion` over arrays (same scores, same order).

    ``keyword_blind`` and ``semantic_blind`` are boolean masks indexed by key
    (at least as long as the largest key + 1), not sets.
    """
    if k <= 0:
        raise ValueError(f"RRF k must be positive, got {k}")
    if keyword_weight < 0 or semantic_weight < 0:
        raise ValueError(f"side weights must be ≥ 0, got {keyword_weight} and {semantic_weight}")
    keys, kr, ks, sr, ss = _union(keyword, semantic)
    k_sees = np.ones(len(keys), bool) if keyword_blind is None else ~keyword_blind[keys]
    s_sees = np.ones(len(keys), bool) if semantic_blind is None else ~semantic_blind[keys]
    with np.errstate(divide="ignore", invalid="ignore"):
        num = np.where(k_sees & (kr > 0), keyword_weight / (k + kr), 0.0) + np.where(
            s_sees & (sr > 0), semantic_weight / (k + sr), 0.0
        )
        den = np.where(k_sees, float(keyword_weight), 0.0) + np.where(s_sees, float(semantic_weight), 0.0)
        score = np.where(den != 0, num / den, 0.0)
    return _fused(keys, score, kr, ks, sr, ss)
