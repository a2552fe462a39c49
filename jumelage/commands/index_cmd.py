"""``jumelage index``: build a new generation of the search index of a corpus."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from indexer import index_format as fmt
from indexer.build import build_index
from indexer.corpus import DEFAULT_CORPUS_DIR, load_corpus
from indexer.fsutil import check_writable_target
from indexer.index_format import resolve_index_dir
from indexer.manifest import IndexUnusable
from jumelage.commands.common import add_index_option, add_model_option, progress

FIRST_BUILD = "no index there yet"
"""The reason :func:`staleness` gives for a path with no index: said as "building", not as an error to fix."""


def register(sub) -> None:
    p = sub.add_parser(
        "index",
        help="build the search index of a corpus",
        description="Normalise the corpus, build the keyword index and the passage vectors as a new "
        "generation of the index, reusing what has not changed, and publish it atomically "
        "(a failed or interrupted build keeps the previous one).",
    )
    p.add_argument("--corpus", metavar="DIR", default=str(DEFAULT_CORPUS_DIR), help="corpus folder (default: ./corpus)")
    add_index_option(p)
    add_model_option(p)
    p.add_argument(
        "--keyword-only", action="store_true", help="skip embeddings (semantic and hybrid modes unavailable)"
    )
    p.add_argument(
        "--if-stale",
        action="store_true",
        help="do nothing when the index is intact and was built from this very corpus, with this "
        "schema, analyzer and model",
    )
    p.add_argument(
        "--wait", action="store_true", help="when another process is writing the index, wait for it instead of failing"
    )
    p.add_argument(
        "--full",
        action="store_true",
        help="rebuild everything instead of reusing the unchanged documents of the previous generation",
    )
    p.set_defaults(run=run)


def _requested_model(name: str | None, backend: str | None = None) -> tuple[str, str] | None:
    """``(model_id, backend)`` of the model ``--model`` names, read without loading it (None: unknown)."""
    from indexer.embedding.backends import effective_backend
    from indexer.embedding.model import _folder_model_id, resolve_model

    target = resolve_model(name)
    folder = Path(target).expanduser()
    return (_folder_model_id(folder) if folder.is_dir() else target), effective_backend(name, backend)


def staleness(
    target: Path, checksum: str, keyword_only: bool, model: str | None, backend: str | None = None
) -> str | None:
    """Why the index at ``target`` must be rebuilt (:data:`FIRST_BUILD` when there is none), or None when it is current."""
    try:
        generation = fmt.open_generation(target, verify="sizes")
    except fmt.NoIndex:
        return FIRST_BUILD
    except IndexUnusable as err:
        return str(err)
    generation.release()
    manifest = generation.manifest
    if manifest.corpus_checksum != checksum:
        return "the corpus changed"
    if manifest.analyzer_fingerprint != fmt.analyzer_fingerprint():
        return "the analyzer (analysis code, Sudachi or its dictionary) changed"
    if keyword_only:
        return None
    if manifest.model is None:
        return "the index has no embeddings"
    wanted = _requested_model(model, backend)
    if wanted is not None and (manifest.model.model_id, manifest.model.backend) != wanted:
        return (
            f"the index was built with {manifest.model.model_id} ({manifest.model.backend}), "
            f"not {wanted[0]} ({wanted[1]})"
        )
    return None


def run(args: argparse.Namespace) -> int:
    corpus = load_corpus(args.corpus)
    target = resolve_index_dir(args.index)
    if args.if_stale:
        reason = staleness(target, corpus.checksum(), args.keyword_only, args.model, args.embedding_backend)
        if reason is None:
            progress(f"index at {target} is up to date")
            return 0
        progress(f"building {target} ({reason})" if reason == FIRST_BUILD else f"rebuilding {target}: {reason}")
    check_writable_target(target, "index directory", flag="--index")  # before loading the model, not after
    encoder = None
    if not args.keyword_only:
        from indexer.embedding.backends import load_encoder

        started = time.perf_counter()
        encoder = load_encoder(args.model, args.embedding_backend, warn=progress)
        progress(f"model {encoder.model_id} ({encoder.backend}) loaded in {time.perf_counter() - started:.1f} s")
    manifest = build_index(corpus, target, encoder, progress=progress, wait=args.wait, incremental=not args.full)
    per_doc = ", ".join(f"{doc} {n}" for doc, n in manifest.documents.items())
    progress(
        f"indexed {manifest.passages} passages ({per_doc}) into {target}/{fmt.generation_name(manifest.generation)} "
        f"in {manifest.build_seconds:.1f} s"
    )
    return 0
