"""Ranking quality on the development queries: regression figures and the issue's targets.

The baseline (tests/data/eval_regression.json) is written by
``jumelage eval tests/data/dev.jsonl --write-baseline tests/data/eval_regression.json``
after an intended change; a figure more than 0.02 below it fails here.
"""

import json
from pathlib import Path

import pytest

from search.evaluation import evaluate, load_eval_file, regressions, score_ranking
from tests.helpers import EVAL_FILE

BASELINE = Path(__file__).parent / "data" / "eval_regression.json"


@pytest.fixture(scope="module")
def reports(model_service):
    queries = load_eval_file(EVAL_FILE)
    return {mode: evaluate(model_service, queries, mode) for mode in ("keyword", "semantic", "hybrid")}


@pytest.mark.slow
def test_no_mode_falls_below_its_regression_figures(reports):
    baseline = json.loads(BASELINE.read_text(encoding="utf-8"))
    assert regressions(list(reports.values()), baseline) == []


@pytest.mark.slow
@pytest.mark.parametrize("group", ["all", "fr", "ja"])
def test_hybrid_is_at_least_as_good_as_either_side(reports, group):
    hybrid = reports["hybrid"]["summary"][group]["ndcg"]
    assert hybrid >= reports["keyword"]["summary"][group]["ndcg"]
    assert hybrid >= reports["semantic"]["summary"][group]["ndcg"]


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["semantic", "hybrid"])
def test_japanese_queries_reach_french_relevant_passages(reports, mode):
    assert reports[mode]["summary"]["ja"]["recall"] >= 0.7


def test_scoring_counts_each_french_unit_once(keyword_service):
    store = keyword_service.index.store
    relevant = {"2012-chartres-fr:59", "2012-chartres-fr:67"}
    perfect = score_ranking(store, ["2012-chartres-fr:59", "2012-chartres-fr:67"], relevant)
    assert perfect == {"ndcg": 1.0, "recall": 1.0, "mrr": 1.0}
    repeated = score_ranking(store, ["2012-chartres-fr:1", "2012-chartres-fr:59", "2012-chartres-fr:59"], relevant)
    assert repeated["recall"] == 0.5 and repeated["mrr"] == 0.5
    assert score_ranking(store, [], relevant) == {"ndcg": 0.0, "recall": 0.0, "mrr": 0.0}
