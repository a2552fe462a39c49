"""``/openapi.json``: the API schema, written out here and fitted to the index being served.

Every endpoint has an ``operationId``, typed responses (200 and every error it can
answer) and parameters constrained exactly as :mod:`search.request` checks them, so
a request valid by the schema is one the server accepts: the ``mode`` choices are
those the index can run (keyword only without vectors), ``doc`` lists the index's
documents and ``edition`` the editions of its declarations. The test suite runs schemathesis against this schema and the app.
Objects allow extra properties: fields may be added, never removed or retyped.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from search.quote import MAX_QUOTE_CHARS
from search.request import (
    FUSIONS,
    LANGS,
    MAX_EDITION,
    MAX_LIMIT,
    MAX_OFFSET,
    MAX_QUERY_CHARS,
    MAX_QUERY_TERMS,
)

# A query must hold a character that is neither whitespace nor NUL (search.request.check_text).
NON_BLANK = r"^[^\x00]*[^\x00\s][^\x00]*$"
# A quotation must hold a letter or a digit (search.quote: punctuation alone is empty).
HAS_WORD = r"^[^\x00]*[^\W_][^\x00]*$"
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$"
PASSAGE_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}:[0-9]{1,9}$"


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(required: dict[str, dict], optional: dict[str, dict] | None = None) -> dict:
    return {"type": "object", "required": list(required), "properties": {**required, **(optional or {})}}


STR = {"type": "string"}
INT = {"type": "integer"}
NUM = {"type": "number"}
BOOL = {"type": "boolean"}
NSTR = {"type": "string", "nullable": True}
NINT = {"type": "integer", "nullable": True}
NNUM = {"type": "number", "nullable": True}
STRS = {"type": "array", "items": STR}
ANY_OBJ = {"type": "object"}

PASSAGE = _obj(
    {
        "passage_id": STR,
        "doc_id": STR,
        "lang": STR,
        "kind": STR,
        "section": STR,
        "ordinal": INT,
        "text": STR,
        "start": INT,
        "end": INT,
        "aligned_passage_ids": STRS,
    }
)
DOCUMENT = _obj(
    {"doc_id": STR, "title": STR, "edition": INT, "lang": STR, "status": STR},
    {
        "city": NSTR,
        "country": NSTR,
        "date": NSTR,
        "translation_of": NSTR,
        "passage_count": INT,
        "edition_label": {"type": "object", "nullable": True},
        "translations": STRS,
    },
)
SCHEMAS: dict[str, dict] = {
    "Error": _obj({"error": STR, "status": INT}),
    "Health": _obj(
        {"status": STR, "manifest": ANY_OBJ, "semantic": {"oneOf": [BOOL, {"type": "string", "enum": ["loading"]}]}},
        {"index": STR, "generation": STR},
    ),
    "Scores": _obj({"keyword": NNUM, "keyword_rank": NINT, "semantic": NNUM, "semantic_rank": NINT}),
    "SearchResult": _obj(
        {
            "rank": INT,
            "passage_id": STR,
            "doc_id": STR,
            "lang": STR,
            "section": STR,
            "text": STR,
            "snippet_html": STR,
            "score": NUM,
            "scores": _ref("Scores"),
            "aligned_passage_ids": STRS,
        },
        {"doc_title": STR, "kind": STR},
    ),
    "SearchResponse": _obj(
        {
            "query": STR,
            "mode": STR,
            "lang": NSTR,
            "total": INT,
            "took_ms": NUM,
            "results": {"type": "array", "items": _ref("SearchResult")},
        },
        {
            "doc": NSTR,
            "edition": NINT,
            "query_lang": STR,
            "fusion": NSTR,
            "limit": INT,
            "offset": INT,
            "facets": {"type": "object", "additionalProperties": {"type": "object", "additionalProperties": INT}},
        },
    ),
    "Passage": PASSAGE,
    "PassageDetail": {
        "allOf": [
            _ref("Passage"),
            _obj({"aligned": {"type": "array", "items": _ref("Passage")}, "previous_id": NSTR, "next_id": NSTR}),
        ]
    },
    "Document": DOCUMENT,
    "DocumentList": _obj(
        {"documents": {"type": "array", "items": _ref("Document")}, "editions": {"type": "array", "items": ANY_OBJ}}
    ),
    "DocumentDetail": {"allOf": [_ref("Document"), _obj({"passages": {"type": "array", "items": _ref("Passage")}})]},
    "Citations": _obj(
        {
            "id": STR,
            "kind": STR,
            "cites": {"type": "array", "items": ANY_OBJ},
            "cited_by": {"type": "array", "items": ANY_OBJ},
            "echoes": {"type": "array", "items": ANY_OBJ},
        },
        {
            "passage": ANY_OBJ,
            "mentions_self": {"type": "array", "items": ANY_OBJ},
            "cited_by_level": STR,
            "echoes_available": BOOL,
            "echo_threshold": NNUM,
        },
    ),
    "Commitments": _obj(
        {"total": INT, "commitments": {"type": "array", "items": ANY_OBJ}},
        {"counts": ANY_OBJ, "themes": {"type": "array", "items": ANY_OBJ}, "echoes_available": BOOL},
    ),
    "QuoteMatch": _obj(
        {
            "rank": INT,
            "passage_id": STR,
            "doc_id": STR,
            "lang": STR,
            "score": NUM,
            "start": INT,
            "end": INT,
            "snippet_html": STR,
        },
        {"section": STR, "method": STR, "text": STR, "aligned_passage_ids": STRS, "same_text_as": STRS},
    ),
    "QuoteResponse": _obj(
        {
            "query": STR,
            "lang": STR,
            "matched": BOOL,
            "method": NSTR,
            "took_ms": NUM,
            "matches": {"type": "array", "items": _ref("QuoteMatch")},
        },
        {"threshold": NUM, "message": STR},
    ),
}


def _json(description: str, schema: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


NOT_UTF8 = "The query string is not UTF-8 once percent-decoded: `error` names the parameter."


def _errors(*codes: int) -> dict:
    text = {
        400: "A parameter is missing, invalid or not UTF-8: `error` says which and what is allowed.",
        404: "No passage or document has this id.",
        503: "Too many requests at once (retry after `Retry-After` seconds) or the index cannot be read.",
    }
    # Every route refuses a query string that is not UTF-8 (web.query_string), so every one can answer 400.
    out = {} if 400 in codes else {"400": _json(NOT_UTF8, "Error")}
    for code in codes:
        out[str(code)] = _json(text[code], "Error")
        if code == 503:
            out[str(code)]["headers"] = {"Retry-After": {"schema": INT, "description": "seconds to wait"}}
    return out


def _query(name: str, schema: dict, description: str, required: bool = False) -> dict:
    return {"name": name, "in": "query", "required": required, "schema": schema, "description": description}


def _path(name: str, pattern: str, example: str) -> dict:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": pattern},
        "example": example,
    }


def build_schema(modes: list[str], doc_ids: list[str], editions: list[int]) -> dict:
    """The OpenAPI 3.0 document for an index offering ``modes`` over ``doc_ids`` of ``editions``."""
    search_params = [
        _query(
            "q",
            {"type": "string", "minLength": 1, "maxLength": MAX_QUERY_CHARS, "pattern": NON_BLANK},
            f"the query, French or Japanese; at most {MAX_QUERY_TERMS} distinct words",
            required=True,
        ),
        _query("mode", {"type": "string", "enum": modes, "default": modes[0]}, "how to rank"),
        _query("lang", {"type": "string", "enum": list(LANGS)}, "only passages in this language"),
        _query("doc", {"type": "string", "enum": doc_ids}, "only passages of this document"),
        _query(
            "edition",
            {"type": "integer", "minimum": 1, "maximum": MAX_EDITION, "enum": editions},
            "only this edition's declarations (another is a 400 naming these)",
        ),
        _query("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 10}, "results per page"),
        _query("offset", {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0}, "results to skip"),
        _query("fusion", {"type": "string", "enum": list(FUSIONS), "default": "rrf"}, "hybrid fusion"),
        _query(
            "alpha", {"type": "number", "minimum": 0, "maximum": 1, "default": 0.5}, "keyword weight of weighted fusion"
        ),
        _query(
            "commitments",
            {"type": "string", "enum": ["0", "1", "true", "false"], "default": "0"},
            "only passages holding a commitment",
        ),
    ]
    paths = {
        "/healthz": {
            "get": {
                "operationId": "healthz",
                "summary": "Health and index manifest",
                "responses": {"200": _json("The server is up; `manifest` describes the index.", "Health"), **_errors()},
            }
        },
        "/api/search": {
            "get": {
                "operationId": "searchPassages",
                "summary": "Search passages (keyword, semantic or hybrid)",
                "description": "The same JSON as `jumelage search --json`.",
                "parameters": search_params,
                "responses": {"200": _json("Ranked, highlighted passages.", "SearchResponse"), **_errors(400, 503)},
            }
        },
        "/api/passages/{passage_id}": {
            "get": {
                "operationId": "getPassage",
                "summary": "A passage by id, with its translation and neighbours",
                "parameters": [_path("passage_id", PASSAGE_ID_PATTERN, "2010-kanazawa-fr:12")],
                "responses": {"200": _json("The passage.", "PassageDetail"), **_errors(404)},
            }
        },
        "/api/passages/{passage_id}/citations": {
            "get": {
                "operationId": "getPassageCitations",
                "summary": "What a passage cites, what cites it, what echoes it",
                "parameters": [_path("passage_id", PASSAGE_ID_PATTERN, "2012-chartres-fr:8")],
                "responses": {"200": _json("Its citations.", "Citations"), **_errors(404, 503)},
            }
        },
        "/api/quote": {
            "get": {
                "operationId": "findQuotation",
                "summary": "Where does a (possibly inexact) quotation come from?",
                "parameters": [
                    _query(
                        "text",
                        {"type": "string", "minLength": 1, "maxLength": MAX_QUOTE_CHARS, "pattern": HAS_WORD},
                        "the quotation; `q` is accepted too",
                        required=True,
                    ),
                    _query(
                        "limit", {"type": "integer", "minimum": 1, "maximum": 100, "default": 5}, "matches to return"
                    ),
                ],
                "responses": {
                    "200": _json("Source passages, best first (`matched` false when none).", "QuoteResponse"),
                    **_errors(400, 503),
                },
            }
        },
        "/api/commitments": {
            "get": {
                "operationId": "listCommitments",
                "summary": "Commitments by theme and edition, with their echoes",
                "description": "`theme` (a theme id of the answer's `themes`) narrows the list too.",
                "parameters": [
                    _query("doc", {"type": "string", "enum": doc_ids}, "only this declaration"),
                    _query(
                        "act",
                        {"type": "string", "enum": ["engage", "propose", "agree", "decide", "resolve", "wish"]},
                        "only this kind of act",
                    ),
                    _query("format", {"type": "string", "enum": ["json", "csv"], "default": "json"}, "json or csv"),
                ],
                "responses": {
                    "200": {
                        "description": "The commitments (one CSV row each with format=csv).",
                        "content": {
                            "application/json": {"schema": _ref("Commitments")},
                            "text/csv": {"schema": {"type": "string"}},
                        },
                    },
                    **_errors(400, 503),
                },
            }
        },
        "/api/documents": {
            "get": {
                "operationId": "listDocuments",
                "summary": "Every document and edition",
                "responses": {"200": _json("Documents and editions.", "DocumentList"), **_errors()},
            }
        },
        "/api/documents/{doc_id}": {
            "get": {
                "operationId": "getDocument",
                "summary": "A document with its passages in reading order",
                "parameters": [_path("doc_id", ID_PATTERN, "2012-chartres-fr")],
                "responses": {"200": _json("The document.", "DocumentDetail"), **_errors(404, 503)},
            }
        },
    }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "jumelage",
            "version": "1",
            "description": "Bilingual (French / Japanese) search over the final declarations of the "
            "Rencontres franco-japonaises de la coopération décentralisée.",
        },
        "paths": paths,
        "components": {"schemas": SCHEMAS},
    }


async def openapi_schema(request: Request) -> JSONResponse:
    """The OpenAPI description of the JSON endpoints (pages are left out: they are for people)."""
    state = request.app.state.jumelage
    modes = ["hybrid", "keyword", "semantic"] if state.has_vectors else ["keyword"]
    documents = state.index.store.documents
    return JSONResponse(build_schema(modes, [d.id for d in documents], sorted({d.edition for d in documents})))
