"""Automatic alignment of a declaration's passages with those of its translation.

Given the passages of a French document and of its Japanese version, with their
e5 ``passage:`` vectors, :func:`align_passages` returns monotone links — 1:1,
1:n, n:1 (n ≤ ``max_merge``), 1:0 and 0:1 — each with a confidence in [0, 1].

Method
------
A monotone dynamic programme over the two passage sequences, as in
*Vecalign* (Thompson & Koehn, "Vecalign: Improved Sentence Alignment in
Linear Time and Space", EMNLP 2019) and *Bertalign* (Liu & Zhu, "Bertalign:
Improved word embedding-based sentence alignment for Chinese–English parallel
corpora of literary texts", DSH 2022):

* the cost of linking a span ``x`` of French passages to a span ``y`` of
  Japanese passages is ``1 − cos(x, y)`` divided by the average of
  ``1 − cos`` between ``x`` and every Japanese passage and between ``y`` and
  every French passage (Vecalign's normalisation: a "hub" passage that is
  close to everything — a short heading, a list of names — gains nothing from
  being close to its partner);
* a span's vector is the normalised, length-weighted mean of its passages'
  vectors (Vecalign embeds concatenations instead; here the mean was as
  accurate on the bundled pairs and needs no model at alignment time — see
  ``docs/design.md``);
* each passage merged into a span beyond the first costs ``merge_penalty``; a
  passage left without a partner costs ``skip_cost``;
* cheap anchors lower the cost of pairs that share them: numbers (years,
  counts, dates in digits), proper names listed in ``corpus/glossary.tsv``
  (found in the French by word, in the Japanese by their glossary form), and
  the heading shape (two short, unpunctuated lines). Anchors are weighted by
  rarity, so a number or a name found in one passage of each document is
  near-certain, and one found everywhere ("2012", 日本) counts for little;
* a length term penalises spans whose character ratio departs from the
  document's overall ratio (Gale & Church, "A Program for Aligning Sentences
  in Bilingual Corpora", 1993), which keeps a paragraph split at every
  sentence from being linked to only part of its sentences.

The confidence of a link maps its normalised cost through a logistic curve
calibrated on the bundled pairs: correct links cost ≈ 0.3–0.6, links between
two unrelated declarations ≈ 0.9–1.1 (measurements in ``docs/design.md``).
When most links are doubtful the result carries a warning: the two texts
are probably not translations of each other.

Everything here is a pure function of texts and vectors: no model, no files.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from indexer.passage import LOW_CONFIDENCE

_DIGITS = re.compile(r"\d+")
_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff]")


@dataclass(frozen=True)
class AlignParams:
    """Tuning of the dynamic programme; defaults were chosen on the bundled pairs (docs/design.md)."""

    max_merge: int = 6
    merge_penalty: float = 0.2
    skip_cost: float = 0.6
    anchor_weight: float = 0.25
    heading_weight: float = 0.15
    length_weight: float = 0.25
    confidence_mid: float = 0.78
    confidence_scale: float = 0.08
    warn_fraction: float = 0.5


DEFAULT_PARAMS = AlignParams()


@dataclass(frozen=True)
class Link:
    """French passages ``source`` translated by Japanese passages ``target`` (indices into the inputs).

    One side is empty for a passage with no counterpart (1:0 or 0:1).
    """

    source: tuple[int, ...]
    target: tuple[int, ...]
    confidence: float
    cost: float = 0.0

    @property
    def kind(self) -> str:
        return f"{len(self.source)}:{len(self.target)}"

    def is_low(self, threshold: float = LOW_CONFIDENCE) -> bool:
        return self.confidence < threshold


@dataclass(frozen=True)
class AlignmentResult:
    """The links of one document pair, in reading order, and a warning when they are not to be trusted."""

    links: tuple[Link, ...]
    warning: str | None = None
    low_threshold: float = LOW_CONFIDENCE
    counts: dict[str, int] = field(default_factory=dict)
    coverage: float = 0.0  # share of all passages held by confident (≥ threshold) links

    def low_links(self) -> list[Link]:
        return [link for link in self.links if link.is_low(self.low_threshold)]

    def source_map(self) -> dict[int, tuple[int, ...]]:
        """French index → Japanese indices (empty for 1:0)."""
        return {i: link.target for link in self.links for i in link.source}

    def target_map(self) -> dict[int, tuple[int, ...]]:
        """Japanese index → French indices (empty for 0:1)."""
        return {j: link.source for link in self.links for j in link.target}


# --- anchors -------------------------------------------------------------------------


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).replace("’", "'")
    text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", text.replace("-", " ").lower())


def _name_patterns(glossary: Sequence[tuple[str, str]]) -> list[tuple[str, re.Pattern, str]]:
    """Proper names of the glossary (capitalised French form) as (key, French pattern, Japanese form)."""
    out = []
    for fr, ja in glossary:
        if fr[:1].isupper() and ja:
            pattern = re.compile(r"(?<!\w)" + re.escape(_fold(fr)) + r"(?!\w)")
            out.append((f"name:{fr}", pattern, unicodedata.normalize("NFKC", ja)))
    return out


def anchors_of(text: str, lang: str, names: list[tuple[str, re.Pattern, str]]) -> frozenset[str]:
    """The anchors of one passage: its numbers and the glossary names it contains."""
    norm = unicodedata.normalize("NFKC", text)
    found = {f"num:{int(n)}" for n in _DIGITS.findall(norm) if len(n) <= 6}
    if lang == "fr":
        folded = _fold(text)
        found |= {key for key, pattern, _ in names if pattern.search(folded)}
    else:
        found |= {key for key, _, ja in names if ja in norm}
    # A name whose Japanese form is inside a longer one (グラン・ナンシー ⊃ ナンシー) is
    # also found on the Japanese side; the French pattern finds both as well. No fix needed.
    return frozenset(found)


def is_heading_like(text: str) -> bool:
    """Short: a title, a heading, a label (≤ 50 characters of Latin text, ≤ 20 of Japanese)."""
    stripped = text.strip()
    return 0 < len(stripped) <= (20 if _CJK.search(stripped) else 50)


# --- spans ---------------------------------------------------------------------------


def _span_cosines(sims: np.ndarray, gram: np.ndarray, lengths: np.ndarray, k: int) -> np.ndarray:
    """Cosines between every span of ``k`` consecutive row passages and every column passage.

    A span's vector is the length-weighted sum of its passages' unit vectors,
    L2-normalised; its cosines follow from the single-passage cosines ``sims``
    and the rows' Gram matrix without forming the vectors: three matrix
    products in all instead of three per move (under CPU contention BLAS calls
    were 3/4 of the time: 0.96 s → see docs/design.md).
    """
    n = len(sims) - k + 1
    if n <= 0:
        return np.zeros((0, sims.shape[1]))
    weighted = sims * lengths[:, None]
    numerator = sum(weighted[s : s + n] for s in range(k))
    norm2 = sum(
        lengths[s : s + n] * lengths[t : t + n] * np.diagonal(gram, offset=t - s)[min(s, t) : min(s, t) + n]
        for s in range(k)
        for t in range(k)
    )
    return numerator / np.sqrt(np.maximum(norm2, 1e-12))[:, None]


def _span_sums(values: np.ndarray, k: int) -> np.ndarray:
    csum = np.concatenate([[0.0], np.cumsum(values, dtype=np.float64)])
    return csum[k:] - csum[:-k] if len(values) >= k else np.zeros(0)


def _incidence(anchors: list[frozenset[str]], vocabulary: dict[str, int]) -> np.ndarray:
    out = np.zeros((len(anchors), len(vocabulary)), np.float32)
    for i, found in enumerate(anchors):
        for key in found:
            out[i, vocabulary[key]] = 1.0
    return out


def _span_incidence(incidence: np.ndarray, k: int) -> np.ndarray:
    """Anchors of every span of ``k`` consecutive passages (the union of theirs)."""
    if k == 1:
        return incidence
    n = len(incidence) - k + 1
    if n <= 0:
        return np.zeros((0, incidence.shape[1]), np.float32)
    return np.max(np.stack([incidence[s : s + n] for s in range(k)]), axis=0)


def _anchor_matrix(src: np.ndarray, tgt: np.ndarray, idf: np.ndarray) -> np.ndarray:
    """Weighted overlap of anchor sets in [-1, 1]: shared rare anchors push up, one-sided ones down.

    0 where either side has no anchor: a passage without numbers or names says nothing.
    """
    shared = (src * idf) @ tgt.T
    ws, wt = src @ idf, tgt @ idf
    total = ws[:, None] + wt[None, :] - shared
    both = (ws[:, None] > 0) & (wt[None, :] > 0)
    out = np.where(both, (2.0 * shared - total) / np.maximum(total, 1e-9), 0.0)  # Jaccard rescaled to [-1, 1]
    return out.astype(np.float32)


def _idf(src: list[frozenset[str]], tgt: list[frozenset[str]]) -> tuple[dict[str, int], np.ndarray]:
    """Anchor vocabulary and rarity: 1 when in one passage of each side, falling as it spreads."""
    df = Counter(x for a in src for x in a) + Counter(x for b in tgt for x in b)
    vocabulary = {x: i for i, x in enumerate(sorted(df))}
    return vocabulary, np.array([2.0 / df[x] for x in vocabulary], np.float32)


# --- the dynamic programme -----------------------------------------------------------


@dataclass(frozen=True)
class _Costs:
    """Cost matrices per move (a, b): ``cost[(a, b)][i, j]`` links src[i:i+a] to tgt[j:j+b]."""

    by_move: dict[tuple[int, int], np.ndarray]


def _move_costs(
    src_vecs: np.ndarray,
    tgt_vecs: np.ndarray,
    src_len: np.ndarray,
    tgt_len: np.ndarray,
    src_anchor: list[frozenset[str]],
    tgt_anchor: list[frozenset[str]],
    src_head: np.ndarray,
    tgt_head: np.ndarray,
    params: AlignParams,
) -> _Costs:
    n, m = len(src_vecs), len(tgt_vecs)
    moves = [(1, b) for b in range(1, params.max_merge + 1)] + [(a, 1) for a in range(2, params.max_merge + 1)]
    ratio = math.log(max(tgt_len.sum(), 1.0) / max(src_len.sum(), 1.0))
    vocabulary, idf = _idf(src_anchor, tgt_anchor)
    src_inc, tgt_inc = _incidence(src_anchor, vocabulary), _incidence(tgt_anchor, vocabulary)
    base = (src_vecs @ tgt_vecs.T).astype(np.float64)
    src_gram = (src_vecs @ src_vecs.T).astype(np.float64)
    tgt_gram = (tgt_vecs @ tgt_vecs.T).astype(np.float64)
    by_move: dict[tuple[int, int], np.ndarray] = {}
    for a, b in moves:
        if a > n or b > m:
            continue
        if b == 1:
            sims = base if a == 1 else _span_cosines(base, src_gram, src_len, a)
        else:
            sims = _span_cosines(base.T, tgt_gram, tgt_len, b).T
        # Vecalign's normaliser: each side's mean distance to every single passage of the other side.
        src_norm = 1.0 - sims.mean(axis=1) if b == 1 else 1.0 - base.mean(axis=1)
        tgt_norm = 1.0 - sims.mean(axis=0) if a == 1 else 1.0 - base.mean(axis=0)
        denom = np.maximum((src_norm[:, None] + tgt_norm[None, :]) / 2.0, 1e-6)
        cost = (1.0 - sims) / denom
        sl = _span_sums(src_len, a)
        tl = _span_sums(tgt_len, b)
        cost = cost + params.length_weight * np.abs(np.log(tl[None, :] / sl[:, None]) - ratio)
        anchors = _anchor_matrix(_span_incidence(src_inc, a), _span_incidence(tgt_inc, b), idf)
        cost = cost - params.anchor_weight * anchors
        if a == 1 and b == 1:
            cost = cost - params.heading_weight * (src_head[:, None] & tgt_head[None, :])
            cost = cost + params.heading_weight * (src_head[:, None] ^ tgt_head[None, :])
        else:  # a heading is not merged into a paragraph
            heads = (
                _span_sums(src_head.astype(np.float64), a)[:, None]
                + _span_sums(tgt_head.astype(np.float64), b)[None, :]
            )
            cost = cost + params.heading_weight * heads
        # Per passage covered, like a skip: a 1:3 link is not cheaper than a 1:1 link and two skips.
        cost = cost * (a + b) / 2.0 + params.merge_penalty * (a + b - 2)
        by_move[(a, b)] = cost.astype(np.float64)
    return _Costs(by_move)


def _dynamic_programme(n: int, m: int, costs: _Costs, skip: float) -> list[tuple[int, int, int, int, float]]:
    """Cheapest monotone path; returns the moves as (i, j, a, b, cost) in reading order."""
    inf = float("inf")
    total = np.full((n + 1, m + 1), inf)
    move_a = np.zeros((n + 1, m + 1), np.int8)
    move_b = np.zeros((n + 1, m + 1), np.int8)
    cols = np.arange(m + 1)
    for i in range(n + 1):
        best = np.full(m + 1, inf)
        ba = np.zeros(m + 1, np.int8)
        bb = np.zeros(m + 1, np.int8)
        if i == 0:
            best[0] = 0.0
        else:
            cand = total[i - 1] + skip  # (1, 0)
            better = cand < best
            best[better], ba[better], bb[better] = cand[better], 1, 0
            for (a, b), matrix in costs.by_move.items():
                if a > i:
                    continue
                cand = np.full(m + 1, inf)
                # src[i-a:i] with tgt[j-b:j] → matrix[i-a, j-b], for j ≥ b
                cand[b:] = total[i - a, : m + 1 - b] + matrix[i - a, : m + 1 - b]
                better = cand < best
                best[better], ba[better], bb[better] = cand[better], a, b
        # (0, 1) moves along the row: total[i, j] = min_{j' ≤ j} best[j'] + skip * (j - j').
        shifted = best - skip * cols
        running = np.minimum.accumulate(shifted) + skip * cols
        from_left = running < best - 1e-12
        total[i] = running
        ba[from_left], bb[from_left] = 0, 1
        move_a[i], move_b[i] = ba, bb
    path = []
    i, j = n, m
    while i > 0 or j > 0:
        a, b = int(move_a[i, j]), int(move_b[i, j])
        if (a, b) in costs.by_move:
            step = costs.by_move[(a, b)][i - a, j - b]
        else:
            step = skip
        path.append((i - a, j - b, a, b, float(step)))
        i, j = i - a, j - b
    return path[::-1]


def _confidence(cost: float, params: AlignParams) -> float:
    return 1.0 / (1.0 + math.exp((cost - params.confidence_mid) / params.confidence_scale))


def align_passages(
    src_texts: Sequence[str],
    tgt_texts: Sequence[str],
    src_vecs: np.ndarray,
    tgt_vecs: np.ndarray,
    *,
    glossary: Sequence[tuple[str, str]] = (),
    params: AlignParams = DEFAULT_PARAMS,
) -> AlignmentResult:
    """Align French passages (``src``) with Japanese passages (``tgt``).

    Parameters
    ----------
    src_texts, tgt_texts
        Passage texts in reading order.
    src_vecs, tgt_vecs
        Their L2-normalised e5 ``passage:`` vectors, one row per passage.
    glossary
        ``(French, Japanese)`` term pairs; the capitalised ones (place names)
        serve as anchors.
    params
        Penalties and the confidence calibration.

    Returns
    -------
    AlignmentResult
        Links in reading order covering every passage of both sides once.
    """
    n, m = len(src_texts), len(tgt_texts)
    if src_vecs.shape[0] != n or tgt_vecs.shape[0] != m:
        raise ValueError(
            f"got {n} French texts for {src_vecs.shape[0]} vectors and {m} Japanese texts "
            f"for {tgt_vecs.shape[0]} vectors"
        )
    if n == 0 or m == 0:
        links = tuple(Link((i,), (), 0.0) for i in range(n)) + tuple(Link((), (j,), 0.0) for j in range(m))
        return _result(links, 0.0, params)
    names = _name_patterns(glossary)
    src_anchor = [anchors_of(t, "fr", names) for t in src_texts]
    tgt_anchor = [anchors_of(t, "ja", names) for t in tgt_texts]
    src_len = np.array([max(len(t), 1) for t in src_texts], np.float64)
    tgt_len = np.array([max(len(t), 1) for t in tgt_texts], np.float64)
    src_head = np.array([is_heading_like(t) for t in src_texts])
    tgt_head = np.array([is_heading_like(t) for t in tgt_texts])
    costs = _move_costs(
        np.asarray(src_vecs, np.float32),
        np.asarray(tgt_vecs, np.float32),
        src_len,
        tgt_len,
        src_anchor,
        tgt_anchor,
        src_head,
        tgt_head,
        params,
    )
    path = _dynamic_programme(n, m, costs, params.skip_cost)
    matched: dict[tuple[int, int], float] = {}
    for i, j, a, b, step in path:
        if a and b:
            per_passage = (step - params.merge_penalty * (a + b - 2)) * 2.0 / (a + b)
            matched[(i, j)] = _confidence(per_passage, params)
    # The share of passages held by confident links says whether the two texts correspond at all.
    covered = sum(a + b for i, j, a, b, _ in path if a and b and matched[(i, j)] >= LOW_CONFIDENCE)
    coverage = covered / (n + m)
    found: list[Link] = []
    for i, j, a, b, step in path:
        if a and b:
            confidence = matched[(i, j)]
        else:
            # No counterpart: believable when this passage matches nothing well *and* the rest of
            # the two texts correspond; in an unrelated pair every skip stays doubtful.
            best = _best_single(costs, i if a else None, j if b else None)
            confidence = (1.0 - _confidence(best, params)) * coverage
        found.append(Link(tuple(range(i, i + a)), tuple(range(j, j + b)), round(confidence, 4), round(step, 4)))
    return _result(tuple(found), coverage, params)


def _best_single(costs: _Costs, i: int | None, j: int | None) -> float:
    one = costs.by_move[(1, 1)]
    return float(one[i].min()) if i is not None else float(one[:, j].min())


def _result(links: tuple[Link, ...], coverage: float, params: AlignParams) -> AlignmentResult:
    counts = Counter(
        link.kind if link.kind in ("1:1", "1:0", "0:1") else ("1:n" if len(link.source) == 1 else "n:1")
        for link in links
    )
    low = sum(1 for link in links if link.is_low())
    warning = None
    if links and (low / len(links) > params.warn_fraction or coverage < 1.0 - params.warn_fraction):
        warning = (
            f"{low} of {len(links)} links have a confidence below {LOW_CONFIDENCE} and confident links hold "
            f"{coverage:.0%} of the passages: these texts may not be translations of each other; "
            "check the pair, or review every link"
        )
    return AlignmentResult(links, warning, LOW_CONFIDENCE, dict(counts), round(coverage, 4))
