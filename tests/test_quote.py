"""Quotation lookup on the real corpus: inexact quotations find their source, outside text finds nothing."""

from __future__ import annotations

import random
import time
import unicodedata

import pytest

from search.errors import BadRequest
from search.quote import QuoteFinder

OUTSIDE_FR = [
    "Liberté, égalité, fraternité : la République garantit l'égalité de tous les citoyens devant la loi.",
    "Les collectivités locales doivent investir dans les énergies renouvelables pour réduire leurs émissions.",
    "la coopération décentralisée franco-japonaise contribue au développement durable des collectivités territoriales",
    "Nous, les maires des villes européennes réunis à Strasbourg, adoptons la déclaration suivante sur le climat.",
]
OUTSIDE_JA = [
    "自由、平等、博愛：共和国は出自による区別なく、法の前のすべての市民の平等を保障する。",
    "本日の東京株式市場は大幅に下落し、日経平均は三日連続で値を下げた。",
]


@pytest.fixture(scope="module")
def finder(keyword_index_dir):
    from search.index_reader import open_index

    return QuoteFinder(open_index(keyword_index_dir))  # no model: near-exact matching only


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def _ranks_first(answer: dict, pid: str) -> bool:
    if not answer["matches"]:
        return False
    top = answer["matches"][0]
    # Passages with the very same text (a repeated caption or sentence) are one source.
    return top["passage_id"] == pid or pid in top["same_text_as"]


def test_200_french_quotations_lowercased_unaccented_one_word_dropped(finder, passages):
    rng = random.Random(2012)
    pool = [p for p in passages if p.lang == "fr" and len(p.text.split()) >= 13]
    failures, started = [], time.perf_counter()
    for _ in range(200):
        p = rng.choice(pool)
        words = p.text.split()
        n = rng.randint(12, min(30, len(words) - 1))
        start = rng.randint(0, len(words) - n)
        quote = words[start : start + n]
        del quote[rng.randrange(n)]
        text = _strip_accents(" ".join(quote).lower())
        if not _ranks_first(finder.find(text, semantic=False), p.passage_id):
            failures.append((p.passage_id, text))
    elapsed = time.perf_counter() - started
    print(f"\n200 French quotations: {200 - len(failures)} ranked first, {elapsed * 5:.1f} ms per quotation")
    assert failures == []


def test_50_japanese_quotations_one_character_dropped(finder, passages):
    pool = [p for p in passages if p.lang == "ja" and len(p.text) >= 30]
    assert len(pool) >= 50, "the corpus lists Japanese translations"
    rng = random.Random(2010)
    failures, started = [], time.perf_counter()
    for _ in range(50):
        p = rng.choice(pool)
        n = rng.randint(20, min(40, len(p.text) - 1))
        start = rng.randint(0, len(p.text) - n)
        quote = list(p.text[start : start + n])
        del quote[rng.randrange(1, n - 1)]
        if not _ranks_first(finder.find("".join(quote), semantic=False), p.passage_id):
            failures.append((p.passage_id, "".join(quote)))
    elapsed = time.perf_counter() - started
    print(f"\n50 Japanese quotations: {50 - len(failures)} ranked first, {elapsed * 20:.1f} ms per quotation")
    assert failures == []


@pytest.mark.parametrize(
    "quote",
    [
        "DANS LE RESPECT DES DECLARATIONS FINALES\nDE NANCY ET DE KANAZAWA",  # case, accents, line break
        "dans le respect des déclarations […] de Nancy et de Kanazawa",  # elision
        "dans le respect des déclarations [...] de Nancy et de Kanazawa",
        "et dans le respect des résolutions finales de Nancy et de Kanazawa, avons abordé des thèmes",  # a word changed
        "« dans le respect des déclarations finales de Nancy et de Kanazawa »",
    ],
)
def test_inexact_quotations_of_chartres(finder, quote):
    answer = finder.find(quote, semantic=False)
    assert answer["matched"] and answer["method"] == "shingles"
    top = answer["matches"][0]
    assert top["passage_id"] == "2012-chartres-fr:8"
    assert "<mark>" in top["snippet_html"]
    marked = top["text"][top["start"] : top["end"]]
    assert marked.startswith(("dans le respect", "et dans le respect")) and marked.endswith(("Kanazawa", "thèmes"))


def test_the_span_is_marked_and_escaped(finder):
    answer = finder.find('Living Lab "LiveWithRisk" de Tarascon', semantic=False)
    top = answer["matches"][0]
    assert top["passage_id"] == "2012-chartres-fr:70"
    assert '<mark>Living Lab "LiveWithRisk" de Tarascon</mark>' in top["snippet_html"]


def test_snippets_escape_the_passage_text(finder):
    top = finder.find("Seine-et-Marne, territoire leader en éco-construction, pourquoi et comment", semantic=False)[
        "matches"
    ][0]
    assert "&amp;" in top["snippet_html"] and " & " not in top["snippet_html"]  # « Ville Durable & Green City »


@pytest.mark.parametrize("quote", OUTSIDE_FR + OUTSIDE_JA)
def test_quotation_from_outside_the_corpus_finds_nothing(finder, quote):
    answer = finder.find(quote, semantic=False)
    assert answer["matched"] is False and answer["matches"] == []
    assert "no passage" in answer["message"]


@pytest.mark.parametrize("quote", ["", "   ", "[…]", "« … »"])
def test_empty_quotation_is_a_bad_request(finder, quote):
    with pytest.raises(BadRequest, match="empty"):
        finder.find(quote)


# -- semantic fallback (the embedding model) ---------------------------------------------------------
# Our own translations of French sentences (not the corpus' 参考訳 wording): only meaning can find them.
OTHER_LANGUAGE = {
    "2012-chartres-fr:8": "ナンシーと金沢の最終宣言を尊重し、両国の自治体の関心の中心にあるテーマを取り上げた。",
    "2010-kanazawa-fr:22": "私たちは、それぞれの経験を生かし、互いの観光資源を宣伝することで、地域の観光の魅力を高めるために協力することを提案する。",
    "2010-kanazawa-fr:31": "日本では少子化が特に顕著であり、さまざまな対策がとられてきたが、その効果はなかなか現れていない。",
    "2012-chartres-fr:83": "グローバル化は持続可能な開発と市民の進歩の原動力であると宣言する。",
}


@pytest.fixture(scope="module")
def semantic_finder(model_index_dir, embedding_model):
    from search.index_reader import open_index

    return QuoteFinder(open_index(model_index_dir), lambda: embedding_model)


@pytest.mark.slow
@pytest.mark.parametrize("pid", sorted(OTHER_LANGUAGE))
def test_quotation_in_the_other_language_falls_back_on_meaning(semantic_finder, pid):
    answer = semantic_finder.find(OTHER_LANGUAGE[pid])
    if answer["method"] == "shingles":  # the corpus' own Japanese translation happened to be close enough
        assert any(pid in m["aligned_passage_ids"] for m in answer["matches"][:1])
        return
    assert answer["method"] == "semantic"
    top = answer["matches"][0]
    assert top["passage_id"] == pid or pid in top["aligned_passage_ids"]
    assert '<mark class="sem">' in top["snippet_html"]


@pytest.mark.slow
@pytest.mark.parametrize("quote", OUTSIDE_FR + OUTSIDE_JA + ["Le chat aime dormir au soleil près de la fenêtre."])
def test_outside_quotation_gets_no_semantic_guess_either(semantic_finder, quote):
    answer = semantic_finder.find(quote)
    assert answer["matched"] is False, answer["matches"][:1]
