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


@dataclass
class AppState:
    """The opened index and the services over it, shared by every request.

    The citation service and the quotation finder are built on first use (the
    finder's shingle index takes a few tens of milliseconds), once.
    """

    index_dir: Path
    index: OpenIndex
    service: SearchService
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
    def default_mode(self) -> str:
        """Hybrid when the index allows it, else keyword: the interface never offers a mode that fails."""
        return "hybrid" if self.has_vectors else "keyword"


def load_state(index_dir: Path, model: str | None = None, *, warm_model: bool = True) -> AppState:
    """Open the index and, when it has vectors, load the model now rather than on the first query.

    Parameters
    ----------
    index_dir
        An index directory built by ``jumelage index``.
    model
        The embedding model folder or id; ``None`` for the default.
    warm_model
        Load the model at start-up (the server) or on first semantic use (tests).
    """
    index = open_index(index_dir)
    service = SearchService(index, query_encoder_loader(model))
    if warm_model:
        index.warm()
        if index.manifest.model is not None:
            service.semantic()
    return AppState(index_dir, index, service)
