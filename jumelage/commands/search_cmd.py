"""``jumelage search``: one query, or a batch of them from a JSONL file."""

from __future__ import annotations

import argparse
import json
import sys

from indexer.errors import UnreadableFile
from jumelage.commands.common import add_index_option, add_model_option, existing_file, open_service, print_json
from jumelage.errors import USER_ERRORS
from search.errors import BadRequest
from search.highlight import bracket_format
from search.request import FUSIONS, MODES, check_alpha_applies, echo, make_request
from search.results import SearchResponse


def register(sub) -> None:
    p = sub.add_parser(
        "search",
        help="search the declarations",
        description="Search passages by keyword, meaning, or both (hybrid, the default). Every keyword match "
        "is a result; a passage found only by meaning must clear the model's "
        "similarity floor. A misspelt French word gets a did-you-mean suggestion.",
    )
    p.add_argument(
        "query",
        nargs="?",
        help='the query; a "quoted phrase" (also « … », 「…」) is a filter in every mode: only passages '
        "containing it verbatim (accents and case aside), or whose aligned translation does, are "
        "results, ranked by the mode",
    )
    p.add_argument("--mode", default="hybrid", help=f"one of {', '.join(MODES)} (default: hybrid)")
    p.add_argument("--lang", help="only passages in this language: fr or ja")
    p.add_argument("--doc", help="only passages of this document id, e.g. 2012-chartres-fr")
    p.add_argument("--edition", help="only passages of this edition's declarations, e.g. 3")
    p.add_argument("--limit", default="10", help="results per page, 1-1000 (default: 10)")
    p.add_argument("--offset", default="0", help="results to skip, for paging (default: 0)")
    p.add_argument("--fusion", help=f"hybrid fusion: {' or '.join(FUSIONS)} (default: rrf)")
    p.add_argument("--alpha", help="keyword weight of weighted fusion (with --fusion weighted), 0-1 (default: 0.5)")
    p.add_argument(
        "--commitments",
        action="store_true",
        help="only passages holding a commitment (we engage, propose, agree, decide, resolve, wish …)",
    )
    p.add_argument("--json", action="store_true", help="print the JSON object (see docs/design.md)")
    p.add_argument(
        "--batch",
        type=existing_file,
        metavar="FILE.jsonl",
        help='run {"id","query",...} lines; print one JSON object per line with its id',
    )
    add_index_option(p)
    add_model_option(p)
    p.set_defaults(run=run)


def _request(args: argparse.Namespace, overrides: dict | None = None):
    o = overrides or {}
    check_alpha_applies(o.get("fusion", args.fusion), o.get("alpha", args.alpha))
    return make_request(
        o.get("query", args.query),
        o.get("mode", args.mode),
        o.get("lang", args.lang),
        o.get("doc", args.doc),
        o.get("limit", args.limit),
        o.get("offset", args.offset),
        o.get("fusion", args.fusion),
        o.get("alpha", args.alpha),
        o.get("commitments", args.commitments),
        o.get("edition", args.edition),
    )


def _plain(response: SearchResponse) -> str:
    """[keyword hit], {closest sentence of a semantic hit}."""
    lines = [f"{response.total} result(s) for {response.query!r} ({response.mode}, {response.took_ms} ms)"]
    if response.did_you_mean:
        lines.append(f"did you mean: {response.did_you_mean!r}?")
    for hit in response.hits:
        lines.append(f"{hit.rank:>3}. {hit.passage_id}  {hit.passage.section}  (score {hit.score:.4f})")
        lines.append(f"     {bracket_format(hit.snippet)}")
        for c in hit.commitments or ():
            lines.append(f"     commitment ({c.act}): {c.text}")
    return "\n".join(lines)


def _safe_id(value: object, lineno: int) -> object:
    """The line's ``id`` as given when JSON can print it (a string or a number), else the line number."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return lineno if value is None else echo(value)
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")  # lone surrogates escaped
    return value


def _batch_lines(path) -> list[bytes]:
    """The raw lines of the batch file: each is decoded on its own, so one bad line spoils only itself."""
    try:
        return path.read_bytes().splitlines()
    except OSError as err:
        raise UnreadableFile(f"cannot read batch file {path}: {err.strerror or err}") from None


def _batch_item(raw: bytes, lineno: int) -> dict:
    """One ``--batch`` line as a dict, or :class:`BadRequest` saying what is wrong with it."""
    try:
        line = raw.decode("utf-8-sig" if lineno == 1 else "utf-8")
    except UnicodeDecodeError as err:
        raise BadRequest(f"the line is not UTF-8 text (byte {err.start + 1}): save the file as UTF-8") from None
    try:
        item = json.loads(line)
    except json.JSONDecodeError as err:
        raise BadRequest(f"not JSON ({err.msg} at column {err.colno})") from None
    if not isinstance(item, dict):
        raise BadRequest('each line must be a JSON object, e.g. {"id": "q1", "query": "tourisme"}')
    return item


def _run_batch(args: argparse.Namespace, service) -> int:
    """One JSON object per line; a bad line gets an error object and the run goes on (exit 2 at the end)."""
    failed = 0
    for lineno, raw in enumerate(_batch_lines(args.batch), start=1):
        if not raw.strip():
            continue
        item_id: object = lineno
        try:
            item = _batch_item(raw, lineno)
            item_id = _safe_id(item.get("id", lineno), lineno)
            print_json({"id": item_id, **service.search(_request(args, item))})
        except USER_ERRORS as err:
            failed += 1
            message = str(err).encode("utf-8", "backslashreplace").decode("utf-8")
            print_json({"id": item_id, "error": message})
            print(f"jumelage: error: {args.batch}:{lineno}: {message}", file=sys.stderr)
    return 2 if failed else 0


def run(args: argparse.Namespace) -> int:
    if args.batch is not None and args.query is not None:  # the batch's lines carry the queries: QUERY would be dropped
        raise BadRequest(
            f"give a QUERY or --batch {args.batch}, not both: put {echo(args.query)} on a line of the batch file, "
            "or leave --batch out"
        )
    if args.batch is None:
        request = _request(args)  # validate before opening the index or loading a model
    service = open_service(args)
    if service.index.manifest.model is not None and (args.batch is not None or request.mode != "keyword"):
        service.semantic()  # load the model before the clock starts: took_ms is the query's own time
    if args.commitments:
        _ = service.index.commitment_rows  # likewise the commitment detector (simplemma's dictionary)
    if args.batch is not None:
        return _run_batch(args, service)
    response = service.run(request)
    print_json(response.to_json()) if args.json else print(_plain(response))
    return 0
