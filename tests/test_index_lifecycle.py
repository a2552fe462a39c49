"""Index lifecycle: incremental builds, the write lock, fingerprints and --if-stale."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import numpy as np
import pytest

from indexer import index_format as fmt
from indexer.build import build_index
from indexer.corpus import load_corpus
from indexer.corpus_passages import build_passages
from search.index_reader import open_index
from search.request import make_request
from search.service import SearchService
from tests.helpers import CORPUS, ROOT, run_cli
from tests.lifecycle_helpers import (
    NEW_DOC,
    NEW_WORD,
    HashEncoder,
    corpus_with_inserted_declaration,
)


@pytest.fixture
def bigger(tmp_path):
    return load_corpus(corpus_with_inserted_declaration(CORPUS, tmp_path / "corpus-plus"))


def _ids(index_dir, query, lang=None):
    service = SearchService(open_index(index_dir))
    found = service.search(make_request(query, mode="keyword", limit=50, lang=lang))
    return [(r["passage_id"], r["text"]) for r in found["results"]]


# -- incremental builds ---------------------------------------------------------------------------
def test_adding_a_declaration_keeps_the_others_and_answers_like_a_full_build(tmp_path, corpus, bigger):
    target, full = tmp_path / "incremental", tmp_path / "full"
    build_index(corpus, target, None)
    manifest = build_index(bigger, target, None)
    build_index(bigger, full, None, incremental=False)
    before = len(build_passages(corpus))
    assert manifest.reused == {"keyword": before}, "unchanged declarations were analysed again"
    assert manifest.documents[NEW_DOC] == 3
    for query in (NEW_WORD, "Takamatsu", "séisme", "prévention des risques"):
        assert _ids(target, query) == _ids(full, query), query
    assert _ids(target, "高松") == _ids(full, "高松")
    assert {pid for pid, _ in _ids(target, NEW_WORD)} == {f"{NEW_DOC}:{i}" for i in range(3)}  # 2: by its section


def test_removing_a_declaration_deletes_its_passages_from_the_keyword_index(tmp_path, corpus, bigger):
    target = tmp_path / "index"
    build_index(bigger, target, None)
    assert _ids(target, NEW_WORD)
    manifest = build_index(corpus, target, None)
    assert manifest.reused == {"keyword": manifest.passages}
    assert _ids(target, NEW_WORD) == []
    assert NEW_DOC not in manifest.documents


def test_unchanged_passages_are_not_embedded_again(tmp_path, corpus, bigger):
    target = tmp_path / "index"
    first = HashEncoder()
    build_index(corpus, target, first)
    old = open_index(target)
    old_vectors = {p.passage_id: np.array(old.vectors[i]) for i, p in enumerate(old.store.passages)}
    old.close()
    second = HashEncoder()
    manifest = build_index(bigger, target, second)
    new_texts = {p.text for p in build_passages(bigger) if p.doc_id == NEW_DOC}
    passage_calls = [t for t in second.encoded if t in new_texts]
    assert sorted(passage_calls) == sorted(new_texts)
    assert len(second.encoded) < 10, f"re-embedded {len(second.encoded)} texts"
    assert manifest.reused["vectors"] == len(old_vectors)
    index = open_index(target)
    for i, p in enumerate(index.store.passages):
        if p.passage_id in old_vectors:
            assert np.array_equal(index.vectors[i], old_vectors[p.passage_id]), p.passage_id


def test_another_model_re_embeds_everything(tmp_path, corpus):
    target = tmp_path / "index"
    build_index(corpus, target, HashEncoder())
    other = HashEncoder("test/another-model")
    manifest = build_index(corpus, target, other)
    assert manifest.reused.get("vectors") == 0
    assert len(other.encoded) >= manifest.passages


def test_an_analyzer_change_re_analyses_everything(tmp_path, corpus, monkeypatch):
    target = tmp_path / "index"
    build_index(corpus, target, None)
    monkeypatch.setattr(fmt, "analyzer_fingerprint", lambda: "sha256:changed")
    manifest = build_index(corpus, target, None)
    assert manifest.reused == {}
    assert manifest.analyzer_fingerprint == "sha256:changed"


def test_a_damaged_previous_generation_is_not_reused(tmp_path, corpus):
    target = tmp_path / "index"
    build_index(corpus, target, None)
    store = fmt.current_generation_dir(target) / fmt.STORE_FILE
    data = bytearray(store.read_bytes())
    data[len(data) // 2] ^= 0xFF
    store.write_bytes(bytes(data))
    messages: list[str] = []
    manifest = build_index(corpus, target, None, progress=messages.append)
    assert manifest.reused == {}
    assert any("fails its checksum" in m for m in messages)
    assert len(open_index(target).store) == manifest.passages


# -- the lock ------------------------------------------------------------------------------------
def test_a_second_writer_fails_in_one_line_or_waits(tmp_path, corpus):
    from filelock import FileLock

    target = tmp_path / "index"
    build_index(corpus, target, None)
    other_writer = FileLock(str(target / fmt.LOCK_FILE))  # what another process holds
    with other_writer, pytest.raises(fmt.IndexBusy, match="pass --wait"):
        build_index(corpus, target, None)
    waited: list[int] = []
    with other_writer:
        worker = threading.Thread(target=lambda: waited.append(build_index(corpus, target, None, wait=True).generation))
        worker.start()
        time.sleep(0.5)
        assert not waited, "the second writer did not wait"
    worker.join(timeout=60)
    assert waited == [2]


def test_cli_index_fails_in_one_line_while_another_writer_holds_the_lock(tmp_path, corpus):
    target = tmp_path / "index"
    build_index(corpus, target, None)
    with fmt.writer_lock(target):  # this process is the other writer
        done = run_cli("index", "--keyword-only", "--index", str(target))
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "another process is writing" in lines[0] and "--wait" in lines[0]


def test_two_concurrent_builds_leave_one_intact_index(tmp_path):
    target = tmp_path / "index"
    args = [sys.executable, "-m", "jumelage.cli", "index", "--keyword-only", "--index", str(target)]
    procs = [subprocess.Popen(args + extra, cwd=ROOT, stderr=subprocess.PIPE, text=True) for extra in ([], ["--wait"])]
    results = [(p.wait(timeout=300), p.stderr.read()) for p in procs]
    for p in procs:
        p.stderr.close()
    assert results[1][0] == 0, results[1][1]  # --wait always gets its turn
    first_rc, first_err = results[0]
    assert first_rc in (0, 2) and "Traceback" not in first_err
    if first_rc == 2:
        assert "another process is writing" in first_err
    assert len(open_index(target).store) > 0
    names = sorted(p.name for p in target.iterdir())
    assert names[0] == fmt.POINTER_FILE and not any(n.startswith(fmt.STAGING_PREFIX) for n in names)


# -- --if-stale ----------------------------------------------------------------------------------
def test_if_stale_notices_corpus_analyzer_model_and_damage(tmp_path, corpus, bigger, monkeypatch):
    from jumelage.commands.index_cmd import staleness

    target = tmp_path / "index"
    build_index(corpus, target, HashEncoder())
    assert staleness(target, corpus.checksum(), True, None) is None
    assert staleness(target, bigger.checksum(), True, None) == "the corpus changed"
    reason = staleness(target, corpus.checksum(), False, None)
    assert reason is not None and "built with test/hash-encoder" in reason
    monkeypatch.setattr(fmt, "analyzer_fingerprint", lambda: "sha256:other")
    assert "analyzer" in staleness(target, corpus.checksum(), True, None)
    monkeypatch.undo()
    (fmt.current_generation_dir(target) / fmt.CITATIONS_FILE).write_text("", encoding="utf-8")
    assert "citations.json has 0 bytes" in staleness(target, corpus.checksum(), True, None)


def test_if_stale_cli_skips_a_current_index(tmp_path):
    target = tmp_path / "index"
    assert run_cli("index", "--keyword-only", "--index", str(target)).returncode == 0
    done = run_cli("index", "--keyword-only", "--if-stale", "--index", str(target))
    assert done.returncode == 0 and "up to date" in done.stderr
    assert fmt.read_pointer(target) == "gen-000001"


def test_the_write_lock_is_re_entrant_for_a_command_that_changes_the_corpus_then_builds(tmp_path, corpus):
    target = tmp_path / "index"
    with fmt.writer_lock(target):  # what `jumelage add` holds around its corpus change
        assert build_index(corpus, target, None).generation == 1
    with fmt.writer_lock(target), pytest.raises(fmt.IndexBusy):  # another thread is another writer
        failures: list[BaseException] = []

        def other() -> None:
            try:
                build_index(corpus, target, None)
            except BaseException as err:  # noqa: BLE001 - handed back to the test thread
                failures.append(err)

        worker = threading.Thread(target=other)
        worker.start()
        worker.join(timeout=60)
        raise failures[0]
