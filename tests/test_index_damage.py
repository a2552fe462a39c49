"""A damaged generation: every file truncated, emptied or deleted gives one line naming it, CLI and server.

The server check runs through ``jumelage serve`` itself (in process: it refuses
before uvicorn starts); one real server process per kind of damage is started
by the slow test at the end.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from indexer import index_format as fmt
from indexer.build import build_index
from indexer.manifest import IndexUnusable
from jumelage.cli import main
from search.index_reader import open_index
from tests.helpers import ROOT
from tests.lifecycle_helpers import HashEncoder

# Every file of a generation built with vectors (whoosh files are found by suffix), and the pointer.
FILES = [
    "CURRENT",
    "manifest.json",
    "passages.sqlite",
    "whoosh/*.seg",
    "whoosh/*.toc",
    "vectors.npy",
    "vector_ids.json",
    "sentence_vectors.npy",
    "sentences.json",
    "citations.json",
]
DAMAGE = ["truncate", "empty", "delete"]


@pytest.fixture(scope="module")
def template(tmp_path_factory, corpus):
    target = tmp_path_factory.mktemp("damage") / "index"
    build_index(corpus, target, HashEncoder())
    return target


def _victim(index_dir, pattern: str):
    if pattern == "CURRENT":
        return index_dir / fmt.POINTER_FILE
    matches = sorted(fmt.current_generation_dir(index_dir).glob(pattern))
    assert len(matches) == 1, (pattern, matches)
    return matches[0]


def _damage(path, how: str) -> None:
    if how == "delete":
        path.unlink()
    elif how == "empty":
        path.write_bytes(b"")
    else:
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])


def _expected_name(pattern: str, path) -> str:
    return (
        fmt.POINTER_FILE
        if pattern == "CURRENT"
        else path.relative_to(path.parents[1 if "/" not in pattern else 2]).as_posix()
    )


@pytest.fixture
def damaged(request, template, tmp_path):
    pattern, how = request.param
    index_dir = tmp_path / "index"
    shutil.copytree(template, index_dir)
    victim = _victim(index_dir, pattern)
    name = _expected_name(pattern, victim)
    _damage(victim, how)
    return index_dir, name


CASES = [pytest.param((f, d), id=f"{f.replace('/*', '-')}-{d}") for f in FILES for d in DAMAGE]


def _one_line(err: str, name: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert name in lines[0], (name, lines[0])
    assert "jumelage index" in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("damaged", CASES, indirect=True)
def test_reader_cli_and_server_refuse_a_damaged_file_in_one_line(damaged, capsys):
    index_dir, name = damaged
    with pytest.raises(IndexUnusable) as err:
        open_index(index_dir)
    assert name in str(err.value) and str(err.value).startswith("index damaged: "), str(err.value)
    assert main(["search", "séisme", "--mode", "keyword", "--index", str(index_dir)]) == 2
    cli_line = _one_line(capsys.readouterr().err, name)
    assert main(["serve", "--index", str(index_dir), "--port", "0"]) == 2
    assert _one_line(capsys.readouterr().err, name) == cli_line


@pytest.mark.parametrize("pattern", ["passages.sqlite", "whoosh/*.seg", "vectors.npy", "citations.json"])
def test_a_same_size_corruption_fails_its_checksum(template, tmp_path, pattern):
    index_dir = tmp_path / "index"
    shutil.copytree(template, index_dir)
    victim = _victim(index_dir, pattern)
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0x5A
    victim.write_bytes(bytes(data))
    with pytest.raises(IndexUnusable, match=f"{victim.name} fails its checksum; run `jumelage index"):
        open_index(index_dir, verify="full")


def test_reindexing_repairs_a_damaged_index(template, tmp_path, corpus):
    index_dir = tmp_path / "index"
    shutil.copytree(template, index_dir)
    _damage(_victim(index_dir, "whoosh/*.seg"), "truncate")
    build_index(corpus, index_dir, None)
    assert len(open_index(index_dir).store) > 0


@pytest.mark.slow
@pytest.mark.parametrize(
    "pattern,how", [("whoosh/*.seg", "truncate"), ("vectors.npy", "delete"), ("passages.sqlite", "empty")]
)
def test_a_real_server_process_refuses_to_start_in_one_line(template, tmp_path, pattern, how):
    index_dir = tmp_path / "index"
    shutil.copytree(template, index_dir)
    victim = _victim(index_dir, pattern)
    name = _expected_name(pattern, victim)
    _damage(victim, how)
    done = subprocess.run(
        [sys.executable, "-m", "jumelage.cli", "serve", "--index", str(index_dir), "--port", "0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    _one_line(done.stderr, name)
