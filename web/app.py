"""The Starlette application factory: routes, error handlers, security headers."""

from __future__ import annotations

import contextlib
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from web import api, citations_api, errors, reading_pages
from web.openapi import openapi_schema
from web.search_page import search_page
from web.security import SecurityHeaders
from web.state import load_state

STATIC_DIR = Path(__file__).resolve().parent / "static"


def routes() -> list:
    """Every route of the app; pages are left out of the OpenAPI schema."""
    page = {"methods": ["GET", "HEAD"], "include_in_schema": False}
    return [
        Route("/", search_page, name="search", **page),
        Route("/documents", reading_pages.documents_page, name="documents", **page),
        Route("/documents/{doc_id}", reading_pages.document_page, name="document", **page),
        Route("/passages/{passage_id}", reading_pages.passage_page, name="passage", **page),
        Route("/about", reading_pages.about_page, name="about", **page),
        Route("/healthz", api.healthz, methods=["GET"]),
        Route("/api/search", api.api_search, methods=["GET"]),
        Route("/api/passages/{passage_id}", api.api_passage, methods=["GET"]),
        Route("/api/passages/{passage_id}/citations", citations_api.api_passage_citations, methods=["GET"]),
        Route("/api/quote", citations_api.api_quote, methods=["GET"]),
        Route("/api/documents", api.api_documents, methods=["GET"]),
        Route("/api/documents/{doc_id}", api.api_document, methods=["GET"]),
        Route("/openapi.json", openapi_schema, include_in_schema=False),
        Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
    ]


def create_app(index_dir: Path, model: str | None = None, *, warm_model: bool = True,
               backend: str | None = None) -> Starlette:
    """Build the app; the index (and the embedding model) load once, at start-up.

    Parameters
    ----------
    index_dir
        The index directory to serve (read only).
    model
        Embedding model folder or id; ``None`` for the default.
    warm_model
        Load the model in the background from start-up rather than on the first semantic query.
    backend
        Embedding backend (torch, onnx, onnx-int8); ``None``: ``$JUMELAGE_EMBEDDING_BACKEND``, else the index's.
    """

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        app.state.jumelage = load_state(Path(index_dir), model, warm_model=warm_model, backend=backend)
        yield

    return Starlette(
        routes=routes(),
        lifespan=lifespan,
        middleware=[Middleware(SecurityHeaders)],
        exception_handlers=errors.HANDLERS,
    )
