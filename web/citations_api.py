"""Citations and quotation lookup over HTTP, and the citation lists of the passage page.

The citation service and the quotation finder are built once per app, on
first use (the shingle index takes a few tens of milliseconds), and shared
between requests; their answers are the CLI's JSON objects.
"""

from __future__ import annotations

import html
import threading
from dataclasses import dataclass

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import JSONResponse

from indexer.passage import Passage
from search.citations import CitationService
from search.quote import MAX_QUOTE_CHARS, QuoteFinder
from search.request import as_int, check_text
from web.heavy import run_heavy

_LOCK = threading.Lock()


def _state(request: Request):
    return request.app.state.jumelage


def _services(request: Request) -> tuple[CitationService, QuoteFinder]:
    app_state = request.app.state
    with _LOCK:
        services = getattr(app_state, "jumelage_citations", None)
        if services is None:
            state = _state(request)
            # The quotation finder borrows the search service's model: loaded once, for both.
            finder = QuoteFinder(state.index, lambda: state.service.semantic().encoder)
            services = (CitationService(state.index), finder)
            app_state.jumelage_citations = services
    return services


async def api_passage_citations(request: Request) -> JSONResponse:
    """What a passage cites, what cites it, what echoes it."""
    return await run_heavy(request, _citations_response, request, request.path_params["passage_id"])


def _citations_response(request: Request, passage_id: str) -> JSONResponse:
    citations, _ = _services(request)  # built on first use: a few tens of ms, off the event loop
    return JSONResponse(citations.for_passage(passage_id))


def _quote_response(request: Request, text: str, limit: int) -> JSONResponse:
    _, finder = _services(request)
    return JSONResponse(finder.find(text, limit))


async def api_quote(request: Request) -> JSONResponse:
    """The source passage(s) of a possibly inexact quotation, the matching span marked."""
    params = request.query_params
    text = params.get("text")
    if text is None:
        text = params.get("q")
    quote = check_text(text, "quotation", MAX_QUOTE_CHARS)
    limit = as_int(params.get("limit"), "limit", 1, 100, 5)
    return await run_heavy(request, _quote_response, request, quote, limit)


# -- the passage page ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class CitationItem:
    """One line of the passage page's citation lists (the template reads ``id``, ``lang``, ``html``)."""

    id: str
    lang: str
    html: Markup


def _target_note(ref: dict, ui_lang: str) -> str:
    if ref["status"] == "document":
        titles = sorted({d["title"] for d in ref["target_documents"]})
        return "→ " + " / ".join(titles)
    if ref["status"] == "edition_without_text":
        return "→ " + ("本文なし" if ui_lang == "ja" else "pas de texte dans le corpus")
    return "→ " + ("不明な回" if ui_lang == "ja" else "édition inconnue du corpus")


def _item(ref: dict, ui_lang: str) -> CitationItem:
    label = html.escape(f"{ref['label']} {_target_note(ref, ui_lang)}", quote=False)
    return CitationItem(ref["passage_id"], ref["lang"],
                        Markup(f'{ref["snippet_html"]} <span class="muted">{label}</span>'))


def citations_view(request: Request, passage: Passage, ui_lang: str = "fr") -> dict:
    """``{"cites": [...], "cited_by": [...], "echoes": [...]}`` for the passage page, spans marked."""
    citations, _ = _services(request)
    answer = citations.for_passage(passage.passage_id)
    cited_by = [r for r in answer["cited_by"] if r["lang"] == passage.lang] or answer["cited_by"]
    echoes = [CitationItem(e["other_id"], e["lang"] or passage.lang,
                           Markup(e["snippet_html"] + f' <span class="muted">({e["score"]:.2f})</span>'))
              for e in answer["echoes"]]
    return {"cites": [_item(r, ui_lang) for r in answer["cites"]],
            "cited_by": [_item(r, ui_lang) for r in cited_by], "echoes": echoes}
