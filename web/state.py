"""What the app loads once at start-up and shares between requests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from web.warmup import BackgroundLoad

from search.index_reader import OpenIndex, open_index
from search.semantic import query_encoder_loader
from search.service import SearchService


@dataclass
class AppState:
    index_dir: Path
    index: OpenIndex
    service: SearchService
    warmup: BackgroundLoad | None = None  # the encoder loading in the background (server start-up)

    @property
    def semantic_status(self) -> bool | str:
        """``/healthz``'s ``semantic``: False without vectors, ``"loading"`` until the encoder is ready, else True."""
        if not self.has_vectors:
            return False
        if self.warmup is None:
            return True
        status = self.warmup.status
        return True if status == "ready" else status

    @property
    def has_vectors(self) -> bool:
        """Whether semantic and hybrid search can run (the index was built with a model)."""
        return self.index.manifest.model is not None and self.index.vectors is not None

    @property
    def default_mode(self) -> str:
        """Hybrid when the index allows it, else keyword: the interface never offers a mode that fails."""
        return "hybrid" if self.has_vectors else "keyword"


def load_state(index_dir: Path, model: str | None = None, *, warm_model: bool = True,
               backend: str | None = None) -> AppState:
    """Open the index and, when it has vectors, start loading the model rather than on the first query.

    Parameters
    ----------
    index_dir
        An index directory built by ``jumelage index``.
    model
        The embedding model folder or id; ``None`` for the default.
    warm_model
        Load the model (and the index's lazy caches) in the background from start-up
        (the server), or on first use (tests).
    backend
        Embedding backend (``--embedding-backend``); ``None``: the environment, else the index's.
    """
    index = open_index(index_dir)
    index_backend = index.manifest.model.backend if index.manifest.model is not None else None
    service = SearchService(index, query_encoder_loader(model, backend, index_backend))
    state = AppState(index_dir, index, service)
    if warm_model:

        def warm() -> None:
            index.warm()
            if index.manifest.model is not None:
                service.semantic()

        state.warmup = BackgroundLoad(warm).start()
    return state
