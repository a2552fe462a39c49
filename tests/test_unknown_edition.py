"""An edition the index does not hold is a bad request naming those it holds, like an unknown doc.

It used to answer 0 results (HTTP 200, exit 0), so ``--edition 9`` read as "nothing matches".
The editions held are read from the corpus (today 2, Kanazawa, and 3, Chartres; 1 and 4 are listed
without a declaration).
"""

from __future__ import annotations

import pytest

from search.errors import BadRequest
from search.request import make_request
from tests.helpers import run_cli


@pytest.fixture(scope="module")
def held(corpus) -> str:
    """The editions of the corpus's declarations, as the message lists them."""
    return ", ".join(map(str, sorted({d.edition for d in corpus.documents})))


def test_search_service_refuses_an_edition_without_declarations(keyword_service, held):
    with pytest.raises(BadRequest, match=f"edition 9 .*use one of {held}$"):
        keyword_service.search(make_request("tourisme", mode="keyword", edition=9))
    assert keyword_service.search(make_request("tourisme", mode="keyword", edition=3))["total"] > 0


def test_cli_search_with_unknown_edition_exits_2_naming_the_held_editions(keyword_index_dir, held):
    done = run_cli("search", "tourisme", "--mode", "keyword", "--edition", "9", "--index", str(keyword_index_dir))
    assert done.returncode == 2, done.stdout
    assert done.stdout == "" and len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "edition 9" in done.stderr and held in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("edition", ["9", "1"])  # 1 is a listed edition with no declaration in the corpus
def test_api_search_with_unknown_edition_is_400_naming_the_held_editions(client, held, edition):
    r = client.get("/api/search", params={"q": "tourisme", "mode": "keyword", "edition": edition})
    assert r.status_code == 400, r.text[:200]
    assert held in r.json()["error"] and edition in r.json()["error"]


def test_api_export_with_unknown_edition_is_400(client, held):
    r = client.get("/api/search", params={"q": "tourisme", "mode": "keyword", "edition": "9", "format": "csv"})
    assert r.status_code == 400 and held in r.json()["error"]


@pytest.mark.parametrize("ui, words", [("fr", "Aucune déclaration de l'édition 9"), ("ja", "第9回の宣言がありません")])
def test_search_page_with_unknown_edition_is_400_in_the_interface_language(client, held, ui, words):
    r = client.get("/", params={"q": "tourisme", "mode": "keyword", "edition": "9", "ui": ui})
    assert r.status_code == 400
    assert words in r.text.replace("&#39;", "'") and held in r.text


def test_openapi_schema_offers_only_the_held_editions(client, held):
    (edition,) = [
        p
        for p in client.get("/openapi.json").json()["paths"]["/api/search"]["get"]["parameters"]
        if p["name"] == "edition"
    ]
    assert ", ".join(map(str, edition["schema"]["enum"])) == held
