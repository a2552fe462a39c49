"""Index building: atomic swap, manifest, clear errors for missing or corrupt indexes."""

import json

import pytest

from indexer.build import build_index
from indexer.manifest import IndexUnusable, read_manifest
from search.index_reader import open_index


def test_manifest_records_corpus_and_counts(keyword_index_dir, corpus, passages):
    manifest = read_manifest(keyword_index_dir)
    assert manifest.corpus_checksum == corpus.checksum()
    assert manifest.passages == len(passages)
    assert sum(manifest.documents.values()) == len(passages)
    assert manifest.model is None


def test_failed_build_leaves_previous_index_usable(tmp_path, corpus, monkeypatch):
    target = tmp_path / "index"
    build_index(corpus, target, None)
    before = read_manifest(target)

    import indexer.build as build_module

    def explode(*args, **kwargs):
        raise RuntimeError("disk full (simulated)")

    monkeypatch.setattr(build_module, "write_keyword_index", explode)
    with pytest.raises(RuntimeError, match="simulated"):
        build_index(corpus, target, None)
    assert read_manifest(target) == before
    assert len(open_index(target).store) == before.passages
    assert [p.name for p in tmp_path.iterdir()] == ["index"], "the staging directory was left behind"


def test_rebuild_replaces_the_index_and_keeps_ids(tmp_path, corpus):
    target = tmp_path / "index"
    build_index(corpus, target, None)
    first = [p.passage_id for p in open_index(target).store.passages]
    build_index(corpus, target, None)
    assert [p.passage_id for p in open_index(target).store.passages] == first
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index"]


def test_missing_and_corrupt_index_say_to_reindex(tmp_path, keyword_index_dir):
    with pytest.raises(IndexUnusable, match="no index at"):
        open_index(tmp_path / "nothing")
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(IndexUnusable, match=r"corrupt index manifest.*re-index"):
        open_index(broken)
    data = json.loads((keyword_index_dir / "manifest.json").read_text(encoding="utf-8"))
    (broken / "manifest.json").write_text(json.dumps({**data, "schema_version": 99}), encoding="utf-8")
    with pytest.raises(IndexUnusable, match=r"schema version 99.*re-index"):
        open_index(broken)
