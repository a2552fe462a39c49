"""The corpus manifest and the verbatim French seeds."""

import hashlib
import shutil

import pytest

from indexer.corpus import CorpusError, load_corpus
from tests.helpers import CORPUS

SEED_SHA256 = {
    "fr/2010-kanazawa.txt": "fa24414bbd04456c1bfa381643c1e94c53224bd9feaaa0c20923398b824566cf",
    "fr/2012-chartres.txt": "0ef2bcbebf1d8acea6b9559e5dfcf0612e75d7a73f9855979bcc4686cd5181ba",
}


@pytest.mark.parametrize("path,digest", sorted(SEED_SHA256.items()))
def test_french_seeds_are_verbatim(path, digest):
    assert hashlib.sha256((CORPUS / path).read_bytes()).hexdigest() == digest


def test_manifest_lists_documents_and_editions(corpus):
    ids = [d.id for d in corpus.documents]
    assert "2010-kanazawa-fr" in ids and "2012-chartres-fr" in ids
    assert len(ids) == len(set(ids))
    nancy = corpus.edition(1)
    assert nancy is not None and nancy.city == "Nancy" and nancy.year == 2008
    assert not any(d.edition == 1 for d in corpus.documents), "Nancy 2008 is a known edition without text"
    assert corpus.document("2010-kanazawa-fr").edition == 2
    assert corpus.document("2012-chartres-fr").edition == 3
    for doc in corpus.documents:
        assert (corpus.root / doc.path).is_file()
        if doc.translation_of:
            assert corpus.document(doc.translation_of).lang != doc.lang


def _broken_copy(tmp_path, old: str, new: str):
    root = tmp_path / "corpus"
    shutil.copytree(CORPUS, root)
    manifest = root / "declarations.toml"
    text = manifest.read_text(encoding="utf-8")
    assert old in text
    manifest.write_text(text.replace(old, new, 1), encoding="utf-8")
    return root


@pytest.mark.parametrize(
    "old,new,message",
    [
        ('path = "fr/2010-kanazawa.txt"', 'path = "fr/missing.txt"', "does not exist"),
        ('id = "2012-chartres-fr"', 'id = "2010-kanazawa-fr"', "duplicate document id"),
        ('lang = "fr"', 'lang = "de"', "has lang 'de'"),
        ("edition = 3", "edition = 9", "edition 9"),
        ('status = "official"', 'status = "draft"', "has status 'draft'"),
        ('title = "Déclaration de Kanazawa"\n', "", "lacks title"),
        ("[[document]]", "[[document]\n", "not valid TOML"),
    ],
)
def test_broken_manifest_gives_a_clear_error(tmp_path, old, new, message):
    root = _broken_copy(tmp_path, old, new)
    with pytest.raises(CorpusError, match=message) as info:
        load_corpus(root)
    assert "\n" not in str(info.value)


def test_translation_of_must_resolve(tmp_path):
    root = _broken_copy(tmp_path, 'status = "official"\n', 'status = "参考訳"\ntranslation_of = "1999-nowhere-fr"\n')
    with pytest.raises(CorpusError, match="unknown document '1999-nowhere-fr'"):
        load_corpus(root)


def test_missing_manifest_says_where(tmp_path):
    with pytest.raises(CorpusError, match="no corpus manifest"):
        load_corpus(tmp_path)
