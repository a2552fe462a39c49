"""A live ``jumelage serve`` under hostile input: never a 5xx, never a path, never a stall.

Raw sockets, so the bytes are exactly what a hostile client sends (invalid
percent-encodings, 100 kB parameters, bodies on GET, every method), against
every route. The server runs keyword-only, with one worker and no queue, and a
1-second header timeout, so overload and slow clients are quick to provoke.
"""

from __future__ import annotations

import concurrent.futures
import socket
import time
from pathlib import Path

import httpx
import pytest

from bench.stats import free_port
from tests.helpers import ROOT, run_cli

ROUTES = (
    "/",
    "/documents",
    "/documents/2012-chartres-fr",
    "/passages/2012-chartres-fr:8",
    "/about",
    "/healthz",
    "/api/search?q=tourisme&mode=keyword",
    "/api/passages/2012-chartres-fr:8",
    "/api/passages/2012-chartres-fr:8/citations",
    "/api/quote?text=coop%C3%A9ration",
    "/api/documents",
    "/api/documents/2012-chartres-fr",
    "/openapi.json",
    "/static/style.css",
    "/commitments",
    "/api/commitments?format=csv",
)
METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND")
HOSTILE_TARGETS = (
    "/static/../../../../etc/passwd",
    "/static/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/static/..%2f..%2f..%2fetc%2fpasswd",
    "/static/%00",
    "/static/",
    "/static",
    "//etc/passwd",
    "/documents/..%2f..%2fetc%2fpasswd",
    "/api/documents/..%2F..%2Fmanifest.json",
    "/passages/%2e%2e",
    "/documents/%ff%fe",
    "/documents/%zz",
    "/api/passages/%ed%a0%80:1",
    "/api/search?q=%zz",
    "/api/search?q=%",
    "/api/search?q=%ff%fe%fd",
    "/api/search?q=%ed%a0%80",
    "/api/search?q=%00",
    "/?q=%c3%28&mode=keyword",
    "/api/quote?text=%ed%b0%80x",
    "/api/search?q=a&q=b&mode=keyword&mode=semantic&limit=1&limit=99999&offset=-1&offset=2",
    "/api/search?q=x&mode=keyword&limit=1e3",
    "/api/search?q=x&mode=keyword&alpha=nan&fusion=weighted",
    "/api/search?q=x&mode=keyword&doc=" + "A" * 5000,
    "/documents/2012-chartres-fr?q=" + "%E9%98%B2" * 3000,
    "/api/search?mode=keyword&q=" + "".join(f"%{b:02X}" for c in range(0x4E00, 0x4E00 + 1800) for b in chr(c).encode()),
    "/api/search?mode=keyword&q=" + "x" * 100_000,
    "/?" + "&".join(f"p{i}=1" for i in range(5000)),
    "/documents/2012-chartres-fr?q=%22%22%22%C2%AB%C2%BB%E3%80%8C",
    "/api/quote?limit=0&text=x",
    "/api/quote",
)
STATUSES: dict[int, int] = {}


@pytest.fixture(scope="module")
def server(keyword_index_dir):
    from bench.load import serve

    options = ["--workers", "1", "--queue", "0", "--header-timeout", "1", "--keep-alive", "1"]
    try:
        process, base_url = serve(Path(keyword_index_dir), startup_timeout=60, extra=options, cwd=ROOT)
    except RuntimeError as err:
        pytest.fail(f"server did not start: {err}")
    yield int(base_url.rsplit(":", 1)[1]), Path(keyword_index_dir)
    process.terminate()
    process.wait(timeout=15)


def raw(port: int, request: bytes, timeout: float = 30) -> tuple[int, bytes]:
    """Send ``request`` as is; the status code (0 when the server closed without answering) and the whole answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(request)
        chunks = []
        try:
            while chunk := s.recv(65536):
                chunks.append(chunk)
        except (ConnectionResetError, TimeoutError):
            pass
    answer = b"".join(chunks)
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else 0
    return status, answer


def _get(target: str, method: str = "GET", host: str = "127.0.0.1", extra: bytes = b"") -> bytes:
    return f"{method} {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n".encode() + extra + b"\r\n"


def _check(port: int, index_dir: Path, request: bytes) -> int:
    status, answer = raw(port, request)
    STATUSES[status] = STATUSES.get(status, 0) + 1
    assert 0 < status < 500, (request[:200], answer[:300])
    assert b"Traceback" not in answer
    for path in {str(index_dir), str(index_dir.resolve()), str(ROOT)}:
        assert path.encode() not in answer, (request[:200], answer[:300])
    return status


@pytest.mark.slow
def test_every_method_on_every_route_is_answered_without_a_server_error(server):
    port, index_dir = server
    for route in ROUTES:
        for method in METHODS:
            status = _check(port, index_dir, _get(route, method))
            if method not in ("GET", "HEAD") and status == 405:
                assert b"\r\nallow: " in raw(port, _get(route, method))[1].lower()


@pytest.mark.slow
def test_hostile_targets_and_bodies_never_get_a_server_error(server):
    port, index_dir = server
    for target in HOSTILE_TARGETS:
        _check(port, index_dir, _get(target))
    body = b"q=" + b"x" * 100_000
    for route in ROUTES:
        _check(port, index_dir, _get(route, extra=b"Content-Length: %d\r\n" % len(body))[:-2] + b"\r\n\r\n" + body)
        chunked = _get(route, "GET", extra=b"Transfer-Encoding: chunked\r\n") + b"5\r\nhello\r\n0\r\n\r\n"
        _check(port, index_dir, chunked)
    _check(port, index_dir, b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: " + b"a" * 100_000 + b"\r\n\r\n")
    _check(port, index_dir, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 200)  # a TLS hello
    _check(port, index_dir, b"GET /\xff\xfe HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert sum(STATUSES.values()) >= 150 and STATUSES.get(200, 0) >= 20, STATUSES
    print(f"\nhostile fuzz: {sum(STATUSES.values())} requests, statuses {dict(sorted(STATUSES.items()))}")


@pytest.mark.slow
def test_foreign_host_is_refused_and_nothing_redirects_to_it(server):
    port, _ = server
    for target in ("/static", "/", "/healthz", "/documents/"):
        status, answer = raw(port, _get(target, host="evil.example"))
        assert status == 400 and b"evil.example" not in answer.split(b"\r\n\r\n")[0]


@pytest.mark.slow
def test_healthz_names_no_absolute_path(server):
    port, index_dir = server
    body = httpx.get(f"http://127.0.0.1:{port}/healthz").json()
    assert body["index"] == index_dir.name and not body["index"].startswith("/")


@pytest.mark.slow
def test_slow_and_idle_connections_are_closed(server):
    port, _ = server
    started = time.monotonic()
    status, _ = raw(port, b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n", timeout=10)  # head never finished
    assert status == 0 and time.monotonic() - started < 5
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:  # idle: never sends a byte
        started = time.monotonic()
        assert s.recv(10) == b"" and time.monotonic() - started < 5


@pytest.mark.slow
def test_past_the_heavy_bound_requests_get_a_fast_503_with_retry_after(server):
    port, _ = server
    url = f"http://127.0.0.1:{port}/documents/2012-chartres-fr"
    params = {"q": "tourisme culturel coopération jeunesse " * 40, "ui": "ja"}
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: httpx.get(url, params=params, timeout=60), range(8)))
    refused = [r for r in answers if r.status_code == 503]
    assert refused and any(r.status_code == 200 for r in answers), [r.status_code for r in answers]
    assert all(r.headers["retry-after"].isdigit() and "混み合って" in r.text for r in refused)
    assert httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200


@pytest.mark.slow
def test_serve_fails_in_one_line_with_exit_2(keyword_index_dir, server):
    port, _ = server
    for args in (["--port", "99999"], ["--port", str(port)], ["--host", "no-such-host.invalid"]):
        r = run_cli("serve", "--index", str(keyword_index_dir), *args)
        assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr, r.stderr
    r = run_cli("serve", "--index", str(keyword_index_dir) + "-missing", "--port", str(free_port()))
    assert r.returncode == 2 and "no index" in r.stderr and "Traceback" not in r.stderr, r.stderr
