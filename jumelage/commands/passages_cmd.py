"""``jumelage passages``: the passages of the index, one JSON object a line."""

from __future__ import annotations

import argparse

from indexer.index_format import resolve_index_dir
from jumelage.commands.common import add_index_option, print_json
from search.errors import BadRequest
from search.index_reader import open_index


def register(sub) -> None:
    p = sub.add_parser(
        "passages",
        help="list passages (JSONL with --json)",
        description="Print the passages of the index, in reading order, optionally of one document; "
        "--json adds each passage's commitment sentences (start, end, act, text).",
    )
    p.add_argument("--doc", help="only this document id")
    p.add_argument("--json", action="store_true", help="one JSON object per line")
    add_index_option(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    index = open_index(resolve_index_dir(args.index))
    store = index.store
    if args.doc is not None and store.document(args.doc) is None:
        raise BadRequest(f"unknown doc {args.doc!r}: use one of {', '.join(d.id for d in store.documents)}")
    for passage in store.passages:
        if args.doc is None or passage.doc_id == args.doc:
            if args.json:
                found = index.commitments.get(passage.passage_id, [])
                print_json({**passage.to_json(), "commitments": [c.to_json() for c in found]})
            else:
                print(f"{passage.passage_id}\t{passage.kind}\t{passage.section}\t{passage.text}")
    return 0
