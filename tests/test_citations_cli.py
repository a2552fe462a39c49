"""`jumelage citations` and `jumelage quote`, run as a user would, on an index of the real corpus."""

from __future__ import annotations

import json

import pytest

from tests.helpers import run_cli


def _json(*args: str) -> dict:
    done = run_cli(*args, "--json")
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_citations_of_a_passage(keyword_index_dir):
    answer = _json("citations", "2012-chartres-fr:8", "--index", str(keyword_index_dir))
    assert answer["kind"] == "passage" and answer["passage"]["passage_id"] == "2012-chartres-fr:8"
    cites = {r["edition"]: r for r in answer["cites"]}
    assert cites[2]["target_documents"][0]["doc_id"] == "2010-kanazawa-fr"
    assert cites[1]["status"] == "edition_without_text" and cites[1]["edition_info"]["city"] == "Nancy"
    assert "<mark>déclarations finales de Nancy et de Kanazawa</mark>" in cites[1]["snippet_html"]
    assert [r["relation"] for r in answer["mentions_self"]] == ["self"]
    # Kanazawa announced the third edition: that cites Chartres' declaration.
    assert any(r["passage_id"] == "2010-kanazawa-fr:35" and r["relation"] == "announces" for r in answer["cited_by"])
    assert answer["echoes_available"] is False and answer["echoes"] == []


def test_citations_of_a_document(keyword_index_dir):
    answer = _json("citations", "2010-kanazawa-fr", "--index", str(keyword_index_dir))
    assert answer["kind"] == "document"
    assert {r["passage_id"] for r in answer["cited_by"]} >= {"2012-chartres-fr:4", "2012-chartres-fr:8"}
    assert all(r["relation"] != "self" for r in answer["cites"])
    assert {r["edition"] for r in answer["cites"]} == {1, 3}


def test_citations_plain_text(keyword_index_dir):
    done = run_cli("citations", "2010-kanazawa-fr:35", "--index", str(keyword_index_dir))
    assert done.returncode == 0, done.stderr
    assert "«rencontres de Nancy» cites edition 1" in done.stdout
    assert "no text in the corpus" in done.stdout
    assert "announces edition 3" in done.stdout


@pytest.mark.parametrize("ident", ["2010-kanazawa-fr:999", "nowhere", "2099-x-fr:1"])
def test_citations_unknown_id_exits_2(keyword_index_dir, ident):
    done = run_cli("citations", ident, "--index", str(keyword_index_dir))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "unknown" in done.stderr


def test_quote_finds_the_source(keyword_index_dir):
    answer = _json(
        "quote",
        "nous convenons d'organiser les quatriemes rencontres [...] a Takamatsu",
        "--index",
        str(keyword_index_dir),
    )
    assert answer["matched"] and answer["matches"][0]["passage_id"] == "2012-chartres-fr:79"
    assert "<mark>" in answer["matches"][0]["snippet_html"]


def test_quote_without_match_says_so(keyword_index_dir):
    done = run_cli(
        "quote", "Le chat aime dormir au soleil près de la fenêtre.", "--no-semantic", "--index", str(keyword_index_dir)
    )
    assert done.returncode == 0 and done.stdout.startswith("no match")


@pytest.mark.parametrize("args", [["quote", ""], ["quote", "[…]"], ["quote", "Nancy", "--limit", "0"]])
def test_quote_bad_input_exits_2(keyword_index_dir, args):
    done = run_cli(*args, "--index", str(keyword_index_dir))
    assert done.returncode == 2 and done.stderr.count("\n") == 1


@pytest.mark.slow
def test_citations_with_echoes(model_index_dir):
    answer = _json("citations", "2010-kanazawa-fr:35", "--index", str(model_index_dir))
    assert answer["echoes_available"] is True
    others = [e["other_id"] for e in answer["echoes"]]
    # Echoes start from a 2010 commitment: the steering committee (:80) and the prize (:15), both judged true
    # echoes by an independent reader (tests/data/echo_judgement_independent.jsonl).
    assert "2012-chartres-fr:80" in others and "2012-chartres-fr:15" in others
    echo = next(e for e in answer["echoes"] if e["other_id"] == "2012-chartres-fr:80")
    assert "<mark>" in echo["snippet_html"] and echo["shared_terms"]
