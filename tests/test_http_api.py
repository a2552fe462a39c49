"""The HTTP API in process (Starlette TestClient): JSON, 400s, healthz."""

import pytest


def test_search_same_json_as_cli(client):
    r = client.get("/api/search", params={"q": "séisme", "mode": "keyword"})
    assert r.status_code == 200
    body = r.json()
    assert body["total"] == 2 and body["results"][0]["doc_id"] == "2012-chartres-fr"


@pytest.mark.parametrize(
    "params",
    [
        {"q": ""},
        {"q": "x", "mode": "nope"},
        {"q": "x", "limit": "-1"},
        {"q": "x", "offset": "abc"},
        {"q": "x", "lang": "en"},
        {"q": "x", "doc": "nope", "mode": "keyword"},
        {},
    ],
)
def test_bad_parameters_are_400_with_a_message(client, params):
    r = client.get("/api/search", params=params)
    assert r.status_code == 400 and r.json()["error"]


def test_healthz_reports_the_manifest(client, keyword_index_dir):
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["manifest"]["passages"] > 100


def test_load_client_refuses_other_hosts_and_bad_bounds():
    from bench.load import run_load

    with pytest.raises(ValueError, match=r"127\.0\.0\.1"):
        run_load("http://example.org", seconds=1)
    with pytest.raises(ValueError):
        run_load("http://127.0.0.1:9", seconds=0)


def test_load_client_percentiles():
    from bench.load import percentile

    values = sorted(float(v) for v in range(1, 101))
    assert percentile(values, 50) == 50.0 and percentile(values, 99) == 99.0 and percentile([], 50) == 0.0


def test_load_client_counts_failures_as_errors():
    from bench.load import run_load

    figures = run_load("http://127.0.0.1:9", seconds=0.3, concurrency=2)  # nothing listens on port 9
    assert figures["requests"] > 0 and figures["errors"] == figures["requests"]
