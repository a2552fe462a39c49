"""Every route refuses a query string that is not UTF-8 once percent-decoded (a pure ASGI middleware)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from search.errors import BadRequest
from search.request import check_query_string
from web.errors import bad_request


class Utf8QueryString:
    """Answers 400 (JSON for the API, a page for people, in the interface language) before any route runs.

    A middleware, not a check in each route, so no text parameter of any route (``q``, ``text``,
    ``doc``…) can be forgotten; the check itself is :func:`search.request.check_query_string`.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            # On the raw bytes, not by refusing U+FFFD once decoded: Starlette's decoding has already
            # replaced the bad bytes, and a real U+FFFD (%EF%BF%BD) is valid text a query may hold.
            try:
                check_query_string(scope.get("query_string", b""))
            except BadRequest as err:
                response = await bad_request(Request(scope, receive), err)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
