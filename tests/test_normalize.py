"""The normalizer on the real seeds: clean, reflowed, lossless, stable."""

import re

import pytest

from indexer.normalize import normalize_french, strip_markup
from tests.helpers import CORPUS

DOCS = {"2010-kanazawa-fr": "fr/2010-kanazawa.txt", "2012-chartres-fr": "fr/2012-chartres.txt"}
WORD = re.compile(r"\w+")
PAGE_NUMBER = re.compile(r"^\s*\d{1,3}\s*$", re.M)


def _raw(doc_id: str) -> str:
    return (CORPUS / DOCS[doc_id]).read_text(encoding="utf-8")


@pytest.fixture(scope="module", params=sorted(DOCS))
def doc(request):
    raw = _raw(request.param)
    return request.param, raw, normalize_french(raw, request.param)


def _find(passages, fragment):
    found = [p for p in passages if fragment in p.text]
    assert len(found) == 1, f"{fragment!r} is in {len(found)} passages"
    return found[0]


def test_no_markup_or_page_number_survives(doc):
    _, _, passages = doc
    for p in passages:
        assert "<u>" not in p.text and "</u>" not in p.text and "^{" not in p.text
        assert not PAGE_NUMBER.fullmatch(p.text)
        assert "\n" not in p.text and "\t" not in p.text and "  " not in p.text


def test_superscript_reads_as_text():
    passages = normalize_french(_raw("2012-chartres-fr"), "2012-chartres-fr")
    assert passages[1].text.startswith("3ème Rencontres Franco-Japonaises")
    assert strip_markup("le 3^{ème} jour, <u>souligné</u>") == "le 3ème jour, souligné"


def test_lossless_every_word_once_in_order(doc):
    _, raw, passages = doc
    source = PAGE_NUMBER.sub(" ", strip_markup(raw))
    assert WORD.findall(" ".join(p.text for p in passages)) == WORD.findall(source)


def test_offsets_point_at_the_source_span(doc):
    _, raw, passages = doc
    previous_end = 0
    for p in passages:
        span = strip_markup(raw[p.start : p.end])
        assert p.start >= previous_end and p.end > p.start
        assert WORD.findall(PAGE_NUMBER.sub(" ", span)) == WORD.findall(p.text)
        previous_end = p.end


def test_ids_are_stable_across_runs(doc):
    doc_id, raw, passages = doc
    again = normalize_french(raw, doc_id)
    assert [(p.passage_id, p.text, p.start, p.end) for p in passages] == [
        (p.passage_id, p.text, p.start, p.end) for p in again
    ]
    assert [p.passage_id for p in passages] == [f"{doc_id}:{i}" for i in range(len(passages))]


def test_kanazawa_reflow_keeps_paragraphs_whole_and_apart():
    passages = normalize_french(_raw("2010-kanazawa-fr"), "2010-kanazawa-fr")
    first = _find(passages, "Nous, les représentants de dix-huit")
    assert first.text.endswith("adoptons la déclaration suivante.")
    assert "réunis à Kanazawa les 12 et 13 mai 2010 pour les deuxièmes Rencontres" in first.text
    nancy = _find(passages, "Les premières Rencontres")
    assert nancy.text.endswith("rencontres à Kanazawa en 2010.")
    assert "C’est ainsi que" not in nancy.text, "two paragraphs were joined"
    # A page number sat inside this item; it is gone and the sentence runs on.
    item = _find(passages, "Suite aux présentations de projets")
    assert "territorial, nous reconnaissons dans ce domaine" in item.text
    # A continuation line that starts with a space is not a bullet.
    assert "dans le développement durable, nous sommes convenus" in _find(passages, "Aussi, reconnaissant").text
    assert "afin de lutter contre le réchauffement climatique" in _find(passages, "Pour une dynamique").text
    closing = _find(passages, "Fait le 13 mai 2010")
    assert closing.text == "Fait le 13 mai 2010 à Kanazawa, Japon."
    for p in passages:
        if p.kind in ("paragraph", "list_item"):
            assert p.text.endswith((".", ":", ";")), f"{p.passage_id} ends mid-sentence: {p.text[-40:]!r}"


def test_kanazawa_lost_bullets_become_list_items():
    passages = normalize_french(_raw("2010-kanazawa-fr"), "2010-kanazawa-fr")
    intro = _find(passages, "de la coopération pour :")
    following = passages[intro.ordinal + 1 : intro.ordinal + 4]
    assert [p.kind for p in following] == ["list_item"] * 3
    assert following[0].text.startswith("résoudre les questions")
    assert following[2].text.endswith("par les excès du libéralisme.")
    assert _find(passages, "Aussi, reconnaissant").kind == "paragraph"
    culture = [p for p in passages if p.section == "Culture" and p.kind == "list_item"]
    assert len(culture) == 6 and culture[0].text.startswith("Nous reconnaissons la culture")
    assert {p.section for p in passages if p.kind == "heading"} == {"Culture", "Economie", "Environnement", "Société"}
    # The paragraphs after the last list belong to the declaration, not to "Société".
    assert _find(passages, "Dépassant le cadre").section == "Déclaration de Kanazawa"


def test_chartres_page_break_is_mended_and_paragraphs_stay_apart():
    passages = normalize_french(_raw("2012-chartres-fr"), "2012-chartres-fr")
    issue = _find(passages, "A l'issue de ces journées")
    assert "de relever les défis concernant le développement touristique, et traiter" in issue.text
    item = _find(passages, "Pour permettre la mise en valeur du patrimoine")
    assert item.kind == "list_item" and item.text.endswith("promotion du tourisme culturel.")
    energy = _find(passages, "nouvelles sources d'énergie")
    assert "d'énergie, de renforcer les initiatives" in energy.text
    assert _find(passages, "Le débat a mis en évidence").text.endswith("l'identité du Japon et de la France.")
    assert _find(passages, "Il faut souligner").ordinal + 1 == _find(passages, "De cet événement").ordinal


def test_chartres_table_rows_hold_collectivite_and_title():
    passages = normalize_french(_raw("2012-chartres-fr"), "2012-chartres-fr")
    rows = [p for p in passages if p.kind == "table_row"]
    assert len(rows) == 5 + 6 + 4 + 5 + 4 + 6
    saku = _find(passages, "Saku — L'agriculture à Saku.")
    assert saku.kind == "table_row"
    assert saku.section == "Innovations Economiques › Interventions - Collectivités japonaises"
    rennes = _find(passages, "Ville de Rennes")
    assert rennes.text == (
        "Ville de Rennes — Solidarité Sendai suite au séisme et au tsunami : "
        "accompagnement sur le programme de reconstruction."
    )
    headers = [p for p in passages if p.kind == "table_header"]
    assert len(headers) == 6 and all(p.text == "Collectivités — Titre de l'intervention" for p in headers)
    assert _find(passages, "Le développement dans l'avenir").section == "Innovations Economiques"


def test_chartres_dash_items_are_list_items_without_the_dash():
    passages = normalize_french(_raw("2012-chartres-fr"), "2012-chartres-fr")
    items = [p for p in passages if p.kind == "list_item"]
    assert items[0].text.startswith("Les innovations économiques :")
    assert not any(p.text.startswith("-") for p in items)
