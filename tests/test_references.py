"""Explicit references on the real corpus: extraction, resolution, self and forward references."""

from __future__ import annotations

import json

import pytest

from indexer.corpus import Document
from indexer.passage import Passage
from indexer.references import NO_TEXT, RESOLVED, UNKNOWN, ReferenceError, extract_references


@pytest.fixture(scope="module")
def references(corpus, passages):
    return extract_references(passages, corpus.editions, corpus.documents)


def _of(references, pid):
    return [r for r in references if r.passage_id == pid]


def _ja_of(corpus, passages, french_id):
    """The Japanese passage(s) aligned to a French passage."""
    french_doc = french_id.split(":")[0]
    assert any(d.translation_of == french_doc and d.lang == "ja" for d in corpus.documents), french_doc
    p = next(p for p in passages if p.passage_id == french_id)
    ja = [pid for pid in p.aligned_passage_ids if pid.split(":")[0].endswith("-ja")]
    assert ja, f"{french_id} has no aligned Japanese passage"
    return ja


def test_chartres_cites_nancy_and_kanazawa_declarations(references, passages):
    pid = next(p.passage_id for p in passages if "déclarations finales de Nancy et de Kanazawa" in p.text)
    cites = [r for r in _of(references, pid) if r.relation == "cites"]
    by_edition = {r.edition: r for r in cites}
    assert set(by_edition) == {1, 2}
    kanazawa, nancy = by_edition[2], by_edition[1]
    assert kanazawa.status == RESOLVED and "2010-kanazawa-fr" in kanazawa.targets
    assert nancy.status == NO_TEXT and nancy.targets == () and "Nancy" in nancy.label
    text = next(p.text for p in passages if p.passage_id == pid)
    # One coordinated phrase, two targets: the span is the phrase, the mention is each city.
    assert text[kanazawa.start : kanazawa.end] == "déclarations finales de Nancy et de Kanazawa" == nancy.text
    assert text[kanazawa.mention_start : kanazawa.mention_end] == "Kanazawa"
    assert text[nancy.mention_start : nancy.mention_end] == "Nancy"


def test_chartres_japanese_translation_resolves_the_same_way(corpus, references, passages):
    fr_id = next(p.passage_id for p in passages if "déclarations finales de Nancy et de Kanazawa" in p.text)
    ja_refs = [r for pid in _ja_of(corpus, passages, fr_id) for r in _of(references, pid) if r.relation == "cites"]
    assert {r.edition for r in ja_refs} == {1, 2}
    for r in ja_refs:
        if r.edition == 2:
            assert r.status == RESOLVED and "2010-kanazawa-fr" in r.targets
        else:
            assert r.status == NO_TEXT and r.targets == ()


def test_kanazawa_mentions_of_nancy_and_the_first_edition(references):
    cited = {(r.passage_id, r.text): r for r in references if r.doc_id == "2010-kanazawa-fr" and r.relation == "cites"}
    assert set(cited) == {
        ("2010-kanazawa-fr:2", "premières Rencontres"),
        ("2010-kanazawa-fr:3", "première édition"),
        ("2010-kanazawa-fr:35", "rencontres de Nancy"),
    }
    assert all(r.edition == 1 and r.status == NO_TEXT for r in cited.values())


def test_kanazawa_japanese_mentions_of_nancy(corpus, references, passages):
    for fr_id in ("2010-kanazawa-fr:2", "2010-kanazawa-fr:35"):
        ja_refs = [r for pid in _ja_of(corpus, passages, fr_id) for r in _of(references, pid)]
        assert any(r.edition == 1 and r.relation == "cites" and r.status == NO_TEXT for r in ja_refs), fr_id


def test_forward_references_are_announcements(references):
    announced = {
        (r.passage_id, r.edition, r.status) for r in references if r.relation == "announces" and r.lang == "fr"
    }
    assert ("2010-kanazawa-fr:35", 3, RESOLVED) in announced  # Kanazawa announces Chartres
    assert any(
        pid.startswith("2012-chartres-fr") and ed == 4 and st == NO_TEXT  # Chartres announces Takamatsu
        for pid, ed, st in announced
    )
    chartres = next(r for r in references if r.passage_id == "2010-kanazawa-fr:35" and r.edition == 3)
    assert "2012-chartres-fr" in chartres.targets


def test_own_edition_is_self_not_a_citation(references, passages):
    """« rencontres de Kanazawa » inside Kanazawa is the meeting itself; « réunis à Kanazawa » is no reference."""
    for r in references:
        if r.doc_id.startswith("2010-kanazawa"):
            assert (r.edition == 2) == (r.relation == "self"), r
    texts = {p.passage_id: p.text for p in passages}
    assert "réunis à Kanazawa" in texts["2010-kanazawa-fr:1"]
    assert not any(r.passage_id == "2010-kanazawa-fr:1" and "réunis" in r.text for r in references)
    # Towns as towns (a prize's sponsors, the mayors, a talk by Nancy) are not references.
    for pid in ("2012-chartres-fr:76", "2012-chartres-fr:49", "2012-chartres-fr:84"):
        assert _of(references, pid) == [], pid


def test_every_reference_is_resolved_or_reported(references):
    assert references
    for r in references:
        assert r.status in (RESOLVED, NO_TEXT, UNKNOWN)
        assert (r.status == RESOLVED) == bool(r.targets)
        assert r.start <= r.mention_start < r.mention_end <= r.end


def test_resolution_covers_both_languages_of_an_edition(corpus, references):
    kanazawa_docs = sorted(d.id for d in corpus.documents if d.edition == 2)
    for r in references:
        if r.edition == 2:
            assert list(r.targets) == kanazawa_docs


def test_japanese_forms(corpus):
    extra = Document("x-ja", "t", 3, "Chartres", "France", "2012", "ja", "x", "参考訳", "2012-chartres-fr")
    docs = [*corpus.documents, extra]

    def refs(text):
        return [
            (r.text, r.edition, r.relation, r.status)
            for r in extract_references(
                [Passage("x-ja", "ja", 0, "paragraph", "", text, 0, len(text))], corpus.editions, docs
            )
        ]

    assert refs("金沢宣言を踏まえ") == [("金沢宣言", 2, "cites", RESOLVED)]
    assert refs("ナンシーでの第1回会議") == [("ナンシーでの第1回会議", 1, "cites", NO_TEXT)]
    assert refs("第2回日仏自治体交流会議") == [("第2回日仏自治体交流会議", 2, "cites", RESOLVED)]
    assert [r[1] for r in refs("ナンシーおよび金沢の最終宣言を尊重し")] == [1, 2]
    assert refs("第３回目の会議") == [("第３回目の会議", 3, "self", RESOLVED)]
    assert refs("高松での第4回会議") == [("高松での第4回会議", 4, "announces", NO_TEXT)]
    assert refs("第7回会議") == [("第7回会議", 7, "announces", UNKNOWN)]
    assert refs("金沢に集まった") == []


def test_ambiguous_cities_are_refused(corpus):
    twin = corpus.editions[0].__class__(9, "Nancy", "France", 2030, "2030", "x", "x")
    with pytest.raises(ReferenceError, match="share a city"):
        extract_references([], [*corpus.editions, twin], corpus.documents)


def test_references_are_stored_and_deterministic(keyword_index_dir, tmp_path, corpus):
    from indexer.build import build_index
    from indexer.index_format import Layout, current_generation_dir

    build_index(corpus, tmp_path / "again", None)
    first = Layout(current_generation_dir(keyword_index_dir)).citations.read_bytes()
    assert first == Layout(current_generation_dir(tmp_path / "again")).citations.read_bytes()
    stored = json.loads(first)
    assert stored["echoes"] is None  # built without a model
    assert any(r["passage_id"] == "2012-chartres-fr:8" and r["edition"] == 1 for r in stored["references"])


def _french_refs(corpus, text, edition=5):
    extra = Document("x-fr", "t", edition, "Tours", "France", "2016", "fr", "x", "official")
    passage = Passage("x-fr", "fr", 0, "paragraph", "", text, 0, len(text))
    return [
        (r.text, r.edition, r.relation)
        for r in extract_references([passage], corpus.editions, [*corpus.documents, extra])
    ]


def test_numeric_ordinals_with_a_lost_superscript(corpus):
    assert _french_refs(corpus, "les 4èmes Rencontres de Takamatsu") == [("4èmes Rencontres de Takamatsu", 4, "cites")]
    assert _french_refs(corpus, "depuis les 3e rencontres") == [("3e rencontres", 3, "cites")]
    assert _french_refs(corpus, "pour les 5 e Rencontres franco-japonaises") == [("5 e Rencontres", 5, "self")]


def test_city_and_year_of_a_known_edition_is_a_reference(corpus):
    refs = _french_refs(
        corpus, "Les Rencontres, tenues pour la première fois à Nancy (France) en octobre 2008, ont réuni"
    )
    assert refs == [("Nancy (France) en octobre 2008", 1, "cites")]
    assert _french_refs(corpus, "réunis à Nancy en 2013") == [], "a city with another year is a town, not an edition"
    # Named otherwise in the same passage, the edition is counted once.
    assert [r[1] for r in _french_refs(corpus, "les premières rencontres, organisées à Nancy en 2008")] == [1]


def test_edition_is_read_from_the_opening(corpus):
    from indexer.references import edition_in_text

    assert (
        edition_in_text(
            ["Après le succès des premières rencontres, les 5 e Rencontres se sont tenues"], "fr", corpus.editions
        )
        == 5
    )
    assert edition_in_text(["第4回日仏自治体交流会議"], "ja", corpus.editions) == 4
    assert edition_in_text(["Nous, réunis à Tours, adoptons la déclaration."], "fr", corpus.editions) is None
