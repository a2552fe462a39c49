"""JSON endpoints. The YAML after ``---`` in each docstring is its OpenAPI description."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from search import lookup
from search.request import make_request
from web.export import export_response, parse_format
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
    """Liveness, the generation served and its manifest.
    ---
    summary: Health, generation served and index manifest
    responses:
      200:
        description: The server is up; `generation` names the index generation this answer comes from
          (it changes when a rebuild is published); `manifest` describes it (model, counts, build time);
          `semantic` is false (no vectors), "loading" (the encoder is loading in the background) or true.
    """
    state = _state(request)
    return JSONResponse({"status": "ok", "index": str(state.index_dir), "generation": state.generation,
                         "manifest": state.index.manifest.to_json(), "semantic": state.semantic_status})


async def api_search(request: Request) -> Response:
    """Search passages; the same JSON as ``jumelage search --json``.
    ---
    summary: Search passages (keyword, semantic or hybrid)
    parameters:
      - {name: q, in: query, required: true, schema: {type: string, maxLength: 2000}, description: "the query, French or Japanese"}
      - {name: mode, in: query, schema: {type: string, enum: [hybrid, keyword, semantic], default: hybrid}}
      - {name: lang, in: query, schema: {type: string, enum: [fr, ja]}, description: only passages in this language}
      - {name: doc, in: query, schema: {type: string}, description: only passages of this document id}
      - {name: limit, in: query, schema: {type: integer, minimum: 1, maximum: 1000, default: 10}}
      - {name: offset, in: query, schema: {type: integer, minimum: 0, maximum: 100000, default: 0}}
      - {name: fusion, in: query, schema: {type: string, enum: [rrf, weighted], default: rrf}}
      - {name: alpha, in: query, schema: {type: number, minimum: 0, maximum: 1, default: 0.5}}
      - {name: commitments, in: query, schema: {type: string, enum: ["0", "1", "true", "false"], default: "0"}, description: only passages holding a commitment}
      - {name: format, in: query, schema: {type: string, enum: [csv, json]}, description: "download ALL results (limit and offset ignored) as CSV (text/csv; charset=utf-8, no BOM) or flat JSON rows: passage_id, declaration, lang, edition, date, section, text, translation, score, permalink, citation"}
    responses:
      200:
        description: "{query, mode, lang, total, took_ms, facets, results: [{rank, passage_id, doc_id, lang, section, text, snippet_html, snippet: {start, end, marks: [{start, end, kind}]}, score, scores, aligned_passage_ids}]}"
      400:
        description: A parameter is missing or invalid; `error` says which and what is allowed.
    """
    p = request.query_params
    fmt = parse_format(p.get("format"))
    if fmt:
        return await export_response(request, fmt)
    search_request = make_request(p.get("q"), p.get("mode"), p.get("lang"), p.get("doc"), p.get("limit"),
                                  p.get("offset"), p.get("fusion"), p.get("alpha"), p.get("commitments"))
    response = await run_in_threadpool(_state(request).service.search, search_request)
    return JSONResponse(response)


async def api_passage(request: Request) -> JSONResponse:
    """One passage with its translation and its neighbours' ids.
    ---
    summary: A passage by id
    parameters:
      - {name: passage_id, in: path, required: true, schema: {type: string}, example: "2010-kanazawa-fr:12"}
    responses:
      200:
        description: "{passage_id, doc_id, lang, kind, section, ordinal, text, start, end, aligned_passage_ids, aligned, previous_id, next_id}"
      404:
        description: No passage has this id.
    """
    state = _state(request)
    p = lookup.passage(state.index, request.path_params["passage_id"])
    before, after = lookup.neighbours(state.index, p, around=1)
    return JSONResponse({
        **p.to_json(),
        "aligned": [q.to_json() for q in lookup.translations(state.index, p)],
        "previous_id": before[-1].passage_id if before else None,
        "next_id": after[0].passage_id if after else None,
    })


async def api_documents(request: Request) -> JSONResponse:
    """Every document of the corpus and every edition of the Rencontres.
    ---
    summary: List documents
    responses:
      200:
        description: "{documents: [{doc_id, title, edition, city, country, date, lang, status, translation_of, passage_count, edition_label, translations}], editions: [...]}"
    """
    state = _state(request)
    return JSONResponse({
        "documents": [_document_json(state, d) for d in state.index.store.documents],
        "editions": [e.__dict__ for e in state.index.store.editions],
    })


async def api_document(request: Request) -> JSONResponse:
    """One document with all its passages in reading order.
    ---
    summary: A document by id, with its passages
    parameters:
      - {name: doc_id, in: path, required: true, schema: {type: string}, example: 2012-chartres-fr}
    responses:
      200:
        description: "The document's fields plus `passages`: every passage (as in /api/passages/{id}, without neighbours), in reading order."
      404:
        description: No document has this id.
    """
    state = _state(request)
    doc = lookup.document(state.index, request.path_params["doc_id"])
    passages = [p.to_json() for p in lookup.passages_of(state.index, doc.id)]
    return JSONResponse({**_document_json(state, doc), "passages": passages})
