"""Input limits (search.request), the heavy-request pool and the HTTP hardening, in process."""

from __future__ import annotations

import asyncio
import gzip
import re
import threading
import time

import pytest
from starlette.testclient import TestClient

from search.errors import BadRequest
from search.request import MAX_QUERY_TERMS, check_text, make_request
from tests.helpers import run_cli
from web.app import create_app
from web.heavy import HeavyPool, Overloaded

MANY_KANJI = "".join(chr(0x4E00 + i) for i in range(1900))
HEAVY_ROUTES = (
    "/api/search?q=tourisme",
    "/?q=tourisme",
    "/documents/2012-chartres-fr?q=tourisme",
    "/passages/2012-chartres-fr:8",
    "/api/passages/2012-chartres-fr:8/citations",
    "/api/quote?text=coop%C3%A9ration",
    "/api/documents/2012-chartres-fr",
)


@pytest.fixture(scope="module")
def client(keyword_index_dir):
    app = create_app(keyword_index_dir, warm_model=False, allowed_hosts=["testserver"], workers=1, queue=0)
    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


@pytest.mark.parametrize(
    "query, message",
    [
        ("mondialisation \udcff", "lone surrogate U+DCFF"),
        ("a\x00b", "U+0000"),
        ("x" * 2001, "2001 characters"),
        (" \t ", "empty"),
        ("\ufffe", "U+FFFE"),
    ],
)
def test_invalid_text_is_refused_with_one_clear_line(query, message):
    with pytest.raises(BadRequest, match=re.escape(message)):
        check_text(query)


def test_echoed_values_are_clipped():
    with pytest.raises(BadRequest) as err:
        make_request("x", doc="a" * 100_000)
    assert len(str(err.value)) < 120
    with pytest.raises(BadRequest) as err:
        make_request("x", limit="9" * 100_000)
    assert len(str(err.value)) < 120


def test_too_many_distinct_terms_is_a_bad_request_not_a_recursion(keyword_service):
    from search.keyword import parse_query

    with pytest.raises(BadRequest, match=f"limit is {MAX_QUERY_TERMS}"):
        parse_query(MANY_KANJI)
    # Right at the bound every Whoosh query is built and run, quoted phrase included.
    words = " ".join(f"mot{i}" for i in range(MAX_QUERY_TERMS // 2 - 1))
    response = keyword_service.search(make_request(f'"{words}" {words}', mode="keyword"))
    assert response["total"] == 0


def test_long_queries_get_a_400_over_http_on_every_route(client):
    for url in ("/api/search", "/", "/documents/2012-chartres-fr", "/passages/2012-chartres-fr:8"):
        r = client.get(url, params={"q": MANY_KANJI, "mode": "keyword"})
        assert r.status_code == 400 and "mots distincts" in r.text, url


def test_cli_refuses_a_lone_surrogate_and_batch_goes_on(tmp_path, keyword_index_dir):
    r = run_cli("search", "mondialisation \udcff", "--index", str(keyword_index_dir), "--mode", "keyword")
    assert r.returncode == 2 and "lone surrogate" in r.stderr and "Traceback" not in r.stderr
    batch = tmp_path / "b.jsonl"
    batch.write_bytes(
        b'{"id": 1, "query": "x\\ud800"}\n\xff\xfe\n{"id": 3, "query": "'
        + MANY_KANJI.encode()
        + b'"}\n{"id": 4, "query": "tourisme", "mode": "keyword"}\n'
    )
    r = run_cli("search", "--batch", str(batch), "--index", str(keyword_index_dir), "--mode", "keyword")
    lines = r.stdout.splitlines()
    assert r.returncode == 2 and len(lines) == 4 and "Traceback" not in r.stderr
    assert ['"error"' in line for line in lines] == [True, True, True, False]


def test_pool_refuses_past_its_capacity_and_frees_places():
    async def scenario() -> None:
        pool = HeavyPool(workers=1, queue=1)
        gate = threading.Event()
        first = asyncio.ensure_future(pool.run(gate.wait, 10))
        second = asyncio.ensure_future(pool.run(time.sleep, 0))
        await asyncio.sleep(0.05)
        with pytest.raises(Overloaded):
            await pool.run(time.sleep, 0)
        second.cancel()  # queued, not started: dropped, its place freed
        await asyncio.sleep(0.05)
        assert pool.admitted == 1
        gate.set()
        await first
        assert pool.admitted == 0 and await pool.run(lambda: 42) == 42
        pool.shutdown()

    asyncio.run(scenario())


def test_heavy_routes_get_503_with_retry_after_while_healthz_answers(client):
    pool: HeavyPool = client.app.state.jumelage_heavy
    gate = threading.Event()
    client.portal.start_task_soon(pool.run, gate.wait, 30)  # the one worker is busy, no queue
    try:
        deadline = time.monotonic() + 5
        while pool.admitted < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
        for url in HEAVY_ROUTES:
            r = client.get(url, headers={"accept-language": "ja"})
            assert r.status_code == 503 and r.headers["retry-after"] == "1" and "混み合って" in r.text, url
        assert client.get("/healthz").status_code == 200 and client.get("/documents").status_code == 200
    finally:
        gate.set()


def test_static_files_are_cached_by_version_and_compressed(client):
    from web.templating import STATIC_VERSION

    r = client.get(f"/static/style.css?v={STATIC_VERSION}", headers={"accept-encoding": "gzip"})
    assert "immutable" in r.headers["cache-control"] and r.headers["content-encoding"] == "gzip"
    assert client.get("/static/style.css").headers["cache-control"] == "no-cache"
    raw = client.get("/api/documents/2012-chartres-fr", headers={"accept-encoding": "gzip"})
    assert raw.headers["content-encoding"] == "gzip" and raw.json()["doc_id"] == "2012-chartres-fr"
    assert gzip  # the client decompressed it


def test_405_says_what_is_allowed_and_no_redirect_reflects_the_host(client):
    for url in ("/api/search", "/", "/static/style.css", "/healthz"):
        r = client.post(url)
        assert r.status_code == 405 and "GET" in r.headers["allow"], url
    r = client.get("/static", follow_redirects=False)
    assert r.status_code == 404 and "location" not in r.headers
    assert client.get("/healthz", headers={"host": "evil.example"}).status_code == 400


def test_no_answer_names_an_absolute_path(client, keyword_index_dir):
    body = client.get("/healthz").text + client.get("/api/search", params={"q": "x", "mode": "semantic"}).text
    assert str(keyword_index_dir) not in body and str(keyword_index_dir.resolve()) not in body


def test_a_swapped_out_generation_stays_leased_until_the_work_of_a_gone_client_ends(tmp_path, keyword_index_dir):
    """A client that leaves ends its request, not its thread: the writer must not remove what the thread reads."""
    import shutil
    from types import SimpleNamespace

    from indexer import index_format as fmt
    from web.heavy import run_heavy
    from web.reload import LiveIndex
    from web.state import load_state

    index_dir = tmp_path / "index"
    shutil.copytree(keyword_index_dir, index_dir, ignore=shutil.ignore_patterns("*.lock"))
    old_name = fmt.read_pointer(index_dir)
    number = fmt.generation_number(old_name) + 1
    shutil.copytree(index_dir / old_name, index_dir / fmt.generation_name(number))
    live = LiveIndex(load_state(index_dir, warm_model=False))
    pool = HeavyPool(workers=1, queue=0)
    request = SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(jumelage_heavy=pool, jumelage_live=live)))

    async def scenario() -> None:
        started, gate = threading.Event(), threading.Event()
        state = live.acquire()  # what PinGeneration does when the request arrives
        request.scope = {"jumelage": state}

        def work() -> int:
            started.set()
            gate.wait(10)
            return len(state.index.store.passages)

        task = asyncio.ensure_future(run_heavy(request, work))
        while not started.is_set():
            await asyncio.sleep(0.01)
        task.cancel()  # the client went away
        live.release(state)  # PinGeneration's finally
        fmt.write_pointer(index_dir, fmt.generation_name(number))
        assert live.check()  # the new generation is served; the old one is retired
        assert old_name not in fmt.remove_unused_generations(index_dir, keep=fmt.generation_name(number))
        gate.set()
        while pool.admitted:
            await asyncio.sleep(0.01)
        assert fmt.remove_unused_generations(index_dir, keep=fmt.generation_name(number)) == [old_name]

    try:
        asyncio.run(scenario())
    finally:
        pool.shutdown()
        live.current.close()
