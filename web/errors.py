"""Error responses: JSON for the API, a page for people; never a traceback, never a path.

User mistakes (:class:`~indexer.errors.JumelageError`) are 400 (bad parameter) or 404
(unknown id or page); an index that cannot serve is 503, and so is a request past the
heavy-request bound (with ``Retry-After``); anything else is a bug: logged in full,
answered with a short message. No answer carries an absolute file path of the server:
the index folder is named by its last component, other paths are cut to theirs.
"""

from __future__ import annotations

import logging
import re

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from indexer.errors import JumelageError
from search.errors import BadRequest, NotFound
from search.index_reader import IndexUnusable
from search.request import InvalidInput, echo
from web.heavy import Overloaded
from web.templating import labels_for, render

log = logging.getLogger("jumelage.web")

_ABSOLUTE_PATH = re.compile(r"(?<![\w/.:])/(?:[^\s/'\"()]+/)+([^\s/'\"()]*)")
STATIC_METHODS = "GET, HEAD"


def _wants_json(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api/") or path in ("/healthz", "/openapi.json")


def scrub(request: Request, message: str) -> str:
    """``message`` without the server's absolute paths: the index folder by its name, others by their last part."""
    state = getattr(request.app.state, "jumelage", None)
    if state is not None:
        for form in {str(state.index_dir), str(state.index_dir.resolve())}:
            message = message.replace(form, state.index_dir.name)
    return _ABSOLUTE_PATH.sub(lambda m: "…/" + m.group(1), message)


def _respond(request: Request, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    message = scrub(request, message)
    if _wants_json(request) or request.method not in ("GET", "HEAD"):
        return JSONResponse({"error": message, "status": status}, status_code=status, headers=headers)
    t = labels_for(request)
    title = t("not_found_title") if status == 404 else t("error_title")
    if getattr(request.app.state, "jumelage", None) is None:  # start-up failed: no state for the layout
        return Response(
            f"{status} {title}: {message}", status_code=status, media_type="text/plain; charset=utf-8", headers=headers
        )
    response = render(request, "error.html", {"status": status, "title": title, "message": message}, status_code=status)
    response.headers.update(headers or {})
    return response


def localised(request: Request, exc: Exception) -> str:
    """The message of ``exc`` in the interface language when it is a named one, else its own text."""
    t = labels_for(request)
    if isinstance(exc, InvalidInput) and t.get(f"err_{exc.key}", ""):
        values = dict(exc.values)
        if "name" in values:
            values["name"] = t.get(f"param_{values['name']}", str(values["name"]))
        return t(f"err_{exc.key}", **values)
    return str(exc)


async def bad_request(request: Request, exc: Exception) -> Response:
    return _respond(request, 400, localised(request, exc))


async def not_found(request: Request, exc: Exception) -> Response:
    """An unknown passage or document id, said in the interface language."""
    t, params = labels_for(request), request.path_params
    message = str(exc)
    if "passage_id" in params:
        message = t("err_unknown_passage", value=echo(params["passage_id"]))
    elif "doc_id" in params and getattr(request.app.state, "jumelage", None) is not None:
        known = ", ".join(d.id for d in request.app.state.jumelage.index.store.documents)
        message = t("err_unknown_doc", value=echo(params["doc_id"]), known=known)
    return _respond(request, 404, message)


async def unavailable(request: Request, exc: Exception) -> Response:
    """The index cannot serve: the detail goes to the log, the visitor gets the localised reason."""
    log.error("index unusable on %s: %s", request.url.path[:200], exc)
    return _respond(request, 503, labels_for(request)("index_unavailable"), {"Retry-After": "30"})


async def overloaded(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Overloaded)
    return _respond(request, 503, labels_for(request)("overloaded"), {"Retry-After": str(exc.retry_after)})


def _allowed_methods(request: Request, exc: HTTPException) -> str:
    allowed = (exc.headers or {}).get("Allow") or (exc.headers or {}).get("allow")
    return allowed or STATIC_METHODS  # StaticFiles raises its 405 without the header


async def http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own errors: unknown route (404), wrong method (405)…"""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return _respond(request, 404, labels_for(request)("err_no_page", path=request.url.path[:200]))
    if exc.status_code == 405:
        allowed = _allowed_methods(request, exc)
        message = labels_for(request)("method_not_allowed", method=request.method[:20], allowed=allowed)
        return _respond(request, 405, message, {"Allow": allowed})
    return _respond(request, exc.status_code, str(exc.detail), dict(exc.headers or {}))


async def server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path[:200], exc_info=exc)
    return _respond(request, 500, labels_for(request)("server_error"))


HANDLERS = {
    JumelageError: bad_request,  # any other user error (most specific class wins)
    BadRequest: bad_request,
    NotFound: not_found,
    IndexUnusable: unavailable,
    Overloaded: overloaded,
    HTTPException: http_error,
    Exception: server_error,
}
