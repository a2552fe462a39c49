"""Alignment test cases built from the bundled pairs: clean, and three kinds of damage.

Shared by ``tests/test_align.py`` (thresholds) and ``bench/align.py`` (the
figures and timings). The hand alignment of the bundled pairs (their ``@``
markers) is the truth; the aligner sees the texts with the markers removed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from indexer.align import AlignmentResult
from indexer.vectors import sentence_spans

SEED = 13
Vectors = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True)
class Case:
    """French passages, (damaged) Japanese passages, and the Japanese indices each French passage should get."""

    name: str
    fr_texts: list[str]
    fr_vecs: np.ndarray
    ja_texts: list[str]
    ja_vecs: np.ndarray
    gold: list[frozenset[int]]


def _deleted(ja: list[str], gold: list[frozenset[int]], rng: np.random.Generator, share: float):
    drop = set(rng.choice(len(ja), round(share * len(ja)), replace=False).tolist())
    keep = [j for j in range(len(ja)) if j not in drop]
    new = {j: n for n, j in enumerate(keep)}
    return [ja[j] for j in keep], [frozenset(new[j] for j in g if j in new) for g in gold]


def _merged(ja: list[str], gold: list[frozenset[int]], rng: np.random.Generator, places: int):
    starts: set[int] = set()
    while len(starts) < places:
        s = int(rng.integers(0, len(ja) - 1))
        if not {s - 1, s, s + 1} & starts:
            starts.add(s)
    texts: list[str] = []
    new: dict[int, int] = {}
    j = 0
    while j < len(ja):
        new[j] = len(texts)
        if j in starts:
            new[j + 1] = len(texts)
            texts.append(ja[j] + ja[j + 1])
            j += 2
        else:
            texts.append(ja[j])
            j += 1
    return texts, [frozenset(new[j] for j in g) for g in gold]


def _split(ja: list[str], gold: list[frozenset[int]]):
    texts: list[str] = []
    owner: list[int] = []
    for j, text in enumerate(ja):
        for s, e in sentence_spans(text):
            texts.append(text[s:e].strip())
            owner.append(j)
    return texts, [frozenset(n for n, j in enumerate(owner) if j in g) for g in gold]


def build_cases(
    fr_texts: Sequence[str], ja_texts: Sequence[str], gold: Sequence[frozenset[int]], vectors: Vectors, seed: int = SEED
) -> list[Case]:
    """The clean pair; 10 % of Japanese passages deleted; 5 adjacent pairs merged; split at every sentence."""
    fr, ja, gold = list(fr_texts), list(ja_texts), list(gold)
    fr_vecs = vectors(fr)
    out = [Case("clean", fr, fr_vecs, ja, vectors(ja), gold)]
    for name, (texts, truth) in (
        ("deleted-10%", _deleted(ja, gold, np.random.default_rng(seed), 0.10)),
        ("merged-5", _merged(ja, gold, np.random.default_rng(seed), 5)),
        ("split-sentences", _split(ja, gold)),
    ):
        out.append(Case(name, fr, fr_vecs, texts, vectors(texts), truth))
    return out


def wrong_passages(case: Case, result: AlignmentResult) -> list[int]:
    """French passages whose Japanese partners are not exactly the expected ones."""
    got = result.source_map()
    return [i for i, expected in enumerate(case.gold) if frozenset(got.get(i, ())) != expected]


def accuracy(case: Case, result: AlignmentResult) -> float:
    return 1.0 - len(wrong_passages(case, result)) / len(case.gold)
