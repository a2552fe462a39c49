"""Citations and quotation lookup over HTTP: the CLI's JSON objects.

The services live in :class:`~web.state.AppState` (built once, on first use);
the passage page's citation lists are in :mod:`web.views`. Both endpoints run in
the heavy-request pool (:mod:`web.heavy`), building the services included.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from search.quote import MAX_QUOTE_CHARS
from search.request import check_text, parse_int
from web.heavy import run_heavy
from web.state import AppState, state_of
from web.views import CITATION_LEVELS


def _state(request: Request) -> AppState:
    return state_of(request)  # the generation pinned for this request (web.reload)


def _citations_response(state: AppState, passage_id: str) -> JSONResponse:
    return JSONResponse({**state.citations.for_passage(passage_id), "levels": CITATION_LEVELS})


def _quote_response(state: AppState, text: str, limit: int) -> JSONResponse:
    return JSONResponse(state.quotes.find(text, limit))


async def api_passage_citations(request: Request) -> JSONResponse:
    """What a passage cites, what cites it, what echoes it."""
    return await run_heavy(request, _citations_response, _state(request), request.path_params["passage_id"])


async def api_quote(request: Request) -> JSONResponse:
    """The source passage(s) of a possibly inexact quotation, the matching span marked."""
    params = request.query_params
    text = params.get("text")
    if text is None:
        text = params.get("q")
    quote = check_text(text, "quotation", MAX_QUOTE_CHARS)
    limit = parse_int(params.get("limit"), "limit", 5, 1, 100)
    return await run_heavy(request, _quote_response, _state(request), quote, limit)
