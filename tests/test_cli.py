"""The command line as a user meets it: exit codes, one-line errors, JSON shapes."""

import json

import pytest

from tests.helpers import EVAL_FILE, run_cli


@pytest.fixture(scope="module")
def index_args(keyword_index_dir):
    return ["--index", str(keyword_index_dir)]


def _commands() -> list[str]:
    from jumelage.cli import build_parser

    parser = build_parser()
    (sub,) = [a for a in parser._actions if a.dest == "command"]
    return sorted(sub.choices)


@pytest.mark.parametrize("command", _commands())
def test_every_command_has_help(command):
    done = run_cli(command, "--help")
    assert done.returncode == 0 and "usage: jumelage " + command in done.stdout


def test_search_json_shape(index_args):
    done = run_cli("search", "séisme", "--mode", "keyword", "--json", *index_args)
    assert done.returncode == 0, done.stderr
    response = json.loads(done.stdout)
    assert response["query"] == "séisme" and response["mode"] == "keyword" and response["total"] == 2
    assert response["results"][0]["snippet_html"].count("<mark>") == 1


def test_plain_output_is_readable(index_args):
    done = run_cli("search", "Takamatsu", "--mode", "keyword", *index_args)
    assert done.returncode == 0 and "[Takamatsu]" in done.stdout and "<mark>" not in done.stdout


def test_plain_output_suggests_a_correction_for_a_misspelt_query(index_args):
    done = run_cli("search", "tourisne", "--mode", "keyword", *index_args)
    assert done.returncode == 0, done.stderr
    assert "did you mean: 'tourisme'?" in done.stdout.splitlines()[1]


def test_index_env_variable_is_honoured_and_flag_wins(keyword_index_dir, tmp_path):
    env = {"JUMELAGE_INDEX": str(keyword_index_dir)}
    assert run_cli("search", "Takamatsu", "--mode", "keyword", env=env).returncode == 0
    done = run_cli("search", "Takamatsu", "--mode", "keyword", "--index", str(tmp_path / "none"), env=env)
    assert done.returncode == 2 and "no index at" in done.stderr


@pytest.mark.parametrize(
    "args,message",
    [
        (["search", ""], "empty"),
        (["search", "   "], "empty"),
        (["search", "x", "--mode", "fuzzy"], "unknown mode"),
        (["search", "x", "--limit", "0"], "limit"),
        (["search", "x", "--limit", "1001"], "limit"),
        (["search", "x", "--offset", "-3"], "offset"),
        (["search", "x", "--doc", "nope", "--mode", "keyword"], "unknown doc"),
        (["passages", "--doc", "nope"], "unknown doc"),
        (["eval", "no-such-file.jsonl"], "not a readable file"),
        (["search"], "empty"),
    ],
)
def test_bad_input_exits_2_with_one_line(index_args, args, message):
    done = run_cli(*args, *index_args)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and message in lines[0] and "Traceback" not in done.stderr


def test_missing_and_corrupt_index(tmp_path):
    done = run_cli("search", "x", "--index", str(tmp_path / "missing"))
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "jumelage index" in done.stderr
    (tmp_path / "CURRENT").write_text("gen-000001\n", encoding="utf-8")
    (tmp_path / "gen-000001").mkdir()
    (tmp_path / "gen-000001" / "manifest.json").write_text("[]", encoding="utf-8")
    done = run_cli("passages", "--index", str(tmp_path))
    assert done.returncode == 2 and "gen-000001/manifest.json is unreadable" in done.stderr
    assert "Traceback" not in done.stderr


def test_batch_prints_one_object_per_line_with_its_id(index_args, tmp_path):
    batch = tmp_path / "queries.jsonl"
    batch.write_text(
        '{"id": "a", "query": "séisme", "mode": "keyword"}\n'
        '{"id": "b", "query": "Takamatsu", "mode": "keyword", "limit": 1}\n',
        encoding="utf-8",
    )
    done = run_cli("search", "--batch", str(batch), "--json", *index_args)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line["id"] for line in lines] == ["a", "b"]
    assert lines[0]["total"] == 2 and len(lines[1]["results"]) == 1


def test_batch_reports_a_bad_line_and_goes_on(index_args, tmp_path):
    batch = tmp_path / "queries.jsonl"
    batch.write_text(
        '{"id": "a", "query": ""}\nnot json\n{"id": "c", "query": "Saku", "mode": "keyword"}\n', encoding="utf-8"
    )
    done = run_cli("search", "--batch", str(batch), *index_args)
    assert done.returncode == 2
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert "error" in lines[0] and "error" in lines[1] and lines[2]["total"] >= 1


def test_passages_jsonl(index_args, passages):
    done = run_cli("passages", "--doc", "2010-kanazawa-fr", "--json", *index_args)
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    expected = [p for p in passages if p.doc_id == "2010-kanazawa-fr"]
    assert len(rows) == len(expected)
    assert set(rows[0]) >= {
        "passage_id",
        "doc_id",
        "lang",
        "section",
        "ordinal",
        "text",
        "start",
        "end",
        "aligned_passage_ids",
    }
    assert rows[5]["passage_id"] == "2010-kanazawa-fr:5" and rows[5]["ordinal"] == 5


def test_eval_keyword_report(index_args):
    done = run_cli("eval", str(EVAL_FILE), "--mode", "keyword", "--json", *index_args)
    assert done.returncode == 0, done.stderr
    (report,) = json.loads(done.stdout)["reports"]
    summary = report["summary"]
    assert summary["all"]["queries"] == len(EVAL_FILE.read_text(encoding="utf-8").splitlines())
    assert summary["fr"]["ndcg"] > 0.8  # keyword search finds the French keyword queries' anchors
    assert 0.0 <= summary["all"]["recall"] <= 1.0
