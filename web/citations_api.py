"""Citations and quotation lookup over HTTP, and the citation lists of the passage page.

The citation service and the quotation finder are built once per app, on
first use (the shingle index takes a few tens of milliseconds), and shared
between requests; their answers are the CLI's JSON objects.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from markupsafe import Markup
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

from indexer.passage import Passage
from search.citations import CitationService
from search.errors import BadRequest
from search.quote import QuoteFinder
from web.state import state_of



def _services(request: Request) -> tuple[CitationService, QuoteFinder]:
    return state_of(request).citation_services()  # one pair per index generation


async def api_passage_citations(request: Request) -> JSONResponse:
    """What a passage cites, what cites it, what echoes it.
    ---
    summary: Citations of a passage
    parameters:
      - {name: passage_id, in: path, required: true, schema: {type: string}, example: "2012-chartres-fr:8"}
    responses:
      200:
        description: "{id, kind, passage, cites, cited_by, cited_by_level, mentions_self, echoes, echoes_available, echo_threshold}"
      404:
        description: No passage has this id.
    """
    citations, _ = _services(request)
    answer = await run_in_threadpool(citations.for_passage, request.path_params["passage_id"])
    return JSONResponse(answer)


def _limit(raw: str | None) -> int:
    if raw is None or raw == "":
        return 5
    try:
        return int(raw)
    except ValueError:
        raise BadRequest(f"limit must be a whole number between 1 and 100, not {raw[:40]!r}") from None


async def api_quote(request: Request) -> JSONResponse:
    """The source passage(s) of a possibly inexact quotation, the matching span marked.
    ---
    summary: Where does a quotation come from?
    parameters:
      - {name: text, in: query, required: true, schema: {type: string}, example: "dans le respect des déclarations […] de Nancy"}
      - {name: limit, in: query, required: false, schema: {type: integer, minimum: 1, maximum: 100, default: 5}}
    responses:
      200:
        description: "{query, lang, matched, method, threshold, took_ms, message, matches:[{rank, passage_id, score, start, end, snippet_html, ...}]}"
      400:
        description: Empty or over-long quotation, or a bad limit.
    """
    _, finder = _services(request)
    params = request.query_params
    text = params.get("text")
    if text is None:
        text = params.get("q")
    answer = await run_in_threadpool(finder.find, text, _limit(params.get("limit")))
    return JSONResponse(answer)


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
