"""Options and set-up shared by the subcommands."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from search.index_reader import resolve_index_dir
from search.service import SearchService


def add_index_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--index", metavar="DIR", help="index directory (default: $JUMELAGE_INDEX or ./var/index)")


def add_model_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--model", metavar="PATH_OR_NAME",
        help="sentence-transformers model (default: $JUMELAGE_MODEL or ./var/model/multilingual-e5-small)",
    )


def open_service(args: argparse.Namespace) -> SearchService:
    """The search service over the current generation, built by the server's own ``load_state``."""
    from web.state import load_state

    return load_state(resolve_index_dir(args.index), getattr(args, "model", None), warm_model=False).service


def print_json(obj: object) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")


def progress(message: str) -> None:
    print(f"jumelage: {message}", file=sys.stderr, flush=True)


def existing_file(value: str) -> Path:
    path = Path(value)
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"{value} is not a readable file")
    return path
