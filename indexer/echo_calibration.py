"""Calibrating echoes on hand-labelled sentence pairs: fit on one half, report on the other.

The labelled file (``tests/data/echo_sentence_pairs.jsonl``) holds ``{a, b,
echo, reason}`` lines, ``a`` and ``b`` sentence keys ``{passage_id}#{index}``.
Pairs are split in two by a hash of the pair (:func:`indexer.echoes.pair_split`):
each threshold (pairs of two commitments; pairs of a commitment and another
sentence) is the one that maximises F0.5 (precision weighs more: an echo shown
should be one) on its pairs of the ``fit`` half; precision and recall are
reported on the ``test`` half, which the thresholds never saw.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

from indexer.echoes import BEST_SOURCE_ONLY, MIN_SHARED, Echo, EchoSpace, is_candidate, is_echo, pair_split


@dataclass(frozen=True)
class LabelledPair:
    a: str
    b: str
    echo: bool
    reason: str


@dataclass(frozen=True)
class ScoredPair:
    pair: LabelledPair
    z: float
    cosine: float
    shared: tuple[str, ...]
    both_commitments: bool = False
    # (z, shared terms) of the other earlier commitments the later sentence could echo instead.
    rivals: tuple[tuple[float, tuple[str, ...]], ...] = ()

    @property
    def half(self) -> str:
        return pair_split(self.pair.a, self.pair.b)


def load_pairs(path: Path) -> list[LabelledPair]:
    """Read the labelled pairs; a malformed line raises ValueError naming it."""
    pairs = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            pairs.append(LabelledPair(row["a"], row["b"], bool(row["echo"]), row.get("reason", "")))
        except (ValueError, KeyError) as err:
            raise ValueError(f"{path}:{number}: expected {{a, b, echo, reason}} ({err})") from None
    return pairs


def score_pairs(space: EchoSpace, pairs: Sequence[LabelledPair]) -> list[ScoredPair]:
    """Features of each labelled pair, as the detector sees it.

    A pair that cannot be an echo (the earlier sentence is not a commitment, or
    either is a procedural line) scores as low as can be. ``rivals`` are the
    other earlier commitments of the later sentence: with
    :data:`~indexer.echoes.BEST_SOURCE_ONLY` the pair is emitted only when none
    of them qualifies with a higher score.
    """
    out = []
    for pair in pairs:
        i, j = space.index_of[pair.a], space.index_of[pair.b]
        z, cos, shared = space.features(pair.a, pair.b)
        z = z if is_candidate(space, i, j) else float("-inf")
        rivals = tuple(
            space._features(k, j)[::2]
            for k in range(len(space.units))
            if k != i and BEST_SOURCE_ONLY and is_candidate(space, k, j)
        )
        later_commits = space.units[j].act is not None
        out.append(ScoredPair(pair, z, cos, shared, later_commits, rivals))
    return out


def predicted(s: ScoredPair, cut: float, min_shared: int = MIN_SHARED) -> bool:
    """Would the detector emit this pair at threshold ``cut``."""
    if not is_echo(s.z, s.shared, cut, min_shared):
        return False
    return not any(z > s.z and is_echo(z, shared, cut, min_shared) for z, shared in s.rivals)


def precision_recall(
    scored: Sequence[ScoredPair], threshold: float, min_shared: int = MIN_SHARED, pair_threshold: float | None = None
) -> dict:
    """Counts and P/R; ``pair_threshold`` (default: ``threshold``) applies to pairs of two commitments."""
    tp = fp = fn = 0
    for s in scored:
        cut = pair_threshold if s.both_commitments and pair_threshold is not None else threshold
        emitted = predicted(s, cut, min_shared)
        tp += emitted and s.pair.echo
        fp += emitted and not s.pair.echo
        fn += s.pair.echo and not emitted
    return {
        "pairs": len(scored),
        "echoes": tp + fn,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "precision": round(tp / (tp + fp), 4) if tp + fp else 1.0,
        "recall": round(tp / (tp + fn), 4) if tp + fn else 1.0,
    }


def _f(beta: float, m: dict) -> float:
    p, r = m["precision"], m["recall"]
    return (1 + beta**2) * p * r / (beta**2 * p + r) if p + r else 0.0


def fit_threshold(scored: Sequence[ScoredPair], beta: float = 0.5) -> float:
    """The threshold maximising F-beta on ``scored``: midway between two observed scores."""
    zs = sorted({s.z for s in scored if s.z != float("-inf")})
    candidates = [(x + y) / 2 for x, y in pairwise(zs)] or [0.0]
    best = max(candidates, key=lambda t: (_f(beta, precision_recall(scored, t)), t))
    # Round down, never up: a threshold rounded above the lowest kept score would drop that pair.
    return math.floor(best * 100) / 100


def calibrate(space: EchoSpace, pairs: Sequence[LabelledPair]) -> dict:
    """Fit both thresholds on the ``fit`` half, report on each half and on the whole set."""
    scored = score_pairs(space, pairs)
    fit = [s for s in scored if s.half == "fit"]
    test = [s for s in scored if s.half == "test"]
    threshold = fit_threshold([s for s in fit if not s.both_commitments])
    pair_threshold = fit_threshold([s for s in fit if s.both_commitments])
    report: dict = {"threshold": threshold, "commitment_pair_threshold": pair_threshold, "min_shared": MIN_SHARED}
    for name, group in (("fit", fit), ("test", test), ("all", scored)):
        report[name] = precision_recall(group, threshold, MIN_SHARED, pair_threshold)
    return report


def sample_emitted(echoes: dict[str, list[Echo]], texts: dict[str, str], n: int = 40, seed: int = 17) -> list[dict]:
    """``n`` random emitted echo pairs (one direction each), for a reader who did not build the detector.

    ``texts`` maps passage id → text. Each row gives both sentences and an empty
    ``verdict`` for the reader: true echo / same domain only / wrong.
    """
    pairs = {}
    for items in echoes.values():
        for e in items:
            a, b = (e.passage_id, e.start), (e.other_id, e.other_start)
            if a < b and (a, b) not in pairs:  # one direction of each sentence pair
                pairs[(a, b)] = e
    chosen = random.Random(seed).sample(sorted(pairs), min(n, len(pairs)))
    return [
        {
            "a": e.passage_id,
            "a_sentence": texts[e.passage_id][e.start : e.end],
            "b": e.other_id,
            "b_sentence": texts[e.other_id][e.other_start : e.other_end],
            "verdict": "",
        }
        for e in (pairs[k] for k in chosen)
    ]


def _same_pair(a: str, a_sentence: str, b: str, b_sentence: str, row: dict) -> bool:
    """The emitted pair is the judged one: same passages, each sentence within the other."""

    def within(x: str, y: str) -> bool:
        return x in y or y in x

    return (
        a == row["a"]
        and b == row["b"]
        and within(a_sentence, row["a_sentence"])
        and within(b_sentence, row["b_sentence"])
    )


def judge_emitted(emitted: Sequence[dict], judged: Sequence[dict], true_list: Sequence[dict]) -> dict:
    """Strict precision of ``emitted`` on the pairs a reader judged, recall on the reader's list.

    ``emitted`` rows are :func:`sample_emitted` rows (``a``, ``a_sentence``,
    ``b``, ``b_sentence``); ``judged`` rows add a ``verdict`` (``echo`` is the
    only true one: strict); ``true_list`` rows add a ``grade`` (``clear`` or
    ``borderline``). Emitted pairs the reader never saw are listed under
    ``unjudged``: they cannot be scored strictly.
    """
    verdicts, unjudged = [], []
    for e in emitted:
        found = [r["verdict"] for r in judged if _same_pair(e["a"], e["a_sentence"], e["b"], e["b_sentence"], r)]
        (verdicts.append(found[0]) if found else unjudged.append(e))
    report: dict = {
        "emitted": len(emitted),
        "judged": len(verdicts),
        "strict_echo": verdicts.count("echo"),
        "strict_precision": round(verdicts.count("echo") / len(verdicts), 4) if verdicts else None,
        "unjudged": unjudged,
    }
    for grade in ("clear", "all"):
        rows = [r for r in true_list if grade == "all" or r.get("grade") == grade]
        hit = sum(any(_same_pair(e["a"], e["a_sentence"], e["b"], e["b_sentence"], r) for e in emitted) for r in rows)
        report[f"recall_{grade}"] = {
            "found": hit,
            "listed": len(rows),
            "recall": round(hit / len(rows), 4) if rows else None,
        }
    return report
