"""``jumelage eval-commitments``: precision and recall of commitment detection on a labelled set."""

from __future__ import annotations

import argparse
from pathlib import Path

from indexer.commitment_eval import LabelFileError, evaluate_commitments, load_labels
from indexer.commitments import ACTS, detect_commitments
from indexer.corpus import DEFAULT_CORPUS_DIR, load_corpus
from indexer.corpus_passages import build_passages
from jumelage.commands.common import existing_file, print_json
from search.errors import BadRequest

DEFAULT_LABELS = Path("tests/data/commitments.jsonl")


def register(sub) -> None:
    p = sub.add_parser(
        "eval-commitments",
        help="precision/recall of commitment detection on labelled sentences",
        description="Detect commitments in the corpus and score them against sentences labelled "
        "by hand ({passage_id, text, commitment, act} lines), per language and per act.",
    )
    p.add_argument(
        "file",
        nargs="?",
        type=existing_file,
        default=None,
        metavar="FILE.jsonl",
        help=f"labelled sentences (default: {DEFAULT_LABELS})",
    )
    p.add_argument(
        "--corpus", metavar="DIR", default=str(DEFAULT_CORPUS_DIR), help="corpus directory (default: corpus)"
    )
    p.add_argument("--json", action="store_true", help="print the full report, errors included, as JSON")
    p.set_defaults(run=run)


def _table(report: dict) -> str:
    lines = [f"{'lang':<5} {'act':<8} {'labelled':>8} {'found':>6} {'P':>7} {'R':>7}"]
    for lang in ("fr", "ja"):
        if lang not in report:
            continue
        rows = [("all", report[lang]["all"])] + [(a, report[lang]["acts"][a]) for a in ACTS]
        for act, m in rows:
            lines.append(
                f"{lang:<5} {act:<8} {m['labelled']:>8} {m['predicted']:>6} {m['precision']:>7.3f} {m['recall']:>7.3f}"
            )
    for lang in ("fr", "ja"):
        if lang in report:
            m = report[lang]["subjects"]
            lines.append(
                f"{lang:<5} subjects other than « nous »: {m['found']}/{m['labelled']} found, {m['spurious']} invented"
            )
    for e in report["errors"]:
        lines.append(f"  {e['passage_id']}: detected {e['detected']}, labelled {e['labelled']}: {e['text'][:70]}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    path = args.file or DEFAULT_LABELS
    if not path.is_file():
        raise BadRequest(f"{path} not found: give the labelled file as an argument")
    try:
        labels = load_labels(path)
    except LabelFileError as err:
        raise BadRequest(str(err)) from None
    detected = detect_commitments(build_passages(load_corpus(Path(args.corpus))))
    report = evaluate_commitments(labels, detected)
    print_json(report) if args.json else print(_table(report))
    return 0
