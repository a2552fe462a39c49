"""Options and set-up shared by the subcommands."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from indexer.embedding.backends import BACKENDS
from indexer.index_format import resolve_index_dir

if TYPE_CHECKING:  # imported where used: `jumelage add` and `--help` must not pay for numpy, Whoosh and Starlette
    from search.service import SearchService
    from web.state import AppState


def add_index_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--index", metavar="DIR", help="index directory (default: $JUMELAGE_INDEX or ./var/index)")


def add_model_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--model",
        metavar="PATH_OR_NAME",
        help="sentence-transformers model (default: $JUMELAGE_MODEL or ./var/model/multilingual-e5-small)",
    )
    parser.add_argument(
        "--embedding-backend",
        choices=BACKENDS,
        default=None,
        help="how the model runs: onnx (ONNX Runtime fp32), onnx-q4 (the model's 4-bit weights, int8 products), "
        "onnx-int8 (dynamic int8) or torch (sentence-transformers); "
        "default $JUMELAGE_EMBEDDING_BACKEND, else the index's backend (search) or onnx-q4 (index)",
    )


def open_state(args: argparse.Namespace) -> AppState:
    """The index of ``--index`` and the services over it, built as the server builds them.

    The model (``--model``) is loaded on first semantic use, not here.
    """
    from web.state import load_state

    return load_state(
        resolve_index_dir(args.index),
        getattr(args, "model", None),
        warm_model=False,
        backend=getattr(args, "embedding_backend", None),
    )


def open_service(args: argparse.Namespace) -> SearchService:
    return open_state(args).service


def print_json(obj: object) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False) + "\n")


def progress(message: str) -> None:
    print(f"jumelage: {message}", file=sys.stderr, flush=True)


def existing_file(value: str) -> Path:
    path = Path(value)
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"{value} is not a readable file")
    return path


def whole_number(low: int, high: int | None = None, note: str = "") -> Callable[[str], int]:
    """An argparse ``type``: a whole number from ``low`` (to ``high``); a bad value is one line saying what is allowed."""
    allowed = (f"{low} or more" if high is None else f"from {low} to {high}") + (f" ({note})" if note else "")

    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number {allowed}, not {value[:20]!r}") from None
        if number < low or (high is not None and number > high):
            raise argparse.ArgumentTypeError(f"expected a whole number {allowed}, not {number}")
        return number

    return parse
