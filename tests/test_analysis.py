"""French and Japanese analyzers, as used for both indexing and queries."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from indexer.analysis import analyze, detect_lang


def terms(text: str, analyzer: str) -> list[str]:
    return [t.text for t in analyze(text, analyzer)]


def matches(query: str, text: str, analyzer: str) -> bool:
    return set(terms(query, analyzer)) <= set(terms(text, analyzer)) and bool(terms(query, analyzer))


@pytest.mark.parametrize("query", ["seisme", "séismes", "Séisme", "SÉISME"])
def test_french_accents_case_and_plural_meet(query):
    assert matches(query, "un séisme", "fr")


@pytest.mark.parametrize("text", ["l'environnement", "d’environnement", "protection de l’environnement"])
def test_french_elision_with_straight_and_curly_apostrophes(text):
    assert matches("environnement", text, "fr")


def test_french_stop_words_are_not_indexed_but_kept_for_exact_matching():
    assert terms("la gouvernance et le développement", "fr") == ["gouvernance", "developpement"]
    assert terms("la gouvernance et le développement", "fr_exact") == ["la", "gouvernance", "et", "le", "developpement"]
    assert terms("aujourd'hui", "fr") == ["aujourd'hui"]


def test_french_offsets_skip_the_elided_article():
    text = "Protection de l’environnement."
    (token,) = [t for t in analyze(text, "fr") if t.text.startswith("environ")]
    assert text[token.start : token.end] == "environnement"


@pytest.mark.parametrize(
    "query,text",
    [
        ("震災", "東日本大震災からの復興"),
        ("防災", "防災対策を進める"),
        ("日本", "東日本大震災"),
        ("文化遺産", "文化遺産の保護"),
    ],
)
def test_japanese_parts_find_compounds(query, text):
    assert matches(query, text, "ja")


def test_japanese_particles_and_auxiliaries_are_not_indexed():
    indexed = terms("自治体の協力を強化した。", "ja")
    for dropped in ("の", "を", "た", "。"):
        assert dropped not in indexed
    assert "自治体" in indexed and "協力" in indexed


def test_latin_words_inside_japanese_stay_latin():
    indexed = terms("ナント市はI-SPEEDとLiveWithRiskを紹介した", "ja")
    assert "speed" in indexed and "livewithrisk" in indexed
    assert "スピード" not in indexed


def test_japanese_normalised_forms_unify_width():
    assert matches("ＡＩ", "AIの活用", "ja")


def test_japanese_offsets_mark_exactly_the_matching_characters():
    text = "2011年3月の東日本大震災の後、仙台市の復興を支援した。"
    spans = {(t.start, t.end) for t in analyze(text, "ja") if t.text in {"震災", "仙台", "復興"}}
    assert sorted(text[s:e] for s, e in spans) == sorted(["震災", "仙台", "復興"])
    for s, e in spans:
        assert text[s:e] in ("震災", "仙台", "復興")


def test_long_japanese_text_is_split_below_sudachi_limit():
    sentence = "地方自治体は持続可能な開発のために協力する。"
    text = sentence * 3000  # ~66,000 characters, ~200 kB: far over Sudachi's 49,149-byte limit
    tokens = analyze(text, "ja")
    assert sum(1 for t in tokens if t.text == "協力") == 3000
    # Splitting must not change a token: the long text analyses as the sentence does, 3000 times over.
    one = [(t.text, t.start, t.end) for t in analyze(sentence, "ja")]
    n = len(sentence)
    assert [(t.text, t.start, t.end) for t in tokens] == [
        (w, s + i * n, e + i * n) for i in range(3000) for w, s, e in one
    ]
    assert text[tokens[-1].start : tokens[-1].end] == "する"


def test_analysis_from_eight_threads_is_identical():
    texts = [
        "東日本大震災の被災地で防災対策を進める自治体が協力した。" * 5,
        "La coopération décentralisée franco-japonaise et l’environnement.",
    ] * 40
    expected = [[(t.text, t.start, t.end) for t in analyze(x, detect_lang(x))] for x in texts]

    def work(x):
        return [(t.text, t.start, t.end) for t in analyze(x, detect_lang(x))]

    with ThreadPoolExecutor(max_workers=8) as pool:
        assert list(pool.map(work, texts)) == expected


def test_query_language_follows_the_script():
    assert detect_lang("防災の取り組み") == "ja"
    assert detect_lang("カタカナ") == "ja"
    assert detect_lang("risques naturels") == "fr"
    assert detect_lang("Takamatsu 2014") == "fr"


def test_unknown_analyzer_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown analyzer"):
        analyze("x", "de")


def test_affixes_split_off_a_compound_are_not_indexed():
    assert "化" not in terms("グローバル化", "ja") and "グローバル" in terms("グローバル化", "ja")
    assert "大" not in terms("東日本大震災", "ja")
    assert not matches("グローバル化", "地域を活性化する", "ja")


def test_french_lemmas_join_inflections_and_keep_other_words_apart():
    assert terms("risques naturels", "fr") == terms("risque naturel", "fr")
    assert terms("collectivités", "fr") == terms("collectivité", "fr")
    assert terms("naturellement", "fr") != terms("naturels", "fr")  # Snowball joined them
    assert terms("jeunesse", "fr") != terms("jeunes", "fr")  # a noun and an adjective, as with Snowball
