"""JSON endpoints."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

from search.request import make_request


def _state(request: Request):
    return request.app.state.jumelage


async def healthz(request: Request) -> JSONResponse:
    """Liveness and the manifest of the index being served."""
    state = _state(request)
    return JSONResponse({"status": "ok", "index": str(state.index_dir), "manifest": state.index.manifest.to_json()})


async def api_search(request: Request) -> JSONResponse:
    """Search passages; the same JSON as ``jumelage search --json``."""
    p = request.query_params
    search_request = make_request(p.get("q"), p.get("mode"), p.get("lang"), p.get("doc"), p.get("limit"),
                                  p.get("offset"), p.get("fusion"), p.get("alpha"))
    response = await run_in_threadpool(_state(request).service.search, search_request)
    return JSONResponse(response)
