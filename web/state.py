"""What the app loads once at start-up and shares between requests."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path

from search.citations import CitationService
from search.index_reader import OpenIndex, open_index
from search.quote import QuoteFinder
from search.semantic import query_encoder_loader
from search.service import SearchService
from web.warmup import BackgroundLoad


@dataclass
class AppState:
    """The opened index and the services over it, shared by every request.

    The citation service and the quotation finder are built on first use (the
    finder's shingle index takes a few tens of milliseconds), once.
    """

    index_dir: Path
    index: OpenIndex
    service: SearchService
    warmup: BackgroundLoad | None = None  # the encoder loading in the background (server start-up)

    _citations: CitationService | None = field(default=None, repr=False)
    _quotes: QuoteFinder | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def citations(self) -> CitationService:
        with self._lock:
            if self._citations is None:
                self._citations = CitationService(self.index)
            return self._citations

    @property
    def quotes(self) -> QuoteFinder:
        with self._lock:
            if self._quotes is None:
                # The quotation finder borrows the search service's model: loaded once, for both.
                self._quotes = QuoteFinder(self.index, lambda: self.service.semantic().encoder)
            return self._quotes

    @property
    def has_vectors(self) -> bool:
        """Whether semantic and hybrid search can run (the index was built with a model)."""
        return self.index.manifest.model is not None and self.index.vectors is not None

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
