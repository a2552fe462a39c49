"""Citations and quotation lookup over HTTP: the CLI's JSON objects.

The services live in :class:`~web.state.AppState` (built once, on first use);
the passage page's citation lists are in :mod:`web.views`.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

from search.request import parse_int
from web.state import AppState, state_of
from web.views import CITATION_LEVELS


def _state(request: Request) -> AppState:
    return state_of(request)  # the generation pinned for this request (web.reload)


async def api_passage_citations(request: Request) -> JSONResponse:
    """What a passage cites, what cites it, what echoes it.
    ---
    summary: Citations of a passage
    parameters:
      - {name: passage_id, in: path, required: true, schema: {type: string}, example: "2012-chartres-fr:8"}
    responses:
      200:
        description: "{id, kind, passage, cites, cited_by, cited_by_level, levels, mentions_self, echoes, echoes_available, echo_threshold}; `levels` says, per list, whether each side is a passage or a whole document (references name editions, so the cited side of cites and cited_by is a document)"
      404:
        description: No passage has this id.
    """
    citations = _state(request).citations
    answer = await run_in_threadpool(citations.for_passage, request.path_params["passage_id"])
    return JSONResponse({**answer, "levels": CITATION_LEVELS})


async def api_quote(request: Request) -> JSONResponse:
    """The source passage(s) of a possibly inexact quotation, the matching span marked.
    ---
    summary: Where does a quotation come from?
    parameters:
      - {name: text, in: query, required: true, schema: {type: string}, example: "dans le respect des déclarations […] de Nancy"}
      - {name: limit, in: query, required: false, schema: {type: integer, minimum: 1, maximum: 100, default: 5}}
    responses:
      200:
        description: "{query, lang, matched, method, threshold, took_ms, message, matches:[{rank, passage_id, score, start, end, snippet_html, snippet, ...}]}"
      400:
        description: Empty or over-long quotation, or a bad limit.
    """
    finder = _state(request).quotes
    params = request.query_params
    text = params.get("text")
    if text is None:
        text = params.get("q")
    limit = parse_int(params.get("limit"), "limit", 5, 1, 100)
    answer = await run_in_threadpool(finder.find, text, limit)
    return JSONResponse(answer)
