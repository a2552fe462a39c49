"""kill -9 of `jumelage index` at random moments: the index still opens, and the next build cleans up.

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
    return subprocess.Popen(args + (["--keyword-only"] if keyword_only else []), cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


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
        tmp_path, corpus, model_index_dir):
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
    durations = {"keyword": round(_duration(bigger_dir, tmp_path / "reference-keyword", keyword_only=True), 1),
                 "model": round(_duration(bigger_dir, tmp_path / "reference-model", keyword_only=False), 1)}
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
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corpus-plus", "index", "model-index", "reference-keyword",
                                                          "reference-model", "sizes"]
