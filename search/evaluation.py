"""Evaluation over a JSONL file of queries with relevance anchors (the rule in docs/design.md).

A French passage is relevant when its collapsed text contains a collapsed
anchor; a Japanese passage counts through the French passages it is aligned
to. Metrics are computed over *French units*: a result earns credit once for
each relevant French passage it stands for, and never twice for the same one.
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from indexer.analysis import detect_lang
from indexer.errors import read_user_text
from indexer.store import PassageStore
from search.errors import BadRequest
from search.text import collapse

CUTOFF = 10


@dataclass(frozen=True)
class EvalQuery:
    id: str
    query: str
    kind: str
    anchors: tuple[str, ...]

    @property
    def lang(self) -> str:
        return detect_lang(self.query)


def load_eval_file(path: Path) -> list[EvalQuery]:
    """Read ``{"id","query","kind","anchors"}`` lines; a bad line is a one-line error naming it."""
    queries = []
    for lineno, line in enumerate(read_user_text(path, "evaluation file").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            queries.append(
                EvalQuery(
                    str(data["id"]),
                    str(data["query"]),
                    str(data.get("kind", "")),
                    tuple(str(a) for a in data["anchors"]),
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as err:
            raise BadRequest(f"{path}:{lineno}: not an evaluation line ({err.__class__.__name__}: {err})") from None
    if not queries:
        raise BadRequest(f"evaluation file {path} holds no queries")
    return queries


def relevant_units(store: PassageStore, anchors: Iterable[str]) -> set[str]:
    """Ids of the French passages that contain one of the anchors (collapsed)."""
    wanted = [collapse(a) for a in anchors]
    return {p.passage_id for p in store.passages if p.lang == "fr" and any(a in collapse(p.text) for a in wanted)}


def units_of(store: PassageStore, passage_id: str) -> tuple[str, ...]:
    passage = store.get(passage_id)
    if passage is None:
        return ()
    return (passage.passage_id,) if passage.lang == "fr" else passage.aligned_passage_ids


def score_ranking(
    store: PassageStore, ranking: list[str], relevant: set[str], cutoff: int = CUTOFF
) -> dict[str, float]:
    """nDCG@k, Recall@k and MRR@k of a ranked list of passage ids."""
    credited: set[str] = set()
    dcg, first_hit = 0.0, None
    for position, pid in enumerate(ranking[:cutoff], start=1):
        gained = [u for u in units_of(store, pid) if u in relevant and u not in credited]
        if gained:
            credited.update(gained)
            dcg += 1.0 / math.log2(position + 1)
            first_hit = first_hit or position
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(len(relevant), cutoff) + 1))
    return {
        "ndcg": dcg / ideal if ideal else 0.0,
        "recall": len(credited) / len(relevant) if relevant else 0.0,
        "mrr": 1.0 / first_hit if first_hit else 0.0,
    }


def summarise(rows: list[dict]) -> dict[str, dict[str, float]]:
    """Mean metrics overall and per query language."""
    groups: dict[str, list[dict]] = {"all": rows}
    for row in rows:
        groups.setdefault(row["lang"], []).append(row)
    return {
        name: {metric: round(statistics.fmean(r[metric] for r in group), 4) for metric in ("ndcg", "recall", "mrr")}
        | {"queries": len(group)}
        for name, group in groups.items()
    }


def evaluate(service, queries: list[EvalQuery], mode: str) -> dict:
    """Run every query in ``mode`` through ``service`` and score its top ``CUTOFF`` results."""
    from search.request import make_request

    store = service.index.store
    rows = []
    for q in queries:
        ranked = service.rank(make_request(q.query, mode=mode, limit=CUTOFF))
        ranking = [store.passages[f.key].passage_id for f in ranked.page(0, CUTOFF)]
        relevant = relevant_units(store, q.anchors)
        rows.append(
            {
                "id": q.id,
                "query": q.query,
                "lang": q.lang,
                "kind": q.kind,
                "relevant": len(relevant),
                **score_ranking(store, ranking, relevant),
            }
        )
    return {"mode": mode, "summary": summarise(rows), "queries": rows}


REGRESSION_TOLERANCE = 0.02


def baseline_of(reports: list[dict]) -> dict:
    """The figures a regression file keeps: summary per mode."""
    return {report["mode"]: report["summary"] for report in reports}


def regressions(reports: list[dict], baseline: dict, tolerance: float = REGRESSION_TOLERANCE) -> list[str]:
    """One line per figure that fell more than ``tolerance`` below the baseline."""
    found = []
    for report in reports:
        expected = baseline.get(report["mode"])
        if expected is None:
            found.append(f"{report['mode']}: no baseline figures for this mode")
            continue
        for group, metrics in expected.items():
            current = report["summary"].get(group)
            for metric in ("ndcg", "recall", "mrr"):
                was, now = metrics[metric], (current or {}).get(metric, 0.0)
                if now < was - tolerance:
                    found.append(
                        f"{report['mode']}/{group} {metric}@{CUTOFF}: {now:.4f} < baseline {was:.4f} - {tolerance}"
                    )
    return found


def floor_precision_recall(
    service, queries: list[EvalQuery], floors: dict[str, dict[str, float]]
) -> dict[str, dict[str, float]]:
    """Precision and recall of a semantic floor, pooled over query–passage pairs, per query language.

    A pair is kept when the passage's cosine to the query is ≥ the floor of the
    query's and the passage's languages (``floors[query_lang][passage_lang]``,
    as :data:`search.semantic.FLOORS`); it is relevant when the passage is (DESIGN.md's anchor rule,
    Japanese passages through their alignment). Structural passages (headings)
    are left out, as semantic search leaves them out.
    """
    import numpy as np

    from search.semantic import row_floors

    store, index = service.index.store, service.index
    semantic = service.semantic()
    rows = index.content_rows if index.content_rows is not None else np.arange(len(store))
    counts: dict[str, list[int]] = {}
    for q in queries:
        relevant = relevant_units(store, q.anchors)
        relevant_rows = {store.row_of[p] for p in relevant}
        relevant_rows |= {
            store.row_of[a] for p in relevant for a in store.get(p).aligned_passage_ids if a in store.row_of
        }
        scores = (index.vectors @ semantic.embed(q.query).astype(np.float32))[rows]
        keep = scores >= row_floors(index, floors[q.lang])[rows]
        is_relevant = np.array([int(r) in relevant_rows for r in rows])
        tp, fp, fn = (
            int((keep & is_relevant).sum()),
            int((keep & ~is_relevant).sum()),
            int((~keep & is_relevant).sum()),
        )
        for group in ("all", str(q.lang)):
            c = counts.setdefault(group, [0, 0, 0, 0])
            c[0], c[1], c[2], c[3] = c[0] + tp, c[1] + fp, c[2] + fn, c[3] + 1
    return {
        group: {
            "precision": round(tp / max(1, tp + fp), 4),
            "recall": round(tp / max(1, tp + fn), 4),
            "kept_per_query": round((tp + fp) / n, 1),
        }
        for group, (tp, fp, fn, n) in counts.items()
    }
