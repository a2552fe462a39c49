"""What a new user's trial of the command line found: closed pipes, unwritable targets, ignored options."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from indexer.corpus import load_corpus
from tests.helpers import CORPUS, ROOT

TAKAMATSU = (
    "# Déclaration de Takamatsu\n\nNous, réunis à Takamatsu pour les 4èmes Rencontres, rappelons la "
    "déclaration de Kanazawa.\n\n- Nous nous engageons à coopérer.\n"
)


@pytest.fixture()
def workspace(tmp_path, keyword_index_dir) -> tuple[Path, Path]:
    """A copy of the corpus and of its keyword index, for commands that write."""
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(CORPUS, corpus)
    shutil.copytree(keyword_index_dir, index, symlinks=True)
    return corpus, index


def _run_with_stderr_closed(*args: str) -> tuple[int, str]:
    """``jumelage ARGS 2>&1 | head -1`` without the shell: stderr's reader is gone before the first line."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "jumelage.cli", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None and proc.stdout is not None
    proc.stderr.close()
    out = proc.stdout.read()
    return proc.wait(timeout=300), out


def _indexed_documents(index: Path) -> set[str]:
    from indexer.index_format import read_manifest

    return set(read_manifest(index).documents)


def test_remove_with_a_closed_stderr_still_removes_the_document(workspace):
    corpus, index = workspace
    rc, out = _run_with_stderr_closed(
        "remove", "2012-chartres-ja", "--force", "--corpus", str(corpus), "--index", str(index), "--keyword-only"
    )
    assert (rc, out) == (0, "removed 2012-chartres-ja\n")
    assert "2012-chartres-ja" not in {d.id for d in load_corpus(corpus).documents}
    assert not (corpus / "ja" / "2012-chartres.txt").exists()
    assert "2012-chartres-ja" not in _indexed_documents(index)


def test_add_with_a_closed_stderr_still_adds_the_document(workspace, tmp_path):
    corpus, index = workspace
    source = tmp_path / "takamatsu.md"
    source.write_text(TAKAMATSU, encoding="utf-8")
    rc, out = _run_with_stderr_closed(
        "add", str(source), "--id", "2014-takamatsu-fr", "--lang", "fr", "--corpus", str(corpus), "--index", str(index)
    )
    assert rc == 0 and out.startswith("added 2014-takamatsu-fr:")
    assert "2014-takamatsu-fr" in {d.id for d in load_corpus(corpus).documents}
    assert "2014-takamatsu-fr" in _indexed_documents(index)


def test_a_reader_that_leaves_stdout_early_is_a_quiet_success(keyword_index_dir):
    """``jumelage passages --json | head -1``: exit 0 and no "Exception ignored" on stderr."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "jumelage.cli", "passages", "--json", "--index", str(keyword_index_dir)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().startswith("{")
    proc.stdout.close()
    _, err = proc.communicate(timeout=300)
    assert (proc.returncode, err) == (0, "")


UNWRITABLE = Path("/proc/jumelage-test")  # exists on Linux; even root cannot create a folder in /proc


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc")
@pytest.mark.parametrize(
    ("args", "flag"),
    [
        (["model", "build", "--dest", str(UNWRITABLE)], "--dest"),
        (["index", "--keyword-only", "--index", str(UNWRITABLE)], "--index"),
    ],
)
def test_a_target_no_folder_can_be_created_in_is_one_line_naming_the_flag(capsys, args, flag):
    from jumelage.cli import main

    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(UNWRITABLE) in err and f"choose another path with {flag}" in err


def test_the_first_build_says_it_builds_rather_than_reporting_a_missing_index(capsys, tmp_path):
    from jumelage.cli import main

    index = tmp_path / "index"
    assert main(["index", "--keyword-only", "--if-stale", "--index", str(index)]) == 0
    first = capsys.readouterr().err.splitlines()[0]
    assert first == f"jumelage: building {index} (no index there yet)"


def _one_line_error(capsys, args: list[str]) -> str:
    from jumelage.cli import main

    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("jumelage: error: ")
    return err


def test_a_query_given_with_batch_is_refused_not_dropped(capsys, keyword_index_dir, tmp_path):
    batch = tmp_path / "q.jsonl"
    batch.write_text('{"id": "q1", "query": "tourisme"}\n', encoding="utf-8")
    err = _one_line_error(capsys, ["search", "séisme", "--batch", str(batch), "--index", str(keyword_index_dir)])
    assert "not both" in err and "'séisme'" in err


@pytest.mark.parametrize("fusion", [[], ["--fusion", "rrf"]])
def test_alpha_without_weighted_fusion_is_refused_not_ignored(capsys, keyword_index_dir, fusion):
    args = ["search", "tourisme", "--mode", "keyword", "--alpha", "0.2", *fusion, "--index", str(keyword_index_dir)]
    assert "--fusion weighted" in _one_line_error(capsys, args)


def test_alpha_without_weighted_fusion_on_a_batch_line_is_that_lines_error(capsys, keyword_index_dir, tmp_path):
    from jumelage.cli import main

    batch = tmp_path / "q.jsonl"
    batch.write_text(
        '{"id": "a", "query": "tourisme", "alpha": 0.2}\n'
        '{"id": "b", "query": "tourisme", "alpha": 0.2, "fusion": "weighted"}\n',
        encoding="utf-8",
    )
    assert main(["search", "--batch", str(batch), "--mode", "keyword", "--index", str(keyword_index_dir)]) == 2
    first, second = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert first["id"] == "a" and "weighted fusion" in first["error"]
    assert second["id"] == "b" and "error" not in second


def test_alpha_with_weighted_fusion_or_left_out_is_accepted():
    from search.request import check_alpha_applies

    check_alpha_applies("weighted", "0.2")
    check_alpha_applies(None, None)  # left out: the default, whatever the fusion
    check_alpha_applies("rrf", "")


@pytest.mark.parametrize(
    ("name", "content", "encoding", "message"),
    [
        ("t.txt", "\ufeff" + TAKAMATSU, "bogus", "unknown encoding 'bogus'"),  # the BOM used to win silently
        ("t.md", TAKAMATSU, "base64", "unknown encoding 'base64'"),  # a codec, but bytes to bytes
        ("t.docx", None, "cp1252", "leave --encoding out"),  # DOCX has its own: cp1252 did nothing
    ],
)
def test_an_encoding_that_cannot_apply_is_refused_before_anything_changes(
    capsys, tmp_path, passages, name, content, encoding, message
):
    from tests.renderings import render_docx

    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    source = tmp_path / name
    if content is None:
        render_docx([p for p in passages if p.doc_id == "2010-kanazawa-fr"][:5], source)
    else:
        source.write_text(content, encoding="utf-8")
    before = (corpus / "declarations.toml").read_bytes()
    args = ["add", str(source), "--id", "2014-t-fr", "--lang", "fr", "--corpus", str(corpus), "--no-index"]
    assert message in _one_line_error(capsys, [*args, "--encoding", encoding])
    assert (corpus / "declarations.toml").read_bytes() == before
