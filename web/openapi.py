"""``/openapi.json``: the API schema, generated from the endpoints' docstrings."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.schemas import SchemaGenerator

schemas = SchemaGenerator({
    "openapi": "3.0.3",
    "info": {
        "title": "jumelage",
        "version": "1",
        "description": "Bilingual (French / Japanese) search over the final declarations of the "
                       "Rencontres franco-japonaises de la coopération décentralisée.",
    },
})


async def openapi_schema(request: Request) -> JSONResponse:
    """The OpenAPI description of the JSON endpoints (pages are left out: they are for people)."""
    # Starlette's OpenAPIResponse writes YAML; the address promises JSON.
    return JSONResponse(schemas.get_schema(routes=request.app.routes))
