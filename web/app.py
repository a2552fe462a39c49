"""The Starlette application factory: routes, middleware, error handlers, the heavy-request pool."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.routing import Mount, Route

from web import api, citations_api, commitments_page, errors, reading_pages
from web.heavy import DEFAULT_QUEUE, DEFAULT_WORKERS, HeavyPool
from web.openapi import openapi_schema
from web.query_string import Utf8QueryString
from web.reload import LiveIndex, PinGeneration
from web.search_page import search_page
from web.security import SecurityHeaders
from web.state import load_state
from web.static_files import VersionedStaticFiles
from web.templating import STATIC_VERSION

STATIC_DIR = Path(__file__).resolve().parent / "static"
# Host names a browser on this machine uses; `jumelage serve --allowed-host` adds others.
DEFAULT_ALLOWED_HOSTS = ("127.0.0.1", "localhost")
# Below this a compressed body saves less than the gzip header and the CPU it costs.
GZIP_MIN_BYTES = 1000


def routes() -> list:
    """Every route of the app; pages are left out of the OpenAPI schema."""
    page: dict[str, Any] = {"methods": ["GET", "HEAD"], "include_in_schema": False}
    return [
        Route("/", search_page, name="search", **page),
        Route("/documents", reading_pages.documents_page, name="documents", **page),
        Route("/documents/{doc_id}", reading_pages.document_page, name="document", **page),
        Route("/passages/{passage_id}", reading_pages.passage_page, name="passage", **page),
        Route("/about", reading_pages.about_page, name="about", **page),
        Route("/commitments", commitments_page.commitments_page, name="commitments", **page),
        Route("/healthz", api.healthz, methods=["GET"]),
        Route("/api/search", api.api_search, methods=["GET"]),
        Route("/api/passages/{passage_id}", api.api_passage, methods=["GET"]),
        Route("/api/passages/{passage_id}/citations", citations_api.api_passage_citations, methods=["GET"]),
        Route("/api/quote", citations_api.api_quote, methods=["GET"]),
        Route("/api/documents", api.api_documents, methods=["GET"]),
        Route("/api/commitments", commitments_page.api_commitments, methods=["GET"]),
        Route("/api/documents/{doc_id}", api.api_document, methods=["GET"]),
        Route("/openapi.json", openapi_schema, methods=["GET"], include_in_schema=False),
        Mount("/static", VersionedStaticFiles(directory=str(STATIC_DIR), version=STATIC_VERSION), name="static"),
    ]


def create_app(
    index_dir: Path,
    model: str | None = None,
    *,
    warm_model: bool = True,
    allowed_hosts: Sequence[str] | None = None,
    workers: int = DEFAULT_WORKERS,
    queue: int = DEFAULT_QUEUE,
    reload: bool = True,
    backend: str | None = None,
) -> Starlette:
    """Build the app; the index (and the embedding model) load once, at start-up.

    Parameters
    ----------
    index_dir
        The index directory to serve (read only).
    model
        Embedding model folder or id; ``None`` for the default.
    warm_model
        Load the model from start-up, in the background (``/healthz`` says ``"semantic": "loading"``
        until it is ready), rather than on the first semantic query.
    allowed_hosts
        Host names the app answers (others get 400: DNS rebinding protection);
        ``jumelage serve`` passes :data:`DEFAULT_ALLOWED_HOSTS` and ``--allowed-host``.
        ``None`` checks nothing (an app mounted in tests or behind another server).
    workers, queue
        Threads for CPU-bound work, and heavy requests that may wait for one; past
        ``workers + queue`` at once, a heavy request is answered 503 with Retry-After.
    reload
        Follow the index's pointer and swap in new generations (:mod:`web.reload`).
    backend
        Embedding backend (torch, onnx, onnx-q4, onnx-int8); ``None``: ``$JUMELAGE_EMBEDDING_BACKEND``, else the index's.
    """

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        app.state.jumelage_heavy = HeavyPool(workers, queue)
        state = load_state(
            Path(index_dir), model, warm_model=warm_model, verify="full", backend=backend, background=True
        )
        app.state.jumelage = state

        def on_swap(fresh) -> None:
            app.state.jumelage = fresh

        live = LiveIndex(state, on_swap=on_swap)
        app.state.jumelage_live = live
        if reload:
            live.start()
        try:
            yield
        finally:
            live.stop()
            app.state.jumelage_heavy.shutdown()

    # Outermost first: a foreign Host is refused before any work; each request pins one generation.
    middleware = [
        Middleware(PinGeneration),
        Middleware(GZipMiddleware, minimum_size=GZIP_MIN_BYTES),
        Middleware(SecurityHeaders),
        Middleware(Utf8QueryString),  # innermost: its 400 page has the generation and the headers
    ]
    if allowed_hosts is not None:
        middleware.insert(0, Middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts), www_redirect=False))
    app = Starlette(routes=routes(), lifespan=lifespan, middleware=middleware, exception_handlers=errors.HANDLERS)
    # Starlette answers /static (no slash) with a redirect built from the Host header;
    # no route here needs the slash added, so an unknown URL is a plain 404.
    app.router.redirect_slashes = False
    return app
