"""Fusion as pure functions over hand-made ranked lists."""

import pytest

from search.fusion import RRF_K, Ranked, reciprocal_rank_fusion, weighted_fusion


def ranked(*pairs):
    return [Ranked(key, score) for key, score in pairs]


def test_rrf_scores_and_component_ranks():
    keyword = ranked((1, 9.0), (2, 5.0), (3, 1.0))
    semantic = ranked((3, 0.9), (1, 0.8), (4, 0.7))
    fused = reciprocal_rank_fusion(keyword, semantic)
    by_key = {f.key: f for f in fused}
    assert by_key[1].score == pytest.approx(1 / (RRF_K + 1) + 1 / (RRF_K + 2))
    assert by_key[3].score == pytest.approx(1 / (RRF_K + 3) + 1 / (RRF_K + 1))
    assert by_key[2].score == pytest.approx(1 / (RRF_K + 2))
    assert [f.key for f in fused] == [1, 3, 2, 4]
    assert (by_key[1].keyword_rank, by_key[1].semantic_rank) == (1, 2)
    assert (by_key[2].semantic, by_key[2].semantic_rank) == (None, None)
    assert (by_key[4].keyword, by_key[4].keyword_rank, by_key[4].semantic) == (None, None, 0.7)


def test_rrf_with_an_empty_side_keeps_the_other_order():
    semantic = ranked((7, 0.9), (5, 0.8), (6, 0.1))
    assert [f.key for f in reciprocal_rank_fusion([], semantic)] == [7, 5, 6]
    assert [f.key for f in reciprocal_rank_fusion(semantic, [])] == [7, 5, 6]
    assert reciprocal_rank_fusion([], []) == []


def test_rrf_ties_are_broken_deterministically():
    # 1 and 2 each appear once at rank 1: equal scores; then by key.
    fused = reciprocal_rank_fusion(ranked((2, 1.0)), ranked((1, 1.0)))
    assert [f.key for f in fused] == [1, 2]
    assert fused[0].score == fused[1].score


def test_rrf_duplicate_key_keeps_its_best_rank():
    fused = reciprocal_rank_fusion(ranked((1, 3.0), (1, 2.0), (2, 1.0)), [])
    assert fused[0].key == 1 and fused[0].keyword_rank == 1 and len(fused) == 2


def test_rrf_rejects_a_bad_k():
    with pytest.raises(ValueError, match="positive"):
        reciprocal_rank_fusion([], [], k=0)


def test_weighted_fusion_normalises_each_side():
    keyword = ranked((1, 10.0), (2, 5.0), (3, 0.0))
    semantic = ranked((3, 0.9), (2, 0.5), (1, 0.1))
    by_key = {f.key: f.score for f in weighted_fusion(keyword, semantic, alpha=0.5)}
    assert by_key[1] == pytest.approx(0.5 * 1.0 + 0.5 * 0.0)
    assert by_key[2] == pytest.approx(0.5 * 0.5 + 0.5 * 0.5)
    assert by_key[3] == pytest.approx(0.5 * 0.0 + 0.5 * 1.0)


@pytest.mark.parametrize("alpha,first", [(1.0, 1), (0.0, 3)])
def test_weighted_fusion_alpha_extremes_follow_one_side(alpha, first):
    keyword = ranked((1, 10.0), (2, 5.0))
    semantic = ranked((3, 0.9), (2, 0.5))
    assert weighted_fusion(keyword, semantic, alpha=alpha)[0].key == first


def test_weighted_fusion_single_hit_and_equal_scores():
    fused = weighted_fusion(ranked((4, 2.0)), ranked((5, 0.3), (6, 0.3)), alpha=0.5)
    assert {f.key: f.score for f in fused} == {4: 0.5, 5: 0.5, 6: 0.5}
    assert [f.key for f in fused] == [4, 5, 6]  # ties: best rank, then key


def test_weighted_fusion_rejects_alpha_out_of_range():
    with pytest.raises(ValueError, match="alpha"):
        weighted_fusion([], [], alpha=1.5)


# -- fair fusion and the keyword side's weight -------------------------------------------------------
from search.fusion import KeywordEvidence, fair_fusion, keyword_weight  # noqa: E402


def test_fair_fusion_with_equal_weights_orders_like_rrf():
    keyword = ranked((1, 9.0), (2, 5.0), (3, 1.0))
    semantic = ranked((3, 0.9), (1, 0.8), (4, 0.7))
    assert [f.key for f in fair_fusion(keyword, semantic)] == [f.key for f in reciprocal_rank_fusion(keyword, semantic)]


def test_a_side_that_cannot_see_a_passage_does_not_count_against_it():
    keyword = ranked((1, 9.0), (2, 5.0))
    semantic = ranked((3, 0.9), (1, 0.8), (2, 0.7))  # 3: untranslated, the keyword side cannot see it
    plain = [f.key for f in reciprocal_rank_fusion(keyword, semantic)]
    fair = fair_fusion(keyword, semantic, keyword_blind={3})
    assert plain.index(3) > 0 and fair[0].key == 3
    assert fair[0].score == pytest.approx(1 / (RRF_K + 1))  # its semantic rank alone, not halved


def test_a_zero_keyword_weight_follows_the_semantic_side():
    keyword = ranked((1, 9.0), (2, 5.0))
    semantic = ranked((2, 0.9), (3, 0.8), (1, 0.1))
    assert [f.key for f in fair_fusion(keyword, semantic, keyword_weight=0.0)] == [2, 3, 1]


def test_fair_fusion_rejects_negative_weights():
    with pytest.raises(ValueError, match="≥ 0"):
        fair_fusion([], [], keyword_weight=-1.0)


def test_keyword_weight_is_the_idf_share_the_hits_matched():
    idf = {"jeun": 4.0, "vill": 1.0, "prevoient": 5.0}
    assert keyword_weight(KeywordEvidence(idf, [{"jeun", "vill", "prevoient"}])) == pytest.approx(3.0)
    assert keyword_weight(KeywordEvidence(idf, [{"vill"}]), power=1.0, scale=1.0) == pytest.approx(0.1)
    assert keyword_weight(KeywordEvidence(idf, [{"vill"}, {"jeun"}]), power=2.0, scale=1.0) == pytest.approx(0.25)
    assert keyword_weight(KeywordEvidence(idf, [])) == 0.0


def test_a_compound_is_covered_by_its_parts():
    idf = {"環境教育": 6.0, "環境": 3.0, "教育": 4.0}
    groups = [("環境教育", "環境", "教育")]
    assert keyword_weight(KeywordEvidence(idf, [{"環境"}, {"教育"}], groups), scale=1.0) == pytest.approx(1.0)
    assert keyword_weight(KeywordEvidence(idf, [{"環境"}], groups), power=1.0, scale=1.0) == pytest.approx(0.5)
