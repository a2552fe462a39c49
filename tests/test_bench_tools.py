"""The benchmark tools of `make bench` still run: each module imports, and the soak runs end to end."""

from __future__ import annotations

import importlib
import json
import pkgutil
import subprocess
import sys

import pytest

import bench
from tests.helpers import ROOT


@pytest.mark.parametrize("name", sorted(m.name for m in pkgutil.iter_modules(bench.__path__)))
def test_every_bench_module_imports(name):
    """`make bench` found `bench.soak` importing a function that a refactor had removed."""
    assert importlib.import_module(f"bench.{name}")


@pytest.mark.slow
def test_the_soak_serves_requests_and_writes_its_verdict(tmp_path, keyword_index_dir):
    out = tmp_path / "soak.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.soak",
            "--index",
            str(keyword_index_dir),
            "--warmup",
            "2",
            "--seconds",
            "3",
            "--every",
            "1",
            "--concurrency",
            "2",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(out.read_text("utf-8"))
    assert result["requests_soak"].get("200", 0) > 0 and isinstance(result["passed"], bool)
    assert len(result["curve"]) >= 3 and all(rss > 0 for _, rss in result["curve"])
