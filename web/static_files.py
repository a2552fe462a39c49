"""Static files with cache headers: versioned URLs are immutable, the rest revalidate.

The templates link ``/static/style.css?v=N`` (N = ``STATIC_VERSION``, bumped with
every change), so a response for the current ``v`` may be kept for a year; any other
request (no ``v``, an old one) gets ``no-cache`` and revalidates with its ETag.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"


class VersionedStaticFiles(StaticFiles):
    """:class:`StaticFiles` adding ``Cache-Control`` by whether the URL carries the current version."""

    def __init__(self, *, directory: str, version: str) -> None:
        super().__init__(directory=directory)
        self.version = version

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        if response.status_code in (200, 304):
            query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
            response.headers["Cache-Control"] = IMMUTABLE if query.get("v") == [self.version] else REVALIDATE
        return response
