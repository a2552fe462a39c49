"""Queries no cache has seen: short word windows cut from the corpus' own passages.

The query-embedding LRU cache makes repeated queries nearly free, so a load test
that cycles over 15 dev queries measures the cache, not the encoder. These
queries are realistic in vocabulary and length (2-5 French words, 4-10 Japanese
characters) and all distinct, so every one pays for its embedding.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from indexer.passage import Passage


def fresh_queries(passages: Sequence[Passage], n: int, seed: int = 11) -> list[str]:
    """``n`` distinct query texts drawn from ``passages`` (fewer if the corpus is too small)."""
    rng = random.Random(seed)
    pool = [p for p in passages if len(p.text) >= 12]
    seen: set[str] = set()
    out: list[str] = []
    attempts = 0
    while pool and len(out) < n and attempts < n * 20:
        attempts += 1
        p = rng.choice(pool)
        if p.lang == "ja":
            size = rng.randint(4, 10)
            start = rng.randrange(0, max(1, len(p.text) - size))
            text = p.text[start : start + size].strip()
        else:
            words = p.text.split()
            size = rng.randint(2, 5)
            start = rng.randrange(0, max(1, len(words) - size + 1))
            text = " ".join(words[start : start + size]).strip(" ,;:.()«»\"'")
        if len(text) >= 3 and text not in seen:
            seen.add(text)
            out.append(text)
    return out
