"""What the app loads once at start-up and shares between requests."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from search.index_reader import OpenIndex, open_index
from search.semantic import QueryEncoder
from search.service import SearchService


@dataclass
class AppState:
    index_dir: Path
    index: OpenIndex
    service: SearchService


def default_encoder_loader(model: str | None) -> Callable[[], QueryEncoder]:
    def load() -> QueryEncoder:
        from indexer.embedding.model import EmbeddingModel, resolve_model

        return EmbeddingModel(resolve_model(model))

    return load


def load_state(index_dir: Path, model: str | None = None, *, warm_model: bool = True) -> AppState:
    """Open the index and, when it has vectors, load the model now rather than on the first query."""
    index = open_index(index_dir)
    service = SearchService(index, default_encoder_loader(model))
    if warm_model and index.manifest.model is not None:
        service.semantic()
    return AppState(index_dir, index, service)
