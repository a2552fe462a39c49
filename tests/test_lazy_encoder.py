"""The embedding model is loaded once, on first use, and must be the index's (search and quotations alike)."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from indexer.manifest import IndexUnusable
from search.errors import BadRequest
from search.semantic import LazyEncoder


def _index(model_id: str | None, vectors: bool = True):
    model = None if model_id is None else SimpleNamespace(model_id=model_id)
    return SimpleNamespace(
        directory=Path("idx"),
        manifest=SimpleNamespace(model=model),
        vectors=np.zeros((2, 4), np.float32) if vectors else None,
    )


def test_concurrent_first_uses_load_the_model_once():
    calls = []

    def load():
        calls.append(1)
        time.sleep(0.05)  # long enough for the other threads to arrive while it loads
        return SimpleNamespace(model_id="e5")

    lazy = LazyEncoder(_index("e5"), load)
    got = []
    threads = [threading.Thread(target=lambda: got.append(lazy.get())) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1 and len({id(e) for e in got}) == 1


def test_a_model_other_than_the_index_s_is_refused():
    lazy = LazyEncoder(_index("e5"), lambda: SimpleNamespace(model_id="other"))
    with pytest.raises(IndexUnusable, match="re-index"):
        lazy.get()


def test_no_vectors_or_no_model_is_a_user_error_not_a_load():
    def never():
        raise AssertionError("must not load")

    with pytest.raises(BadRequest, match="without embeddings"):
        LazyEncoder(_index(None, vectors=False), never).get()
    assert not LazyEncoder(_index("e5"), None).available
    with pytest.raises(BadRequest, match="no embedding model"):
        LazyEncoder(_index("e5"), None).get()
