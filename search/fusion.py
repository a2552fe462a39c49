"""Fusion of a keyword and a semantic ranked list: pure functions, no index needed."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

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
