"""Hot reload: a live server, a rebuild published under it, four threads probing throughout.

Every answer must come wholly from the old generation or wholly from the new
one (each result's text checked against that generation's passage store), no
answer may be a 5xx, and the new declaration must be served within 5 s of the
build's end.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time

import httpx
import pytest

from indexer import index_format as fmt
from indexer.build import build_index
from indexer.corpus import load_corpus
from search.index_reader import open_index
from tests.helpers import CORPUS, ROOT
from tests.lifecycle_helpers import NEW_DOC, NEW_WORD, corpus_with_inserted_declaration
from web.reload import GENERATION_HEADER

QUERIES = ["高松", "Takamatsu", NEW_WORD, "séisme", "tourisme culturel"]
PROBES = 4
RELOAD_DEADLINE_S = 5.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _texts(index_dir) -> tuple[str, dict[str, str]]:
    index = open_index(index_dir)
    try:
        return index.generation, {p.passage_id: p.text for p in index.store.passages}
    finally:
        index.close()


def _wait_until_up(base: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert server.poll() is None, server.stderr.read() if server.stderr else ""
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError("the server did not start")


@pytest.mark.slow
def test_a_live_server_switches_generations_without_mixing_them(tmp_path, corpus):
    target = tmp_path / "index"
    build_index(corpus, target, None)
    old_gen, old_texts = _texts(target)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [sys.executable, "-m", "jumelage.cli", "serve", "--index", str(target), "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    answers: list[tuple[float, int, str, str, list[tuple[str, str]]]] = []
    stop = threading.Event()

    def probe(offset: int) -> None:
        with httpx.Client(base_url=base, timeout=30) as client:
            i = offset
            while not stop.is_set():
                query = QUERIES[i % len(QUERIES)]
                i += 1
                response = client.get("/api/search", params={"q": query, "mode": "keyword", "limit": 50})
                results = response.json().get("results", []) if response.status_code == 200 else []
                answers.append(
                    (
                        time.monotonic(),
                        response.status_code,
                        response.headers.get(GENERATION_HEADER.decode(), ""),
                        query,
                        [(r["passage_id"], r["text"]) for r in results],
                    )
                )

    try:
        _wait_until_up(base, server)
        threads = [threading.Thread(target=probe, args=(i,)) for i in range(PROBES)]
        for thread in threads:
            thread.start()
        time.sleep(1.0)
        bigger = load_corpus(corpus_with_inserted_declaration(CORPUS, tmp_path / "corpus-plus"))
        build_index(bigger, target, None)
        built_at = time.monotonic()
        new_gen, new_texts = _texts(target)
        deadline = built_at + RELOAD_DEADLINE_S + 3
        while time.monotonic() < deadline and not any(a[2] == new_gen and a[0] > built_at + 1 for a in answers):
            time.sleep(0.1)
        time.sleep(1.0)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        health = httpx.get(f"{base}/healthz", timeout=10).json()
    finally:
        stop.set()
        server.terminate()
        server.wait(timeout=30)
        if server.stderr:
            server.stderr.close()

    assert health["generation"] == new_gen
    assert {status for _, status, *_ in answers} == {200}, "an answer was not 200"
    by_gen = {old_gen: old_texts, new_gen: new_texts}
    for _, _, gen, query, results in answers:
        assert gen in by_gen, gen
        for pid, text in results:
            assert by_gen[gen].get(pid) == text, f"{query!r}: {pid} does not hold this text in {gen}"
    first_new = min(a[0] for a in answers if a[2] == new_gen)
    delay = first_new - built_at
    print(f"\n{len(answers)} answers; new generation served {delay:.2f} s after the build ended")
    assert delay <= RELOAD_DEADLINE_S
    assert any(a[2] == old_gen for a in answers) and any(a[2] == new_gen for a in answers)
    served_new = [r for _, _, gen, q, r in answers if gen == new_gen and q == NEW_WORD]
    assert served_new and all(any(pid.startswith(NEW_DOC) for pid, _ in r) for r in served_new)
    assert not any(r for _, _, gen, q, r in answers if gen == old_gen and q == NEW_WORD)
    # The old generation was given back once its last request ended: the next build removes it.
    build_index(bigger, target, None)
    assert not (target / old_gen).exists()
    assert fmt.read_pointer(target) != new_gen
