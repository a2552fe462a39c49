"""``jumelage eval``: nDCG@10, Recall@10 and MRR@10 per mode, overall and per query language."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from indexer.errors import UnreadableFile, read_user_text
from jumelage.commands.common import add_index_option, add_model_option, existing_file, open_service, print_json
from search.errors import BadRequest
from search.evaluation import (
    REGRESSION_TOLERANCE,
    baseline_of,
    evaluate,
    floor_precision_recall,
    load_eval_file,
    regressions,
)
from search.request import MODES


def register(sub) -> None:
    p = sub.add_parser(
        "eval",
        help="evaluate ranking quality on a JSONL file of queries",
        description="Score each mode on {id, query, kind, anchors} lines (the relevance rule of docs/design.md).",
    )
    p.add_argument("file", type=existing_file, metavar="FILE.jsonl")
    p.add_argument(
        "--mode", action="append", help="mode(s) to evaluate (repeatable; default: every mode the index supports)"
    )
    p.add_argument("--json", action="store_true", help="print the full report as JSON")
    p.add_argument("--write-baseline", metavar="FILE", help="save the summary figures as a regression baseline")
    p.add_argument(
        "--floor",
        action="store_true",
        help="also report the precision and recall of the semantic similarity floor on these queries",
    )
    p.add_argument(
        "--check-baseline",
        metavar="FILE",
        help=f"exit 1 if a figure falls more than {REGRESSION_TOLERANCE} below this baseline",
    )
    add_index_option(p)
    add_model_option(p)
    p.set_defaults(run=run)


def _table(reports: list[dict]) -> str:
    lines = [f"{'mode':<9} {'queries':<8} {'n':>3} {'nDCG@10':>8} {'R@10':>6} {'MRR@10':>7}"]
    for report in reports:
        for group, m in report["summary"].items():
            lines.append(
                f"{report['mode']:<9} {group:<8} {m['queries']:>3} {m['ndcg']:>8.4f} {m['recall']:>6.4f} {m['mrr']:>7.4f}"
            )
    return "\n".join(lines)


def _read_baseline(path: Path) -> dict:
    try:
        baseline = json.loads(read_user_text(path, "baseline file"))
    except json.JSONDecodeError as err:
        raise UnreadableFile(
            f"baseline file {path} is not JSON ({err.msg}, line {err.lineno}): write it with --write-baseline"
        ) from None
    if not isinstance(baseline, dict):
        raise UnreadableFile(f"baseline file {path} is not a JSON object: write it with --write-baseline")
    return baseline


def _floor_report(service, queries) -> dict:
    from search.semantic import FLOORS

    model = service.index.manifest.model
    floors = FLOORS.get(model.model_id) if model is not None else None
    if floors is None:
        raise BadRequest("--floor needs an index built with a model that has calibrated floors (search/semantic.py)")
    return floor_precision_recall(service, queries, floors)


def run(args: argparse.Namespace) -> int:
    queries = load_eval_file(args.file)
    service = open_service(args)
    default = list(MODES) if service.index.manifest.model else ["keyword"]
    modes = args.mode or default
    for mode in modes:
        if mode not in MODES:
            raise BadRequest(f"unknown mode {mode!r}: use one of {', '.join(MODES)}")
    reports = [evaluate(service, queries, mode) for mode in modes]
    floor = _floor_report(service, queries) if args.floor else None
    if args.json:
        print_json({"file": str(args.file), "reports": reports} | ({"floor": floor} if floor is not None else {}))
    else:
        print(_table(reports))
        for group, m in (floor or {}).items():
            print(
                f"floor     {group:<8} precision {m['precision']:.4f} recall {m['recall']:.4f} "
                f"kept/query {m['kept_per_query']}"
            )
    if args.write_baseline:
        Path(args.write_baseline).write_text(json.dumps(baseline_of(reports), indent=2) + "\n", encoding="utf-8")
    if args.check_baseline:
        baseline = _read_baseline(Path(args.check_baseline))
        found = regressions(reports, baseline)
        for line in found:
            print(f"jumelage: regression: {line}", file=sys.stderr)
        return 1 if found else 0
    return 0
