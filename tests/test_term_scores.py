"""The keyword hot path (cached per-term score arrays) ranks exactly as Whoosh's own query tree."""

from __future__ import annotations

import numpy as np
import pytest

from search.keyword import KeywordSearcher, parse_query
from search.term_scores import TermScoreCache, top_docnums


def _indexed(word: str) -> str:
    """The ranked French field's term for ``word`` (whatever the analyzer makes of it: stem or lemma)."""
    from indexer.analysis import analyze

    (token,) = analyze(word, "fr")
    return token.text


QUERIES = [
    "mondialisation",
    "tourisme culturel",
    "risques naturels",
    "coopération décentralisée",
    "séisme seisme",
    "environnement et développement durable",
    "le la les",
    "震災",
    "観光 交流",
    "Takamatsu",
    "inexistantmotzz",
]


def _whoosh(searcher: KeywordSearcher, text: str, langs, window: int = 100):
    """The reference: Whoosh's own BM25F search over the same OR of clauses."""
    parsed = parse_query(text)
    query = searcher._build(parsed)
    if query is None:
        return [], 0
    results = searcher._searcher().search(query, limit=window, filter=searcher._filter(langs, None), optimize=False)
    row_of = searcher.index.row_of_docnum
    return [(int(row_of[h.docnum]), float(h.score)) for h in results], len(results)


@pytest.fixture(scope="module")
def searcher(keyword_service):
    return KeywordSearcher(keyword_service.index)


@pytest.mark.parametrize("text", QUERIES)
@pytest.mark.parametrize("langs", [None, {"fr"}, {"ja"}])
def test_fast_path_gives_whooshs_hits_scores_and_total(searcher, text, langs):
    hits, total = searcher.search(parse_query(text), 100, langs)
    expected, expected_total = _whoosh(searcher, text, langs)
    assert total == expected_total
    assert [h.row for h in hits] == [row for row, _ in expected]
    assert [h.score for h in hits] == pytest.approx([s for _, s in expected], rel=1e-9)


def test_window_smaller_than_the_matches_keeps_the_best_and_the_full_total(searcher):
    hits, total = searcher.search(parse_query("coopération décentralisée"), 3)
    expected, expected_total = _whoosh(searcher, "coopération décentralisée", None)
    assert len(hits) == 3 and total == expected_total > 3
    assert [h.row for h in hits] == [row for row, _ in expected[:3]]


def test_a_term_is_read_from_the_postings_once_then_served_from_the_cache(searcher):
    cache = TermScoreCache()
    whoosh_searcher = searcher._searcher()
    term = _indexed("mondialisation")
    first = cache.get(whoosh_searcher, "text_fr", term)
    assert len(first[0]) > 0
    assert cache.get(whoosh_searcher, "text_fr", term) is first
    assert len(cache.get(whoosh_searcher, "text_fr", "absentzzz")[0]) == 0


def test_cache_evicts_the_oldest_terms_beyond_its_bound(searcher):
    cache = TermScoreCache(max_postings=1)
    whoosh_searcher = searcher._searcher()
    term = _indexed("mondialisation")
    first = cache.get(whoosh_searcher, "text_fr", term)
    assert len(first[0]) > 0
    cache.get(whoosh_searcher, "text_fr", _indexed("tourisme"))
    assert cache.get(whoosh_searcher, "text_fr", term) is not first  # read again


def test_terms_the_index_lacks_count_against_the_bound_too(searcher):
    """Never-repeated queries bring new words the index lacks: the cache must not grow with them."""
    from search.term_scores import ENTRY_COST

    cache = TermScoreCache(max_postings=ENTRY_COST * 10)
    whoosh_searcher = searcher._searcher()
    for i in range(200):
        assert len(cache.get(whoosh_searcher, "text_fr", f"absent{i}zz")[0]) == 0
    assert len(cache) <= 10


def test_top_docnums_sums_boosted_clauses_and_breaks_ties_by_docnum():
    parts = [(np.array([0, 2, 5]), np.array([1.0, 2.0, 1.0]), 1.0), (np.array([5, 3]), np.array([2.0, 1.0]), 0.5)]
    docnums, scores, total = top_docnums(parts, 6, 2)
    assert total == 4
    assert docnums.tolist() == [2, 5] and scores.tolist() == [2.0, 2.0]  # 2 and 5 tie: lower docnum first
    docnums, _, total = top_docnums(parts, 6, 10, allowed=np.array([True, False, False, True, False, False]))
    assert docnums.tolist() == [0, 3] and total == 2
    assert top_docnums([], 6, 5)[2] == 0
