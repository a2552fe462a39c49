"""Echoes across declarations: the hand-labelled calibration set, and the echoes stored in the index."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from indexer.echoes import ECHO_THRESHOLD, EchoError, compute_echoes, is_echo, pair_features, term_table

PAIRS_FILE = Path(__file__).resolve().parent / "data" / "echo_pairs.jsonl"


def _pairs() -> list[dict]:
    return [json.loads(line) for line in PAIRS_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_labelled_set_is_well_formed(passages):
    pairs = _pairs()
    by_id = {p.passage_id: p for p in passages}
    assert sum(p["echo"] for p in pairs) >= 20 and sum(not p["echo"] for p in pairs) >= 20
    assert len({(p["a"], p["b"]) for p in pairs}) == len(pairs), "a pair is labelled twice"
    for pair in pairs:
        a, b = by_id[pair["a"]], by_id[pair["b"]]
        assert a.doc_id != b.doc_id and {a.lang, b.lang} == {"fr"}
        assert a.kind.is_prose and b.kind.is_prose
        assert pair["reason"].strip()


@pytest.fixture(scope="module")
def model_index(model_index_dir):
    from search.index_reader import open_index

    return open_index(model_index_dir)


@pytest.mark.slow
def test_precision_and_recall_on_the_labelled_set(model_index):
    store = model_index.store
    vectors = {p.passage_id: np.asarray(model_index.vectors[i]) for i, p in enumerate(store.passages)}
    table = term_table(store.passages)
    tp = fp = fn = 0
    for pair in _pairs():
        predicted = is_echo(pair_features(store.get(pair["a"]), store.get(pair["b"]), vectors, table))
        tp += predicted and pair["echo"]
        fp += predicted and not pair["echo"]
        fn += pair["echo"] and not predicted
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    print(f"\nechoes at threshold {ECHO_THRESHOLD}: precision {precision:.3f}, recall {recall:.3f} "
          f"({tp} true, {fp} false positives, {fn} missed)")
    assert precision >= 0.9 and recall >= 0.75


@pytest.mark.slow
def test_stored_echoes(model_index_dir, model_index):
    from indexer.index_format import Layout, current_generation_dir

    stored = json.loads(Layout(current_generation_dir(model_index_dir)).citations.read_text(encoding="utf-8"))
    echoes = stored["echoes"]
    assert stored["echo_threshold"] == ECHO_THRESHOLD
    store = model_index.store
    family = {d.id: d.translation_of or d.id for d in store.documents}
    for pid, items in echoes.items():
        source = store.get(pid)
        assert source.kind.is_prose
        assert 0 < len(items) <= 8
        assert [e["score"] for e in items] == sorted((e["score"] for e in items), reverse=True)
        for e in items:
            other = store.get(e["other_id"])
            # Another declaration, never the passage's own translation, same language.
            assert family[other.doc_id] != family[source.doc_id] and other.lang == source.lang
            assert e["other_id"] not in source.aligned_passage_ids
            assert e["score"] >= ECHO_THRESHOLD
            if source.lang == "fr":
                assert e["shared_terms"]
    # Commitments the labelled set calls echoes show up, both ways, with their key terms.
    assert "2012-chartres-fr:80" in [e["other_id"] for e in echoes["2010-kanazawa-fr:35"]]
    back = next(e for e in echoes["2012-chartres-fr:80"] if e["other_id"] == "2010-kanazawa-fr:35")
    assert {"comités", "pilotage"} <= set(back["shared_terms"])


@pytest.mark.slow
def test_japanese_passages_echo_through_their_originals(model_index):
    store = model_index.store
    assert any(p.lang == "ja" for p in store.passages), "the corpus lists Japanese translations"
    echoes = compute_echoes(store.passages, store.documents, np.asarray(model_index.vectors))
    for fr_id in ("2010-kanazawa-fr:35", "2012-chartres-fr:80"):
        fr = store.get(fr_id)
        for ja_id in fr.aligned_passage_ids:
            ja_targets = {e.other_id for e in echoes.get(ja_id, [])}
            expected = {q for e in echoes[fr_id] for q in store.get(e.other_id).aligned_passage_ids}
            assert ja_targets and ja_targets <= expected


def test_echoes_are_deterministic_and_checked(corpus, passages):
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(len(passages), 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    first = compute_echoes(passages, corpus.documents, vectors, threshold=0.5)
    assert first == compute_echoes(passages, corpus.documents, vectors, threshold=0.5)
    with pytest.raises(EchoError, match="vectors for"):
        compute_echoes(passages, corpus.documents, vectors[:3])
