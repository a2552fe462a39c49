"""The array ranking gives exactly what the straightforward ranking gave: same pages, totals, facets, suggestions.

The reference (``tests/search_reference.py``) is the list-of-objects ranking the
service used before it moved to arrays; every comparison here is exact (floats
included) and ordered (facets keep their order of first appearance).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search.fusion import (
    FusedArrays,
    Ranked,
    fair_fusion,
    fair_fusion_arrays,
    single_side,
    weighted_fusion,
    weighted_fusion_arrays,
)
from search.ranking import Candidates, collapse_translations, counts, first_in_order, in_order
from search.request import make_request
from search.semantic import top_rows
from search.spelling import FEW_MATCHES
from tests.search_reference import facets, reference_rank

KEYWORD_QUERIES = [
    "coopération",
    "développement durable",
    "観光",
    '"développement durable"',
    'coopération "tourisme culturel"',
    "les villes jumelées",
    "tourisne",
    "交流",
]
SEMANTIC_QUERIES = [
    "Que prévoient les villes pour les jeunes ?",
    "環境教育",
    "tourisme culturel",
    '"développement durable"',
]
FILTERS = [
    {},
    {"lang": "fr"},
    {"lang": "ja"},
    {"edition": "3"},
    {"commitments": "1"},
    {"lang": "ja", "commitments": "1"},
]


def ordered(d: dict) -> list:
    return [(k, list(v.items()) if isinstance(v, dict) else v) for k, v in d.items()]


def assert_same_as_reference(service, req) -> None:
    ref = reference_rank(service, req)
    got = service.rank(req)
    assert got.total == ref.total
    for offset, limit in ((0, 10), (7, 5), (0, ref.total + 1), (ref.total, 10)):
        assert got.page(offset, limit) == ref.items[offset : offset + limit], (offset, limit)
    assert ordered(got.facets) == ordered(ref.facets)
    assert list(got.doc_counts.items()) == list(ref.doc_counts.items())
    assert list(got.edition_counts.items()) == list(ref.edition_counts.items())
    assert got.keyword_matches == ref.keyword_matches
    # What a user sees: the response of one page, snippets and suggestion included.
    response = service.run(req).to_json()
    hits = [
        service.hit(req.offset + i + 1, f, got, req.query, req.commitments).to_json()
        for i, f in enumerate(ref.items[req.offset : req.offset + req.limit])
    ]
    assert response["results"] == hits
    assert response["total"] == ref.total and ordered(response["facets"]) == ordered(ref.facets)
    suggestion = service.keyword.did_you_mean(req.query) if ref.keyword_matches < FEW_MATCHES else None
    assert response.get("did_you_mean") == suggestion


def _filters(service):
    docs = service.index.store.documents
    # A declaration and an edition it is not of: nothing left, yet each facet still counts (edition 1,
    # used before, holds no declaration here, and an edition the index lacks is now a bad request).
    other = next(d.edition for d in docs if d.edition != docs[-1].edition)
    return [*FILTERS, {"doc": docs[0].id}, {"doc": docs[-1].id, "edition": str(other)}]


@pytest.mark.parametrize("query", KEYWORD_QUERIES)
def test_keyword_search_matches_the_reference(keyword_service, query):
    for params in _filters(keyword_service):
        assert_same_as_reference(keyword_service, make_request(query, mode="keyword", **params))


def test_the_reference_comparison_covers_the_filters(keyword_service):
    """The filters above are not vacuous: each leaves some results, and leaves some out."""
    ref = reference_rank(keyword_service, make_request("coopération", mode="keyword"))
    for params in ({"edition": "3"}, {"commitments": "1"}, {"lang": "ja"}):
        filtered = reference_rank(keyword_service, make_request("coopération", mode="keyword", **params))
        assert 0 < filtered.total and {f.key for f in filtered.items} != {f.key for f in ref.items}


@pytest.mark.slow
@pytest.mark.parametrize("mode,fusion", [("semantic", "rrf"), ("hybrid", "rrf"), ("hybrid", "weighted")])
def test_semantic_and_hybrid_search_match_the_reference(model_service, mode, fusion):
    for query in SEMANTIC_QUERIES:
        for params in _filters(model_service):
            assert_same_as_reference(model_service, make_request(query, mode=mode, fusion=fusion, **params))
    # Not vacuous: the semantic side finds both passages of translation pairs, and one of each is dropped.
    req = make_request(SEMANTIC_QUERIES[2], mode=mode, fusion=fusion)
    assert reference_rank(model_service, req).total < reference_rank(model_service, req, collapse=False).total


# -- the array pieces against their list versions, on random inputs with many ties ----------------------
def side_strategy(max_key: int = 40):
    return st.lists(
        st.tuples(st.integers(0, max_key), st.sampled_from([0.5, 0.25, 1.0, 2.0, 0.8125])),
        max_size=30,
        unique_by=lambda t: t[0],
    )


def as_arrays(side):
    return np.array([k for k, _ in side], dtype=np.int64), np.array([s for _, s in side], dtype=np.float64)


def as_ranked(side):
    return [Ranked(k, s) for k, s in side]


def in_fused_order(f: FusedArrays) -> list:
    c = Candidates(f, np.full(len(f), 2, dtype=np.int8))
    return [c.item(i) for i in in_order(c, np.arange(len(f))).tolist()]


@settings(max_examples=150, deadline=None)
@given(side_strategy(), side_strategy(), st.floats(0, 3), st.sets(st.integers(0, 40)))
def test_fair_fusion_over_arrays_equals_the_list_version(keyword, semantic, weight, blind):
    mask = np.zeros(41, dtype=bool)
    mask[list(blind)] = True
    got = fair_fusion_arrays(as_arrays(keyword), as_arrays(semantic), weight, 1.0, keyword_blind=mask)
    assert in_fused_order(got) == fair_fusion(as_ranked(keyword), as_ranked(semantic), weight, 1.0, keyword_blind=blind)


@settings(max_examples=150, deadline=None)
@given(side_strategy(), side_strategy(), st.sampled_from([0.0, 0.3, 0.5, 1.0]))
def test_weighted_fusion_over_arrays_equals_the_list_version(keyword, semantic, alpha):
    got = weighted_fusion_arrays(as_arrays(keyword), as_arrays(semantic), alpha)
    assert in_fused_order(got) == weighted_fusion(as_ranked(keyword), as_ranked(semantic), alpha)


def test_fusion_over_arrays_refuses_a_key_listed_twice():
    with pytest.raises(ValueError, match="twice"):
        fair_fusion_arrays((np.array([1, 1]), np.array([1.0, 0.5])), (np.empty(0, np.int64), np.empty(0)))


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from([0, 1, 2]), st.sampled_from([-1.0, -0.5, 0.0]), st.integers(1, 3)), max_size=40),
    st.integers(0, 45),
)
def test_the_first_entries_and_first_appearances_are_those_of_a_full_sort(entries, m):
    n = len(entries)
    fused = single_side((np.arange(n)[::-1].copy(), np.zeros(n)), "keyword")
    fused = FusedArrays(
        fused.keys,
        fused.score,
        fused.keyword,
        fused.keyword_rank,
        fused.semantic,
        fused.semantic_rank,
        np.array([p for _, p, _ in entries], dtype=np.float64),
        np.array([s for _, _, s in entries], dtype=np.int64),
    )
    c = Candidates(fused, np.array([g for g, _, _ in entries], dtype=np.int8))
    idx = np.arange(n)
    full = in_order(c, idx)
    assert first_in_order(c, idx, m).tolist() == full[:m].tolist()
    codes = np.arange(n) % 4
    expected: dict[str, int] = {}
    for i in full.tolist():
        expected["abcd"[codes[i]]] = expected.get("abcd"[codes[i]], 0) + 1
    assert list(counts(c, idx, codes, tuple("abcd")).items()) == list(expected.items())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([0.0, -0.0, 0.5, -0.5, 0.8125, 1.0, -1.0, 0.3, 1e-30, -1e-30]), max_size=60))
def test_semantic_order_is_the_lexsort_order(values):
    """Every row ranked (as with a floor): best score first, ties by row, -0.0 tied with 0.0, as the lexsort gave."""
    scores = np.array(values, dtype=np.float32)
    rows, got = top_rows(scores, len(scores))
    expected = np.lexsort((np.arange(len(scores)), -scores))
    assert rows.tolist() == expected.tolist() and got.tolist() == scores[expected].tolist()
    subset = np.arange(0, len(scores), 2)
    rows, _ = top_rows(scores, len(scores), subset)
    assert rows.tolist() == subset[np.lexsort((subset, -scores[subset]))].tolist()


def test_collapse_walks_chains_of_translations_in_order(keyword_service):
    """A kept passage hides its aligned passages that come later, and only those (the reference's walk)."""
    table, store = keyword_service.index.table, keyword_service.index.store
    rows = np.flatnonzero(np.diff(table.aligned_starts) > 0)  # every passage with a translation
    rng = np.random.default_rng(3)
    for _ in range(20):
        order = rng.permutation(rows)[: len(rows) * 2 // 3]
        fused = single_side((order, np.zeros(len(order))), "keyword")
        c = Candidates(fused, np.full(len(order), 2, dtype=np.int8))
        kept = collapse_translations(c, np.arange(len(order)), table)
        seen, expected = set(), []
        for i, row in enumerate(order.tolist()):
            passage = store.passages[row]
            if not any(pid in seen for pid in passage.aligned_passage_ids):
                seen.add(passage.passage_id)
                expected.append(i)
        assert sorted(kept.tolist()) == expected
        assert len(expected) < len(order)


def test_facets_of_the_reference_and_of_the_arrays_agree_on_a_whole_index(keyword_service):
    index = keyword_service.index
    n = len(index.store)
    fused = single_side((np.arange(n), np.zeros(n)), "keyword")
    c = Candidates(fused, np.full(n, 2, dtype=np.int8))
    t = index.table
    expected = facets(keyword_service, [c.item(i) for i in range(n)])
    assert list(counts(c, np.arange(n), t.doc_codes, t.doc_values).items()) == list(expected["doc_id"].items())
    assert list(counts(c, np.arange(n), t.edition_codes, t.edition_values).items()) == list(expected["edition"].items())
