"""The Starlette application factory."""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from indexer.manifest import IndexUnusable
from search.errors import BadRequest, NotFound
from web import api, citations_api
from web.state import load_state

log = logging.getLogger("jumelage.web")


async def _bad_request(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"error": str(exc)}, status_code=400)


async def _not_found(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"error": str(exc)}, status_code=404)


async def _unavailable(request: Request, exc: Exception) -> JSONResponse:
    return JSONResponse({"error": str(exc)}, status_code=503)


def create_app(index_dir: Path, model: str | None = None, *, warm_model: bool = True) -> Starlette:
    """Build the app; the index (and model) load once, at start-up."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        app.state.jumelage = load_state(Path(index_dir), model, warm_model=warm_model)
        yield

    routes = [
        Route("/healthz", api.healthz),
        Route("/api/search", api.api_search),
        Route("/api/passages/{passage_id}/citations", citations_api.api_passage_citations, methods=["GET"]),
        Route("/api/quote", citations_api.api_quote, methods=["GET"]),
    ]
    return Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={BadRequest: _bad_request, NotFound: _not_found, IndexUnusable: _unavailable},
    )
