"""``/``: the search page (form, facets, chart, results, paging)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from starlette.requests import Request
from starlette.responses import HTMLResponse

from search import lookup
from search.errors import BadRequest
from search.highlight import Snippet
from search.request import (
    DEFAULT_LIMIT,
    LANGS,
    MAX_LIMIT,
    MAX_OFFSET,
    MODES,
    SearchRequest,
    make_request,
    parse_flag,
    parse_int,
)
from search.results import Scores, SearchHit, SearchResponse
from web.api import check_request
from web.chart import hits_chart
from web.cite import permalink, reference_line
from web.errors import localised
from web.heavy import run_heavy
from web.i18n import Labels
from web.paging import PAGE_SIZE, PAGE_SIZES, paging, parse_page, parse_page_size
from web.state import AppState, state_of
from web.templating import labels_for, render
from web.views import DocumentView, PassageView, all_documents, document_view, translation_views

EXAMPLES = ("mondialisation", "tourisme culturel", "risques naturels", "自然災害への備え", "jeunesse")


@dataclass(frozen=True)
class ResultView:
    rank: int
    passage_id: str
    lang: str
    kind_label: str
    section: str
    snippet: Snippet  # rendered by the `snippet` macro of _macros.html
    scores: Scores
    score: float
    document: DocumentView
    translations: list[PassageView]
    cite: str  # the reference line of the "cite" action, in the interface language


def _state(request: Request) -> AppState:
    return state_of(request)


def _result_view(request: Request, state: AppState, hit: SearchHit, t: Labels, query: str) -> ResultView:
    # With the "commitments only" switch, the snippet marks the commitment sentences instead.
    passage = hit.passage
    doc = document_view(state.index, lookup.document(state.index, passage.doc_id), t)
    return ResultView(
        rank=hit.rank,
        passage_id=passage.passage_id,
        lang=passage.lang,
        kind_label=t.get(f"kind_{passage.kind}", passage.kind),
        section=passage.section,
        snippet=hit.commitment_snippet or hit.snippet,
        scores=hit.scores,
        score=hit.score,
        document=doc,
        translations=translation_views(state.index, passage, t, query, trim=True),
        cite=reference_line(
            t.lang,
            title=doc.title,
            edition=doc.edition_label,
            city=doc.city,
            date=doc.date,
            ordinal=passage.ordinal,
            url=permalink(request, passage.passage_id),
        ),
    )


def _form(request: Request, state: AppState) -> dict:
    """The form's values as typed, for echoing back; invalid choices fall back to defaults."""
    p = request.query_params
    mode = (p.get("mode") or "").strip().lower()
    lang = (p.get("lang") or "").strip().lower()
    return {
        "q": p.get("q") or "",
        "mode": mode if mode in MODES else state.default_mode,
        "lang": lang if lang in LANGS else "",
        "doc": (p.get("doc") or "").strip(),
        "edition": (p.get("edition") or "").strip(),
        "commitments": "1" if _flag(p.get("commitments")) else "",
        "per": p.get("per") if p.get("per") in {str(n) for n in PAGE_SIZES if n != PAGE_SIZE} else "",
    }


def _flag(value: str | None) -> bool:
    try:
        return parse_flag(value, "commitments")
    except BadRequest:
        return False


def _lang_counts(state: AppState, req: SearchRequest, response: SearchResponse) -> dict[str, int]:
    """Results for each choice of passage language ("" for all): the total a click on it gives.

    Not the response's ``facets["lang"]``: without a language filter the
    service folds a passage and its translation into one result (in the
    query's language), while a filter to the other language hands every hit
    over to its translation, so "coopération 交流" counts 0 French passages
    unfiltered yet gives 26 under ``lang=fr``. Each count is therefore the
    exact ``total`` of the same search with that filter (at most one hit
    asked for; two more searches, microseconds each on the keyword side).
    """
    counts = {req.lang or "": response.total}
    for lang in ("", *LANGS):
        if lang not in counts:
            other = state.service.run(replace(req, lang=lang or None, limit=1, offset=0))
            counts[lang] = other.total
    return counts


def _run(state: AppState, req: SearchRequest) -> tuple[SearchResponse, dict[str, int]]:
    """The page's response, and results per declaration before the declaration filter.

    One search: the service counts every declaration over the same results it
    ranks (the declaration filter applies last), so each count is the total a
    click on it gives.
    """
    response = state.service.run(req)
    return response, response.facets_any_doc["doc_id"]


def _editions(state: AppState, t: Labels) -> list[tuple[int, str]]:
    """(number, label) of every edition a declaration of the index belongs to, in order."""
    numbers = sorted({d.edition for d in state.index.store.documents})
    labels = {e.number: t.pick({"fr": e.label_fr, "ja": e.label_ja}) for e in state.index.store.editions}
    return [(n, labels.get(n, str(n))) for n in numbers]


def _all_editions_total(response: SearchResponse) -> int:
    """The total a click on "every edition" gives: the sum of the edition counts (each result has one edition)."""
    return sum(response.facets_any_doc["edition"].values())


def _suggestions(form: dict, state: AppState, t: Labels) -> list[tuple[str, dict]]:
    """Ways out of an empty result, as (label, link parameters): another mode, then dropping a filter."""
    here = {k: form.get(k, "") for k in ("q", "mode", "lang", "doc", "commitments", "edition")}
    modes = [m for m in MODES if m != form["mode"] and (state.has_vectors or m == "keyword")]
    out = [(t("try_mode", mode=t(f"mode_{m}")), {**here, "mode": m}) for m in modes]
    if form["lang"]:
        out.append((t("try_all_langs"), {**here, "lang": ""}))
    if form["doc"]:
        out.append((t("try_all_docs"), {**here, "doc": ""}))
    if form.get("edition"):
        out.append((t("try_all_editions"), {**here, "edition": ""}))
    return out


async def search_page(request: Request) -> HTMLResponse:
    """The search interface: a landing page without a query, results with one."""
    state = _state(request)
    form = _form(request, state)
    t = labels_for(request)
    documents = all_documents(state.index, t)
    context = {
        "form": form,
        "has_vectors": state.has_vectors,
        "modes": MODES,
        "documents": documents,
        "examples": EXAMPLES,
        "response": None,
        "error": None,
        "chart": None,
    }
    if not form["q"].strip():
        return render(request, "search.html", context)
    p = request.query_params
    try:
        page, size = parse_page(p.get("page")), parse_page_size(p.get("per"))
        # The page pages with page/per, but a hand-edited URL with the API's offset/limit gets the API's
        # validation (offset=-5 is a 400 in the interface language, not silently ignored).
        parse_int(p.get("offset"), "offset", 0, 0, MAX_OFFSET)
        parse_int(p.get("limit"), "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
        req = make_request(
            form["q"],
            p.get("mode") or state.default_mode,
            p.get("lang"),
            p.get("doc"),
            size,
            (page - 1) * size,
            commitments=p.get("commitments"),
            edition=p.get("edition"),
        )
        check_request(state, req)
        # Search, result views and the template all run on a worker thread, off the event loop.
        return await run_heavy(request, _results_page, request, state, context, documents, page, size, req)
    except BadRequest as err:
        context["error"] = localised(request, err)
        return render(request, "search.html", context, status_code=400)


def _results_page(
    request: Request,
    state: AppState,
    context: dict,
    documents: list[DocumentView],
    page: int,
    size: int,
    req: SearchRequest,
) -> HTMLResponse:
    t = labels_for(request)
    form = context["form"]
    response, by_doc = _run(state, req)
    labels = [(d.id, d.short_label, d.lang) for d in documents]
    context.update(
        response=response,
        results=[_result_view(request, state, hit, t, req.query) for hit in response.hits],
        paging=paging(page, response.total, size),
        page_sizes=PAGE_SIZES,
        facet_counts=by_doc,
        editions=_editions(state, t),
        edition_counts=response.facets_any_doc["edition"],
        edition_counts_all=_all_editions_total(response),
        lang_counts=_lang_counts(state, req, response),
        chart=hits_chart(by_doc, labels),
        suggestions=_suggestions(form, state, t) if not response.total else [],
    )
    return render(request, "search.html", context)
