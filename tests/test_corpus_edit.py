"""Textual manifest edits: comments and order survive, remove undoes add byte for byte."""

from __future__ import annotations

import tomllib

import pytest

from indexer.corpus import CorpusError
from indexer.corpus_edit import with_document, without_document
from tests.helpers import CORPUS

MANIFEST = (CORPUS / "declarations.toml").read_text(encoding="utf-8")
ENTRY = {
    "id": "2016-tours-fr",
    "title": 'Déclaration de « Tours » "finale"',
    "edition": 5,
    "city": "Tours",
    "country": "France",
    "date": "2016-10-20",
    "lang": "fr",
    "path": "fr/2016-tours-fr.txt",
    "status": "official",
    "translation_of": None,
    "source_format": "pdf",
    "source_sha256": "0" * 64,
}
EDITION = {
    "number": 5,
    "city": "Tours",
    "country": "France",
    "year": 2016,
    "dates": "2016-10-20",
    "label_fr": "cinquièmes Rencontres, Tours (2016)",
    "label_ja": "第5回日仏自治体交流会議（Tours、2016年）",
}


def test_append_keeps_everything_before_it_and_parses():
    edited = with_document(MANIFEST, ENTRY, None)
    assert edited.startswith(MANIFEST)
    data = tomllib.loads(edited)
    assert data["document"][-1]["title"] == ENTRY["title"]
    assert "translation_of" not in data["document"][-1], "None values are left out"


def test_new_edition_goes_after_the_last_edition_and_comments_survive():
    edited = with_document(MANIFEST, ENTRY, EDITION)
    data = tomllib.loads(edited)
    assert [e["number"] for e in data["edition"]] == [1, 2, 3, 4, 5]
    assert edited.index("number = 5") < edited.index("\n[[document]]")
    assert MANIFEST.splitlines()[0] in edited and "# status:" in edited


@pytest.mark.parametrize("edition", [None, EDITION])
def test_remove_undoes_add_exactly(edition):
    assert without_document(with_document(MANIFEST, ENTRY, edition), "2016-tours-fr") == MANIFEST


def test_an_added_edition_stays_while_another_document_uses_it():
    other = {**ENTRY, "id": "2016-tours-ja", "lang": "ja", "path": "ja/2016-tours-ja.txt"}
    both = with_document(with_document(MANIFEST, ENTRY, EDITION), other, None)
    left = tomllib.loads(without_document(both, "2016-tours-fr"))
    assert [e["number"] for e in left["edition"]][-1] == 5


def test_removing_a_seed_block_leaves_the_others():
    edited = without_document(MANIFEST, "2012-chartres-ja")
    ids = [d["id"] for d in tomllib.loads(edited)["document"]]
    assert ids == ["2010-kanazawa-fr", "2012-chartres-fr", "2010-kanazawa-ja"]


def test_unknown_id_is_a_clear_error():
    with pytest.raises(CorpusError, match="no \\[\\[document\\]\\] with id 'nope'"):
        without_document(MANIFEST, "nope")
