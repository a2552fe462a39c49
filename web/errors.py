"""Error responses: JSON for the API, a page for people; never a traceback.

User mistakes (:class:`~indexer.errors.JumelageError`) are 400 (bad parameter) or 404 (unknown id or page); an index
that cannot serve is 503; anything else is a bug: logged in full, answered
with a short message.
"""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from indexer.errors import JumelageError
from search.errors import BadRequest, NotFound
from search.index_reader import IndexUnusable
from web.templating import labels_for, render

log = logging.getLogger("jumelage.web")


def _wants_json(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api/") or path in ("/healthz", "/openapi.json")


def _respond(request: Request, status: int, message: str) -> Response:
    if _wants_json(request):
        return JSONResponse({"error": message, "status": status}, status_code=status)
    t = labels_for(request)
    title = t("not_found_title") if status == 404 else t("error_title")
    if getattr(request.app.state, "jumelage", None) is None:  # start-up failed: no state for the layout
        return Response(f"{status} {title}: {message}", status_code=status, media_type="text/plain; charset=utf-8")
    return render(request, "error.html", {"status": status, "title": title, "message": message}, status_code=status)


async def bad_request(request: Request, exc: Exception) -> Response:
    return _respond(request, 400, str(exc))


async def not_found(request: Request, exc: Exception) -> Response:
    return _respond(request, 404, str(exc))


async def unavailable(request: Request, exc: Exception) -> Response:
    return _respond(request, 503, str(exc))


async def http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own errors: unknown route (404), wrong method (405)…"""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return _respond(request, 404, f"no page at {request.url.path[:200]}")
    return _respond(request, exc.status_code, str(exc.detail))


async def server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path[:200], exc_info=exc)
    return _respond(request, 500, labels_for(request)("server_error"))


HANDLERS = {
    JumelageError: bad_request,  # any other user error (most specific class wins)
    BadRequest: bad_request,
    NotFound: not_found,
    IndexUnusable: unavailable,
    HTTPException: http_error,
    Exception: server_error,
}
