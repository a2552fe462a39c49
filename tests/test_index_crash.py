"""kill -9 of `jumelage index` and `jumelage add` at random moments: the index still opens, the next build cleans up.

Most trials are keyword-only builds (about three seconds each here); two load
the real model over a copy of the session's model index (so they embed only the
changed declaration), and their kills land during model loading, embedding or
publishing.
"""

from __future__ import annotations

import random
import shutil
import subprocess
import sys
import time
from collections import Counter

import pytest

from indexer import index_format as fmt
from indexer.build import build_index
from search.index_reader import open_index
from tests.helpers import CORPUS, ROOT
from tests.lifecycle_helpers import NEW_DOC, corpus_with_inserted_declaration

KEYWORD_TRIALS = 20
MODEL_TRIALS = 2


def _start(corpus_dir, target, *, keyword_only: bool) -> subprocess.Popen:
    args = [sys.executable, "-m", "jumelage.cli", "index", "--corpus", str(corpus_dir), "--index", str(target)]
    return subprocess.Popen(
        args + (["--keyword-only"] if keyword_only else []),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _duration(corpus_dir, target, *, keyword_only: bool) -> float:
    started = time.perf_counter()
    assert _start(corpus_dir, target, keyword_only=keyword_only).wait(timeout=600) == 0
    return time.perf_counter() - started


def _trials(n, corpora, target, rng, duration: float, *, keyword_only: bool, outcomes: Counter) -> None:
    """Kill ``n`` builds, alternating between the corpora, each at a random moment of its run."""
    for i in range(n):
        before = fmt.read_pointer(target)
        corpus_dir, expected = corpora[i % 2]
        process = _start(corpus_dir, target, keyword_only=keyword_only)
        time.sleep(rng.uniform(0.0, duration * 0.95))
        process.kill()  # SIGKILL: no clean-up of any kind
        rc = process.wait(timeout=60)
        index = open_index(target)  # must open, whatever the moment
        after, size, has_vectors = index.generation, len(index.store), index.vectors is not None
        index.close()
        assert size in {c[1] for c in corpora}, size
        if rc == 0:
            outcomes["finished before the kill"] += 1
        elif after == before:
            outcomes["killed: previous generation served"] += 1
        else:
            assert size == expected
            outcomes["killed after the swap: new generation served"] += 1
        if not keyword_only:
            assert has_vectors or after == before


@pytest.mark.slow
def test_kill_9_at_random_moments_leaves_a_servable_index_and_the_next_build_leaves_no_debris(
    tmp_path, corpus, model_index_dir
):
    from indexer.corpus import load_corpus

    bigger_dir = corpus_with_inserted_declaration(CORPUS, tmp_path / "corpus-plus")
    target = tmp_path / "index"
    base = build_index(corpus, target, None)
    bigger = build_index(load_corpus(bigger_dir), tmp_path / "sizes", None)
    assert NEW_DOC in bigger.documents
    corpora = [(bigger_dir, bigger.passages), (CORPUS, base.passages)]
    with_model = tmp_path / "model-index"
    shutil.copytree(model_index_dir, with_model)
    shutil.copytree(model_index_dir, tmp_path / "reference-model")
    durations = {
        "keyword": round(_duration(bigger_dir, tmp_path / "reference-keyword", keyword_only=True), 1),
        "model": round(_duration(bigger_dir, tmp_path / "reference-model", keyword_only=False), 1),
    }
    rng = random.Random(20261125)
    outcomes: Counter = Counter()
    _trials(KEYWORD_TRIALS, corpora, target, rng, durations["keyword"], keyword_only=True, outcomes=outcomes)
    _trials(MODEL_TRIALS, corpora, with_model, rng, durations["model"], keyword_only=False, outcomes=outcomes)
    print(f"\nkill -9 trials: {dict(outcomes)}; build durations {durations} s")
    assert sum(outcomes.values()) == KEYWORD_TRIALS + MODEL_TRIALS
    assert outcomes["killed: previous generation served"] >= 5, outcomes
    for index_dir in (target, with_model):
        manifest = build_index(corpus, index_dir, None)
        names = sorted(p.name for p in index_dir.iterdir())
        assert names == [fmt.POINTER_FILE, fmt.generation_name(manifest.generation), fmt.LOCK_FILE], names
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "corpus-plus",
        "index",
        "model-index",
        "reference-keyword",
        "reference-model",
        "sizes",
    ]


ADD_TRIALS = 10


@pytest.mark.slow
def test_kill_9_of_jumelage_add_leaves_a_servable_index(tmp_path, corpus):
    """`jumelage add --keyword-only` killed at random moments (corpus edit, analysis, publishing)."""
    from tests.lifecycle_helpers import NEW_TEXT

    source = tmp_path / "zanzibar.txt"
    source.write_text(NEW_TEXT, encoding="utf-8")
    target = tmp_path / "index"
    base = build_index(corpus, target, None).passages

    def start(corpus_dir) -> subprocess.Popen:
        args = [
            sys.executable,
            "-m",
            "jumelage.cli",
            "add",
            str(source),
            "--id",
            "2014-zanzibar-fr",
            "--lang",
            "fr",
            "--edition",
            "4",
            "--keyword-only",
            "--corpus",
            str(corpus_dir),
            "--index",
            str(target),
        ]
        return subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)

    def fresh_corpus(i: int):
        corpus_dir = tmp_path / f"corpus-{i}"
        shutil.copytree(CORPUS, corpus_dir)
        return corpus_dir

    reference = start(fresh_corpus(-1))
    started = time.perf_counter()
    _, err = reference.communicate(timeout=300)
    assert reference.returncode == 0, err
    duration = time.perf_counter() - started
    with_new = len(open_index(target).store)
    assert with_new > base
    build_index(corpus, target, None)  # back to the corpus without it
    rng = random.Random(4)
    outcomes: Counter = Counter()
    for i in range(ADD_TRIALS):
        before = fmt.read_pointer(target)
        process = start(fresh_corpus(i))
        time.sleep(rng.uniform(0.0, duration * 0.95))
        process.kill()
        process.communicate(timeout=60)
        index = open_index(target)
        size, after = len(index.store), index.generation
        index.close()
        assert size in (base, with_new)
        outcomes[
            "finished"
            if process.returncode == 0
            else "killed, previous served"
            if after == before
            else "killed after the swap, new served"
        ] += 1
        if size == with_new:
            build_index(corpus, target, None)
    print(f"\nkill -9 of jumelage add: {dict(outcomes)}; add takes {duration:.1f} s")
    assert outcomes["killed, previous served"] >= 3, outcomes
    manifest = build_index(corpus, target, None)
    assert sorted(p.name for p in target.iterdir()) == [
        fmt.POINTER_FILE,
        fmt.generation_name(manifest.generation),
        fmt.LOCK_FILE,
    ]
