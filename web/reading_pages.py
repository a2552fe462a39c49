"""Reading pages: the declarations side by side, one passage in context, and /about."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse

from search import lookup
from web.i18n import Labels
from web.state import AppState, state_of
from web.templating import labels_for, render
from web.views import PassageView, all_documents, citations_view, document_view, passage_view, translation_views

MAX_HIGHLIGHT_QUERY = 2000  # the same bound as a search: longer text is not a query


@dataclass(frozen=True)
class RowView:
    """One aligned row: French passages left, Japanese passages right."""

    left: list[PassageView]
    right: list[PassageView]
    hit: bool  # some passage of the row has a mark: lets the reader jump between hits
    confidence: float | None = None  # lowest automatic-link confidence in the row; None for hand links
    doubtful: bool = False  # an automatic link below the review threshold: marked on the page


def _state(request: Request) -> AppState:
    return state_of(request)  # the generation pinned for this request (web.reload)


def _query(request: Request) -> str:
    """The search the reader came from, if any, to mark its hits again."""
    return (request.query_params.get("q") or "")[:MAX_HIGHLIGHT_QUERY].strip()


def _row_view(row: lookup.AlignedRow, t: Labels, query: str) -> RowView:
    left = [passage_view(p, t, query) for p in row.left]
    right = [passage_view(p, t, query) for p in row.right]
    scores = [p.alignment_confidence for p in row.left + row.right if p.alignment_confidence is not None]
    return RowView(left, right, any(v.snippet.marked for v in left + right), min(scores, default=None),
                   any(p.alignment_doubtful for p in row.left + row.right))


async def documents_page(request: Request) -> HTMLResponse:
    """All declarations, with their status and size."""
    state, t = _state(request), labels_for(request)
    return render(request, "documents.html", {"documents": all_documents(state.index, t)})


async def document_page(request: Request) -> HTMLResponse:
    """A declaration, French and Japanese side by side, hits of ``?q=`` marked."""
    state, t, query = _state(request), labels_for(request), _query(request)
    doc = lookup.document(state.index, request.path_params["doc_id"])
    left, right, rows = lookup.aligned_rows(state.index, doc.id)
    return render(request, "document.html", {
        "doc": document_view(state.index, doc, t),
        "left": document_view(state.index, left, t) if left else None,
        "right": document_view(state.index, right, t) if right else None,
        "rows": [_row_view(r, t, query) for r in rows],
        "q": query,
    })


async def passage_page(request: Request) -> HTMLResponse:
    """A passage with its translation, its neighbours and (when computed) its citations."""
    state, t, query = _state(request), labels_for(request), _query(request)
    p = lookup.passage(state.index, request.path_params["passage_id"])
    before, after = lookup.neighbours(state.index, p)
    return render(request, "passage.html", {
        "passage": passage_view(p, t, query),
        "doc": document_view(state.index, lookup.document(state.index, p.doc_id), t),
        "translations": translation_views(state.index, p, t, query),
        "before": [passage_view(n, t) for n in before],
        "after": [passage_view(n, t) for n in after],
        # What it cites, what cites it, what echoes it, spans marked.
        "citations": await run_in_threadpool(citations_view, state.citations, p, t),
        "q": query,
    })


async def about_page(request: Request) -> HTMLResponse:
    """The corpus, the status of each text, the model and index in use, licences."""
    state, t = _state(request), labels_for(request)
    store = state.index.store
    edition_of = {d.id: d.edition for d in store.documents}
    editions = [(e, [d for d in all_documents(state.index, t) if edition_of[d.id] == e.number])
                for e in store.editions]
    return render(request, "about.html", {
        "documents": all_documents(state.index, t),
        "editions": editions,
        "manifest": state.index.manifest,
    })
