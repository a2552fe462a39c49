"""The services over one index generation, built by one function for the CLI and the server.

:class:`AppState` is everything a request needs from one generation (index,
search service, citation and quotation services, built lazily); the server
keeps one per generation it serves (:mod:`web.reload`) and every cache lives
in it, so caches are keyed by generation by construction.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from search.citations import CitationService
from search.index_reader import OpenIndex, open_index
from search.quote import QuoteFinder
from search.semantic import QueryEncoder, query_encoder_loader
from search.service import SearchService
from web.warmup import BackgroundLoad

if TYPE_CHECKING:
    from starlette.requests import Request


def shared_loader(loader: Callable[[], QueryEncoder]) -> Callable[[], QueryEncoder]:
    """``loader`` called at most once: generations swapped in by a hot reload share one model."""
    lock = threading.Lock()
    loaded: list[QueryEncoder] = []

    def load() -> QueryEncoder:
        with lock:
            if not loaded:
                loaded.append(loader())
            return loaded[0]

    return load


@dataclass
class AppState:
    """The opened index and the services over it, shared by every request.

    The citation service and the quotation finder are built on first use (the
    finder's shingle index takes a few tens of milliseconds), once.
    """

    index_dir: Path
    index: OpenIndex
    service: SearchService
    encoder_loader: Callable[[], QueryEncoder] | None = None
    warmup: BackgroundLoad | None = None  # the encoder loading in the background (server start-up)
    _citations: CitationService | None = field(default=None, repr=False)
    _quotes: QuoteFinder | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def generation(self) -> str:
        return self.index.generation

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
                self._quotes = QuoteFinder(self.index, self.service.encoder.get)
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
        status = "ready" if self.warmup is None else self.warmup.status
        return True if status == "ready" else status

    @property
    def default_mode(self) -> str:
        """Hybrid when the index allows it, else keyword: the interface never offers a mode that fails."""
        return "hybrid" if self.has_vectors else "keyword"

    def close(self) -> None:
        """Release the generation (a writer may then remove it)."""
        self.index.close()


def load_state(
    index_dir: Path,
    model: str | None = None,
    *,
    warm_model: bool = True,
    verify: str = "auto",
    encoder_loader: Callable[[], QueryEncoder] | None = None,
    backend: str | None = None,
    background: bool = False,
) -> AppState:
    """Open the generation ``index_dir`` points at and build the services over it.

    Parameters
    ----------
    index_dir
        An index directory built by ``jumelage index``.
    model
        The embedding model folder or id; ``None`` for the default.
    warm_model
        Load the model and build the lazy caches now (the server) rather than
        on first use (the CLI, tests).
    verify
        File checks at open (see :func:`indexer.index_format.open_generation`).
    encoder_loader
        Reuse this loader (a hot reload keeps the model it already has).
    backend
        Embedding backend (``--embedding-backend``); ``None``: the environment, else the index's.
    background
        Warm on a background thread (server start-up: ``/healthz`` answers at once and says
        ``"semantic": "loading"`` until the model is ready) instead of before returning.
    """
    index = open_index(Path(index_dir), verify=verify)
    try:
        index_backend = index.manifest.model.backend if index.manifest.model is not None else None
        loader = encoder_loader or shared_loader(query_encoder_loader(model, backend, index_backend))
        service = SearchService(index, loader)
        state = AppState(Path(index_dir), index, service, loader)

        def warm() -> None:
            index.warm()
            if index.manifest.model is not None:
                service.semantic()

        if warm_model and background:
            state.warmup = BackgroundLoad(warm).start()
        elif warm_model:
            warm()
    except BaseException:
        index.close()
        raise
    return state


def state_of(request: Request) -> AppState:
    """The generation this request runs against, pinned for its whole life by :mod:`web.reload`."""
    pinned = request.scope.get("jumelage")
    return pinned if pinned is not None else request.app.state.jumelage
