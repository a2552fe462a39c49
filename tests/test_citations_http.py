"""/api/passages/{id}/citations, /api/quote and the citation lists of the passage page."""

from __future__ import annotations

import pytest


def test_passage_citations_json(client):
    r = client.get("/api/passages/2012-chartres-fr:8/citations")
    assert r.status_code == 200
    body = r.json()
    assert {c["edition"] for c in body["cites"]} == {1, 2}
    assert any(c["passage_id"] == "2010-kanazawa-fr:35" for c in body["cited_by"])


def test_unknown_passage_is_404(client):
    r = client.get("/api/passages/2012-chartres-fr:999/citations")
    assert r.status_code == 404 and "2012-chartres-fr:999" in r.json()["error"]


def test_quote_json(client):
    r = client.get("/api/quote", params={"text": "nous nous rejouissons de nous revoir a takamatsu"})
    assert r.status_code == 200
    body = r.json()
    assert body["matched"] and body["matches"][0]["passage_id"] == "2012-chartres-fr:84"
    assert "<mark>" in body["matches"][0]["snippet_html"]


def test_quote_without_match(client):
    body = client.get("/api/quote", params={"text": "Le chat aime dormir au soleil près de la fenêtre."}).json()
    assert body["matched"] is False and body["matches"] == [] and body["message"]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"text": ""},
        {"text": "[…]"},
        {"text": "Nancy", "limit": "x"},
        {"text": "Nancy", "limit": "0"},
        {"text": "x" * 6000},
    ],
)
def test_quote_bad_parameters_are_400(client, params):
    r = client.get("/api/quote", params=params)
    assert r.status_code == 400 and r.json()["error"]


def test_passage_page_lists_what_it_cites_and_what_cites_it(client):
    page = client.get("/passages/2012-chartres-fr:8").text
    section = page[page.index('id="citations"') :]
    assert "<mark>déclarations finales de Nancy et de Kanazawa</mark>" in section
    assert "2010-kanazawa-fr:35" in section  # cited by: Kanazawa announcing the third edition
    page = client.get("/passages/2010-kanazawa-fr:35").text
    section = page[page.index('id="citations"') :]
    assert "<mark>rencontres de Nancy</mark>" in section and "2012-chartres-fr:8" in section
