"""Index building: generations behind an atomic pointer, manifest, clear errors for missing or corrupt indexes."""

import json

import pytest

from indexer import index_format as fmt
from indexer.build import build_index
from indexer.manifest import IndexUnusable
from search.index_reader import open_index


def test_manifest_records_corpus_counts_fingerprint_and_files(keyword_index_dir, corpus, passages):
    manifest = fmt.read_manifest(keyword_index_dir)
    assert manifest.corpus_checksum == corpus.checksum()
    assert manifest.passages == len(passages)
    assert sum(manifest.documents.values()) == len(passages)
    assert manifest.model is None
    assert manifest.schema_version == fmt.SCHEMA_VERSION
    assert manifest.analyzer_fingerprint == fmt.analyzer_fingerprint()
    assert set(manifest.document_checksums) == {d.id for d in corpus.documents}
    root = fmt.current_generation_dir(keyword_index_dir)
    assert {fmt.STORE_FILE, fmt.CITATIONS_FILE} <= set(manifest.files)
    assert any(name.startswith("whoosh/") and name.endswith(".seg") for name in manifest.files)
    for rel, info in manifest.files.items():
        assert (root / rel).stat().st_size == info["bytes"]
        assert fmt.sha256_file(root / rel) == info["sha256"]


def test_failed_build_leaves_previous_generation_serving_and_no_debris(tmp_path, corpus, monkeypatch):
    target = tmp_path / "index"
    build_index(corpus, target, None)
    before = fmt.read_manifest(target)

    def explode(*args, **kwargs):
        raise RuntimeError("disk full (simulated)")

    monkeypatch.setattr(fmt, "write_keyword", explode)
    with pytest.raises(RuntimeError, match="simulated"):
        build_index(corpus, target, None)
    assert fmt.read_manifest(target) == before
    assert len(open_index(target).store) == before.passages
    assert sorted(p.name for p in target.iterdir()) == [fmt.POINTER_FILE, "gen-000001", fmt.LOCK_FILE]
    assert [p.name for p in tmp_path.iterdir()] == ["index"]


def test_rebuild_publishes_a_new_generation_keeps_ids_and_removes_the_unused_one(tmp_path, corpus):
    target = tmp_path / "index"
    build_index(corpus, target, None)
    first = [p.passage_id for p in open_index(target).store.passages]  # closed when collected
    manifest = build_index(corpus, target, None)
    assert manifest.generation == 2
    assert (target / fmt.POINTER_FILE).read_text() == "gen-000002\n"
    assert [p.passage_id for p in open_index(target).store.passages] == first
    assert sorted(p.name for p in target.iterdir()) == [fmt.POINTER_FILE, "gen-000002", fmt.LOCK_FILE]


def test_a_generation_held_by_a_reader_is_kept_until_released(tmp_path, corpus):
    target = tmp_path / "index"
    build_index(corpus, target, None)
    reader = open_index(target)
    build_index(corpus, target, None)
    assert (target / "gen-000001").is_dir(), "removed while a reader had it open"
    assert reader.store.get("2010-kanazawa-fr:1") is not None
    reader.close()
    build_index(corpus, target, None)
    assert sorted(p.name for p in target.iterdir() if p.name.startswith("gen-")) == ["gen-000003"]


def test_missing_corrupt_and_old_indexes_say_to_reindex(tmp_path, keyword_index_dir):
    with pytest.raises(IndexUnusable, match="no index at"):
        open_index(tmp_path / "nothing")
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / "manifest.json").write_text("{}", encoding="utf-8")
    with pytest.raises(IndexUnusable, match=r"old single-folder layout.*jumelage index"):
        open_index(legacy)
    broken = tmp_path / "broken"
    (broken / "gen-000001").mkdir(parents=True)
    (broken / fmt.POINTER_FILE).write_text("gen-000001\n", encoding="utf-8")
    (broken / "gen-000001" / "manifest.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(IndexUnusable, match=r"gen-000001/manifest\.json is unreadable.*jumelage index"):
        open_index(broken)
    data = fmt.read_manifest(keyword_index_dir).to_json()
    (broken / "gen-000001" / "manifest.json").write_text(json.dumps({**data, "schema_version": 99}), encoding="utf-8")
    with pytest.raises(IndexUnusable, match=r"schema version 99.*jumelage index"):
        open_index(broken)


def test_first_build_over_an_old_single_folder_index_replaces_it(tmp_path, corpus):
    target = tmp_path / "index"
    (target / "whoosh").mkdir(parents=True)
    (target / "manifest.json").write_text("{}", encoding="utf-8")
    (tmp_path / ".index.tmp-123").mkdir()  # debris of the old two-rename swap
    build_index(corpus, target, None)
    assert sorted(p.name for p in target.iterdir()) == [fmt.POINTER_FILE, "gen-000001", fmt.LOCK_FILE]
    assert [p.name for p in tmp_path.iterdir()] == ["index"]
    assert len(open_index(target).store) > 0
