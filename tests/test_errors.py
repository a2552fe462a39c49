"""User errors are one line and exit 2; anything else is a bug with its traceback (exit 1)."""

from __future__ import annotations

import pytest

from indexer.errors import JumelageError, UnreadableFile, read_user_text
from jumelage import cli


def _main_with(monkeypatch, exc: BaseException) -> int:
    """Run ``jumelage passages`` with its command body replaced by one that raises ``exc``."""
    from jumelage.commands import passages_cmd

    def boom(args):
        raise exc

    monkeypatch.setattr(passages_cmd, "run", boom)
    return cli.main(["passages"])


def test_every_user_error_class_is_a_jumelage_error():
    from indexer.alignment import AlignmentError
    from indexer.corpus import CorpusError
    from indexer.errors import ModelUnavailable
    from indexer.manifest import IndexUnusable
    from search.errors import BadRequest, NotFound

    for cls in (AlignmentError, CorpusError, IndexUnusable, BadRequest, NotFound, ModelUnavailable, UnreadableFile):
        assert issubclass(cls, JumelageError), cls


def test_a_user_error_is_one_line_and_exit_2(monkeypatch, capsys):
    from search.errors import NotFound

    assert _main_with(monkeypatch, NotFound("no passage 2012-chartres-fr:999")) == 2
    err = capsys.readouterr().err
    assert err == "jumelage: error: no passage 2012-chartres-fr:999\n"


@pytest.mark.parametrize("bug", [ValueError("bad shape"), OSError(5, "I/O error"), KeyError("row")])
def test_a_bug_is_not_mistaken_for_bad_input(monkeypatch, bug):
    # Propagating out of main() is what makes Python print the traceback and exit 1.
    with pytest.raises(type(bug)):
        _main_with(monkeypatch, bug)


def test_unreadable_user_files_name_the_file(tmp_path):
    latin1 = tmp_path / "queries.jsonl"
    latin1.write_bytes('{"query": "séisme"}\n'.encode("latin-1"))
    with pytest.raises(UnreadableFile, match=r"batch file .*queries\.jsonl is not UTF-8"):
        read_user_text(latin1, "batch file")
    with pytest.raises(UnreadableFile, match="is a directory"):
        read_user_text(tmp_path, "batch file")
    with pytest.raises(UnreadableFile, match="does not exist"):
        read_user_text(tmp_path / "missing.jsonl", "evaluation file")


def test_batch_file_not_utf8_exits_2_in_one_line(keyword_index_dir, tmp_path, capsys):
    batch = tmp_path / "batch.jsonl"
    batch.write_bytes('{"id": 1, "query": "séisme"}\n'.encode("latin-1"))
    assert cli.main(["search", "--batch", str(batch), "--mode", "keyword", "--index", str(keyword_index_dir)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not UTF-8" in err and "Traceback" not in err


def test_batch_bad_lines_are_reported_and_the_good_ones_answered(keyword_index_dir, tmp_path, capsys):
    import json

    batch = tmp_path / "batch.jsonl"
    batch.write_text('{"id": "a", "query": "séisme", "mode": "keyword"}\nnot json\n[1, 2]\n', encoding="utf-8")
    assert cli.main(["search", "--batch", str(batch), "--index", str(keyword_index_dir)]) == 2
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert out[0]["id"] == "a" and out[0]["total"] == 2
    assert out[1] == {"id": 2, "error": "not JSON (Expecting value at column 1)"}
    assert out[2]["id"] == 3 and "JSON object" in out[2]["error"]


def test_eval_file_not_utf8_exits_2(keyword_index_dir, tmp_path, capsys):
    bad = tmp_path / "dev.jsonl"
    bad.write_bytes(b"\xff\xfe{}\n")
    assert cli.main(["eval", str(bad), "--index", str(keyword_index_dir)]) == 2
    assert "evaluation file" in capsys.readouterr().err


def test_eval_baseline_not_json_exits_2(keyword_index_dir, tmp_path, capsys):
    from tests.helpers import EVAL_FILE

    baseline = tmp_path / "baseline.json"
    baseline.write_text("{oops", encoding="utf-8")
    args = [
        "eval",
        str(EVAL_FILE),
        "--mode",
        "keyword",
        "--check-baseline",
        str(baseline),
        "--index",
        str(keyword_index_dir),
    ]
    assert cli.main(args) == 2
    assert "baseline file" in capsys.readouterr().err


def test_a_corpus_text_that_is_not_utf8_is_a_corpus_error(corpus, tmp_path):
    import shutil

    from indexer.corpus import CorpusError, load_corpus

    root = tmp_path / "corpus"
    shutil.copytree(corpus.root, root)
    doc = load_corpus(root).documents[0]
    (root / doc.path).write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(CorpusError, match=f"{doc.id}.*not UTF-8"):
        load_corpus(root).read_text(doc)


def test_an_index_path_under_a_file_fails_before_any_work(tmp_path, capsys):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x", encoding="utf-8")
    code = cli.main(["index", "--keyword-only", "--index", str(blocker / "index")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "is a file" in err
    assert blocker.read_text(encoding="utf-8") == "x"  # nothing changed
