"""Reading pages: the declarations side by side, one passage in context, and /about."""

from __future__ import annotations

from dataclasses import dataclass, replace

from starlette.requests import Request
from starlette.responses import HTMLResponse

from search import lookup
from search.highlight import Mark
from search.request import check_text
from web.heavy import run_heavy
from web.i18n import Labels
from web.side_by_side import NO_HITS, column_hits, whole_passage_mark, with_marks
from web.state import AppState, state_of
from web.templating import labels_for, render
from web.views import PassageView, all_documents, citations_view, document_view, passage_view, translation_views


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
    """The search the reader came from, if any, to mark its hits again (checked like a search)."""
    raw = request.query_params.get("q") or ""
    return check_text(raw) if raw.strip() else ""


def _row_view(row: lookup.AlignedRow, t: Labels, hits: dict[str, tuple[Mark, ...]]) -> RowView:
    """The row with the search's hits marked; a hit on one side marks its unmarked partners on the other."""
    left = [_marked(p, t, hits) for p in row.left]
    right = [_marked(p, t, hits) for p in row.right]
    hit = any(v.id in hits for v in left + right)
    if hit:
        left, right = (
            [
                v if v.snippet.marked else replace(v, snippet=with_marks(v.snippet, whole_passage_mark(v.snippet)))
                for v in side
            ]
            for side in (left, right)
        )
    scores = [p.alignment_confidence for p in row.left + row.right if p.alignment_confidence is not None]
    return RowView(left, right, hit, min(scores, default=None), any(p.alignment_doubtful for p in row.left + row.right))


def _marked(p: lookup.Passage, t: Labels, hits: dict[str, tuple[Mark, ...]]) -> PassageView:
    """``p`` in full, with the marks search gave it when it is one of the query's results."""
    view = passage_view(p, t)
    return replace(view, snippet=with_marks(view.snippet, hits[p.passage_id])) if p.passage_id in hits else view


@dataclass(frozen=True)
class TocEntry:
    id: str
    label: str
    lang: str


def _toc(rows: list[RowView]) -> list[TocEntry]:
    """The declaration's headings (the French ones when both languages are shown), in reading order."""
    out: list[TocEntry] = []
    for row in rows:
        side = row.left or row.right
        for p in side:
            if p.kind in ("heading", "title"):
                text = p.snippet.text.strip()
                out.append(TocEntry(p.id, text if len(text) <= 80 else text[:79] + "…", p.lang))
    return out


async def documents_page(request: Request) -> HTMLResponse:
    """All declarations, with their status and size."""
    state, t = _state(request), labels_for(request)
    return render(request, "documents.html", {"documents": all_documents(state.index, t)})


async def document_page(request: Request) -> HTMLResponse:
    """A declaration, French and Japanese side by side, hits of ``?q=`` marked."""
    return await run_heavy(request, _document_page, request, _query(request))


def _document_page(request: Request, query: str) -> HTMLResponse:
    state, t = _state(request), labels_for(request)
    doc = lookup.document(state.index, request.path_params["doc_id"])
    left, right, rows = lookup.aligned_rows(state.index, doc.id)
    mode = request.query_params.get("mode")
    columns = [column_hits(state, query, mode, d.id) if query and d else NO_HITS for d in (left, right)]
    hits = {pid: marks for column in columns for pid, marks in column.marks.items()}
    views = [_row_view(r, t, hits) for r in rows]
    return render(
        request,
        "document.html",
        {
            "doc": document_view(state.index, doc, t),
            "left": document_view(state.index, left, t) if left else None,
            "right": document_view(state.index, right, t) if right else None,
            "rows": views,
            "toc": _toc(views),
            # Each column's count is the search total for that declaration (/api/search?q=…&doc=…).
            "hit_counts": (columns[0].total, columns[1].total),
            "q": query,
            "mode": mode if query else None,  # the search's mode, kept by the links back and across
        },
    )


async def passage_page(request: Request) -> HTMLResponse:
    """A passage with its translation, its neighbours and (when computed) its citations."""
    return await run_heavy(request, _passage_page, request, _query(request))


def _passage_page(request: Request, query: str) -> HTMLResponse:
    state, t = _state(request), labels_for(request)
    p = lookup.passage(state.index, request.path_params["passage_id"])
    before, after = lookup.neighbours(state.index, p)
    return render(
        request,
        "passage.html",
        {
            "passage": passage_view(p, t, query),
            "doc": document_view(state.index, lookup.document(state.index, p.doc_id), t),
            "translations": translation_views(state.index, p, t, query),
            "before": [passage_view(n, t) for n in before],
            "after": [passage_view(n, t) for n in after],
            # What it cites, what cites it, what echoes it, spans marked.
            "citations": citations_view(state.citations, p, t),
            "q": query,
        },
    )


async def about_page(request: Request) -> HTMLResponse:
    """The corpus, the status of each text, the model and index in use, licences."""
    state, t = _state(request), labels_for(request)
    store = state.index.store
    edition_of = {d.id: d.edition for d in store.documents}
    editions = [(e, [d for d in all_documents(state.index, t) if edition_of[d.id] == e.number]) for e in store.editions]
    return render(
        request,
        "about.html",
        {
            "documents": all_documents(state.index, t),
            "editions": editions,
            "manifest": state.index.manifest,
        },
    )
