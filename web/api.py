"""JSON endpoints; their OpenAPI description is written out in :mod:`web.openapi`."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from search import lookup
from search.request import InvalidInput, SearchRequest, check_in_index, make_request
from web.export import export_response, parse_format
from web.heavy import run_heavy
from web.state import AppState, state_of


def _state(request: Request) -> AppState:
    return state_of(request)


def _document_json(state: AppState, doc: lookup.Document) -> dict:
    edition = lookup.edition_of(state.index, doc)
    return {
        **doc.to_json(),
        "passage_count": len(state.index.store.of_document(doc.id)),
        "edition_label": {"fr": edition.label_fr, "ja": edition.label_ja} if edition else None,
        "translations": [d.id for d in state.index.store.translations_of(doc.id)],
    }


async def healthz(request: Request) -> JSONResponse:
    """Liveness, the generation served and its manifest (the index folder by its name: no path).

    ``semantic`` is false (no vectors), "loading" (the encoder loads in the background) or true.
    """
    state = _state(request)
    return JSONResponse(
        {
            "status": "ok",
            "index": state.index_dir.name,
            "generation": state.generation,
            "manifest": state.index.manifest.to_json(),
            "semantic": state.semantic_status,
        }
    )


def check_request(state: AppState, req: SearchRequest) -> None:
    """What only the served index can tell, before any work: a mode it can run, a document and edition it has."""
    if req.mode != "keyword" and not state.has_vectors:
        raise InvalidInput(
            "mode_unavailable",
            f"mode {req.mode} is unavailable: this index was built without embeddings; use mode=keyword",
            mode=req.mode,
        )
    check_in_index(req, state.index.store.documents)


def _search_json(state: AppState, req: SearchRequest) -> JSONResponse:
    return JSONResponse(state.service.search(req))  # serialised here, on the worker thread


async def api_search(request: Request) -> Response:
    """Search passages; the same JSON as ``jumelage search --json`` (``format=csv|json``: every result, a download)."""
    p = request.query_params
    fmt = parse_format(p.get("format"))
    if fmt:
        return await export_response(request, fmt)
    state = _state(request)
    # Without ?mode= the index's best mode: hybrid, or keyword on an index without vectors.
    search_request = make_request(
        p.get("q"),
        p.get("mode") or state.default_mode,
        p.get("lang"),
        p.get("doc"),
        p.get("limit"),
        p.get("offset"),
        p.get("fusion"),
        p.get("alpha"),
        p.get("commitments"),
        p.get("edition"),
    )
    check_request(state, search_request)
    return await run_heavy(request, _search_json, state, search_request)


async def api_passage(request: Request) -> JSONResponse:
    """One passage with its translation and its neighbours' ids."""
    state = _state(request)
    p = lookup.passage(state.index, request.path_params["passage_id"])
    before, after = lookup.neighbours(state.index, p, around=1)
    return JSONResponse(
        {
            **p.to_json(),
            "aligned": [q.to_json() for q in lookup.translations(state.index, p)],
            "previous_id": before[-1].passage_id if before else None,
            "next_id": after[0].passage_id if after else None,
        }
    )


async def api_documents(request: Request) -> JSONResponse:
    """Every document of the corpus and every edition of the Rencontres."""
    state = _state(request)
    return JSONResponse(
        {
            "documents": [_document_json(state, d) for d in state.index.store.documents],
            "editions": [e.__dict__ for e in state.index.store.editions],
        }
    )


async def api_document(request: Request) -> JSONResponse:
    """One document with all its passages in reading order."""
    return await run_heavy(request, _document_response, _state(request), request.path_params["doc_id"])


def _document_response(state: AppState, doc_id: str) -> JSONResponse:
    doc = lookup.document(state.index, doc_id)
    passages = [p.to_json() for p in lookup.passages_of(state.index, doc.id)]
    return JSONResponse({**_document_json(state, doc), "passages": passages})
