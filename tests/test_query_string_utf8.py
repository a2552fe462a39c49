"""A query parameter whose percent-decoding is not UTF-8 is a 400 on every route, like ``q=%00``.

Starlette decodes ``%FF`` to U+FFFD, so ``/api/search?q=%FF%FE`` used to search for "\\ufffd\\ufffd"
and answer 200. URLs are written out whole: httpx would re-encode a ``%`` given in ``params``.
"""

from __future__ import annotations

import pytest

from search.errors import BadRequest
from search.request import check_query_string

BAD_URLS = [
    "/api/search?mode=keyword&q=%FF%FE",
    "/api/search?mode=keyword&q=tourisme&format=csv&doc=%FF",
    "/api/search?mode=keyword&q=tourisme&%FF=1",  # a parameter's name too
    "/?mode=keyword&q=%FF%FE",
    "/?mode=keyword&q=caf%E9",  # Latin-1 é, the usual way to send non-UTF-8
    "/api/quote?text=%FF",
    "/api/commitments?theme=%C3",  # a UTF-8 sequence cut short
    "/commitments?act=%C3",
    "/documents/2012-chartres-fr?q=abc%FF",
    "/passages/2012-chartres-fr:3?q=%ED%A0%80",  # an encoded surrogate is not UTF-8 either
    "/api/documents?x=%FF",
]


@pytest.mark.parametrize("url", BAD_URLS)
def test_query_parameter_that_is_not_utf8_is_400(client, url):
    r = client.get(url)
    assert r.status_code == 400, (url, r.status_code, r.text[:200])
    if url.startswith("/api/"):
        assert "UTF-8" in r.json()["error"], r.json()
    else:
        assert "envoyez du texte UTF-8 valide" in r.text


@pytest.mark.parametrize("path", ["/api/search", "/"])
def test_not_utf8_message_is_japanese_under_ui_ja(client, path):
    r = client.get(f"{path}?mode=keyword&q=%FF%FE&ui=ja")
    assert r.status_code == 400 and "正しいUTF-8の文字列を送ってください" in r.text


def test_message_names_the_parameter_the_byte_and_its_position():
    with pytest.raises(BadRequest, match=r"parameter 'q' .*byte 0xFF at position 4\): send valid UTF-8 text"):
        check_query_string(b"mode=keyword&q=caf%FF")


@pytest.mark.parametrize(
    "raw",
    [
        b"q=caf%C3%A9+%E9%98%B2%E7%81%BD",  # café 防災, plus as space
        b"q=%EF%BF%BD",  # a real U+FFFD is valid UTF-8: only the bytes are checked, not the decoded text
        b"q=100%&x=%zz",  # a % that escapes nothing stays a %, as Starlette reads it
        b"",
    ],
)
def test_valid_utf8_query_strings_pass(raw):
    check_query_string(raw)


def test_valid_percent_encoded_query_is_still_searched(client):
    r = client.get("/api/search?mode=keyword&q=coop%C3%A9ration")
    assert r.status_code == 200 and r.json()["query"] == "coopération" and r.json()["total"] > 0


def test_openapi_schema_documents_the_400_on_every_operation(client):
    paths = client.get("/openapi.json").json()["paths"]
    undocumented = [f"{m} {p}" for p, ops in paths.items() for m, op in ops.items() if "400" not in op["responses"]]
    assert not undocumented
