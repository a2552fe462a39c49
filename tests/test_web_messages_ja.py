"""Every message of a bad request, on every parameter, in Japanese under ``?ui=ja`` (issue 16, item 4)."""

from __future__ import annotations

import re

import pytest

JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")
#: English words the CLI's lines use; none may reach a Japanese interface.
ENGLISH = re.compile(r"\b(must|unknown|between|got|use one of|invalid|empty|too long)\b", re.I)
GOOD = {"q": "coopération", "mode": "keyword"}
#: (path, parameters) of each bad request: every parameter of search, its export, the page's own ones,
#: quotations, commitments and the reading pages' ``?q=``.
BAD = [
    ("/api/search", {**GOOD, "q": ""}),
    ("/api/search", {**GOOD, "q": "x" * 3000}),
    ("/api/search", {**GOOD, "q": "a\x00b"}),
    ("/api/search", {**GOOD, "mode": "nope"}),
    ("/api/search", {**GOOD, "mode": "semantic"}),
    ("/api/search", {**GOOD, "lang": "de"}),
    ("/api/search", {**GOOD, "doc": "nope"}),
    ("/api/search", {**GOOD, "doc": "../x"}),
    ("/api/search", {**GOOD, "edition": "x"}),
    ("/api/search", {**GOOD, "edition": "0"}),
    ("/api/search", {**GOOD, "edition": "9"}),  # an edition the index does not hold
    ("/api/search", {**GOOD, "limit": "-5"}),
    ("/api/search", {**GOOD, "limit": "many"}),
    ("/api/search", {**GOOD, "offset": "-1"}),
    ("/api/search", {**GOOD, "fusion": "max"}),
    ("/api/search", {**GOOD, "alpha": "2"}),
    ("/api/search", {**GOOD, "alpha": "x"}),
    ("/api/search", {**GOOD, "commitments": "maybe"}),
    ("/api/search", {**GOOD, "format": "xml"}),
    ("/", {**GOOD, "mode": "nope"}),
    ("/", {**GOOD, "page": "0"}),
    ("/", {**GOOD, "per": "7"}),
    ("/", {**GOOD, "edition": "x"}),
    ("/", {**GOOD, "edition": "9"}),
    ("/", {**GOOD, "lang": "de"}),
    ("/api/quote", {"text": ""}),
    ("/api/quote", {"text": "coopération", "limit": "0"}),
    ("/api/commitments", {"act": "promise"}),
    ("/api/commitments", {"theme": "x"}),
    ("/api/commitments", {"doc": "nope"}),
    ("/api/commitments", {"format": "xml"}),
    ("/commitments", {"act": "promise"}),
    ("/documents/2010-kanazawa-fr", {"q": "x" * 3000}),
    ("/passages/2010-kanazawa-fr:3", {"q": "a\x00b"}),
    ("/passages/nope:1", {}),
    ("/documents/nope", {}),
    ("/nope", {}),
]


@pytest.mark.parametrize(
    "path, params", BAD, ids=[f"{p}?{'&'.join(k for k in q if k not in GOOD or q[k] != GOOD[k])}" for p, q in BAD]
)
def test_bad_request_message_is_japanese_under_ui_ja(client, path, params):
    r = client.get(path, params={**params, "ui": "ja"})
    assert r.status_code in (400, 404), (r.status_code, r.text[:200])
    if r.headers["content-type"].startswith("application/json"):
        message = r.json()["error"]
    else:
        found = re.search(r'<div class="alert"[^>]*>.*?<p>(.*?)</p>', r.text, re.S) or re.search(
            r'<p class="error-message">(.*?)</p>', r.text, re.S
        )
        message = found.group(1) if found else r.text
    assert JAPANESE.search(message) and not ENGLISH.search(message), message
