"""``jumelage eval-echoes``: calibrate echoes on labelled sentence pairs; sample emitted pairs for a reader."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from indexer.echo_calibration import calibrate, judge_emitted, load_pairs, sample_emitted
from indexer.echoes import COMMITMENT_PAIR_THRESHOLD, ECHO_THRESHOLD, build_space
from indexer.index_format import resolve_index_dir
from jumelage.commands.common import add_index_option, existing_file, print_json
from search.errors import BadRequest
from search.index_reader import open_index

DEFAULT_PAIRS = Path("tests/data/echo_sentence_pairs.jsonl")


def register(sub) -> None:
    p = sub.add_parser(
        "eval-echoes",
        help="precision/recall of echoes on labelled sentence pairs (fit/test halves)",
        description="Fit the echo threshold on one half of the labelled pairs, report precision and "
        "recall on the other; optionally write a random sample of the emitted echoes "
        "for a reader who did not build the detector.",
    )
    p.add_argument(
        "file",
        nargs="?",
        type=existing_file,
        default=None,
        metavar="FILE.jsonl",
        help=f"labelled pairs {{a, b, echo, reason}} (default: {DEFAULT_PAIRS})",
    )
    p.add_argument("--sample-out", metavar="FILE", help="write random emitted French echo pairs here (JSONL)")
    p.add_argument("--sample", type=int, default=40, metavar="N", help="size of that sample (default: 40)")
    p.add_argument(
        "--judged",
        type=existing_file,
        metavar="FILE.jsonl",
        help="a reader's verdicts on emitted pairs {a, a_sentence, b, b_sentence, verdict}: strict precision",
    )
    p.add_argument(
        "--true-list",
        type=existing_file,
        metavar="FILE.jsonl",
        help="a reader's list of true echoes {a, a_sentence, b, b_sentence, grade}: recall (clear, all)",
    )
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    add_index_option(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    path = args.file or DEFAULT_PAIRS
    if not path.is_file():
        raise BadRequest(f"{path} not found: give the labelled pairs as an argument")
    if args.sample < 1:
        raise BadRequest(f"--sample must be at least 1, got {args.sample}")
    # The reader's files are checked before the index is opened: a bad line fails at once.
    judged = _reader_rows(args.judged, "verdict")
    listed = _reader_rows(args.true_list, "grade")
    index = open_index(resolve_index_dir(args.index))
    if index.vectors is None:
        raise BadRequest(
            f"the index at {index.directory} has no vectors: re-index with `jumelage index` (not --keyword-only)"
        )
    store = index.store
    sentences = None if index.sentence_vectors is None else (index.sentence_vectors, index.sentence_spans)
    space = build_space(store.passages, store.documents, np.asarray(index.vectors), sentences)
    try:
        pairs = load_pairs(path)
        unknown = [k for p in pairs for k in (p.a, p.b) if k not in space.index_of]
        if unknown:
            raise ValueError(f"{path}: sentence {unknown[0]!r} is not in the index")
    except ValueError as err:
        raise BadRequest(str(err)) from None
    report = {
        **calibrate(space, pairs),
        "stored_threshold": ECHO_THRESHOLD,
        "stored_commitment_pair_threshold": COMMITMENT_PAIR_THRESHOLD,
    }
    citations = index.citations
    echoes = {
        pid: items
        for pid, items in ((citations.echoes if citations else None) or {}).items()
        if pid.split(":")[0].endswith("-fr")
    }
    texts = {p.passage_id: p.text for p in store.passages}
    if args.judged or args.true_list:
        report["independent"] = judge_emitted(sample_emitted(echoes, texts, 10**9), judged, listed)
    if args.sample_out:
        rows = sample_emitted(echoes, texts, args.sample)
        Path(args.sample_out).write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
        )
        report["sample"] = {"file": args.sample_out, "pairs": len(rows)}
    if args.json:
        print_json(report)
    else:
        print(
            f"thresholds fitted on the fit half: {report['threshold']} (stored: {ECHO_THRESHOLD}); "
            f"two commitments {report['commitment_pair_threshold']} (stored: {COMMITMENT_PAIR_THRESHOLD}); "
            f"at least {report['min_shared']} shared key terms"
        )
        for half in ("fit", "test", "all"):
            m = report[half]
            print(
                f"{half:<5} pairs {m['pairs']:>4}  echoes {m['echoes']:>3}  tp {m['tp']:>3}  fp {m['fp']:>3}  "
                f"precision {m['precision']:.3f}  recall {m['recall']:.3f}"
            )
        if "independent" in report:
            ind = report["independent"]
            print(
                f"independent: strict precision {ind['strict_echo']}/{ind['judged']} judged "
                f"({len(ind['unjudged'])} emitted pairs not judged); recall clear "
                f"{ind['recall_clear']['found']}/{ind['recall_clear']['listed']}, all "
                f"{ind['recall_all']['found']}/{ind['recall_all']['listed']}"
            )
        if args.sample_out:
            print(f"sample: {report['sample']['pairs']} emitted pairs written to {args.sample_out}")
    return 0


def _reader_rows(path: Path | None, field: str) -> list[dict]:
    """JSON lines with ``a``, ``a_sentence``, ``b``, ``b_sentence`` and ``field``; BadRequest naming the line."""
    rows: list[dict] = []
    if path is None:
        return rows
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except ValueError as err:
            raise BadRequest(f"{path}:{number}: not a JSON object ({err})") from None
        missing = [
            k for k in ("a", "a_sentence", "b", "b_sentence", field) if not isinstance(row, dict) or k not in row
        ]
        if missing:
            raise BadRequest(
                f"{path}:{number}: missing {', '.join(missing)}; each line needs a, a_sentence, b, b_sentence, {field}"
            )
        rows.append(row)
    return rows
