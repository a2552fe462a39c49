"""The working translations say what the French says, as the embedding model sees it.

A misaligned or drifting translation makes a French passage's own translation
lose its place as the nearest Japanese passage. Measured at this commit: 91 of
100 content passages have their translation first, the worst at rank 24.
"""

import numpy as np
import pytest

from search.index_reader import STRUCTURAL_KINDS, open_index

pytestmark = pytest.mark.slow


def test_each_french_passage_finds_its_own_translation_first(model_index_dir):
    index = open_index(model_index_dir)
    store, vectors = index.store, np.asarray(index.vectors)
    japanese_rows = index.rows_by_lang["ja"]
    ranks = []
    for p in store.passages:
        if p.lang != "fr" or p.kind in STRUCTURAL_KINDS:
            continue
        scores = vectors[japanese_rows] @ vectors[store.row_of[p.passage_id]]
        order = list(japanese_rows[np.argsort(-scores)])
        ranks.append(min(order.index(store.row_of[q]) + 1 for q in p.aligned_passage_ids))
    assert len(ranks) >= 100
    assert sum(r == 1 for r in ranks) / len(ranks) >= 0.85
    assert sum(r <= 5 for r in ranks) / len(ranks) >= 0.95
