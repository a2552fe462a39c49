"""``jumelage index``: build the index of a corpus."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from indexer.build import build_index
from indexer.corpus import DEFAULT_CORPUS_DIR, load_corpus
from indexer.manifest import IndexUnusable, read_manifest
from jumelage.commands.common import add_index_option, add_model_option, progress
from search.index_reader import resolve_index_dir


def register(sub) -> None:
    p = sub.add_parser("index", help="build the search index of a corpus",
                       description="Normalise the corpus, build the keyword index and the passage vectors, "
                                   "and swap the new index in atomically (a failed build keeps the old one).")
    p.add_argument("--corpus", metavar="DIR", default=str(DEFAULT_CORPUS_DIR), help="corpus folder (default: ./corpus)")
    add_index_option(p)
    add_model_option(p)
    p.add_argument("--keyword-only", action="store_true", help="skip embeddings (semantic and hybrid modes unavailable)")
    p.add_argument("--if-stale", action="store_true",
                   help="do nothing when the index exists and was built from this very corpus")
    p.set_defaults(run=run)


def _is_current(target: Path, checksum: str, keyword_only: bool, backend: str | None = None) -> bool:
    try:
        manifest = read_manifest(target)
    except IndexUnusable:
        return False
    if manifest.corpus_checksum != checksum:
        return False
    return keyword_only or (manifest.model is not None and backend in (None, manifest.model.backend))


def run(args: argparse.Namespace) -> int:
    corpus = load_corpus(args.corpus)
    target = resolve_index_dir(args.index)
    from indexer.embedding.backends import resolve_backend

    wanted = None if args.keyword_only else resolve_backend(args.embedding_backend)
    if args.if_stale and _is_current(target, corpus.checksum(), args.keyword_only, wanted):
        progress(f"index at {target} is up to date")
        return 0
    encoder = None
    if not args.keyword_only:
        from indexer.embedding.backends import load_encoder

        started = time.perf_counter()
        encoder = load_encoder(args.model, args.embedding_backend, warn=progress)
        progress(f"model {encoder.model_id} ({encoder.backend}) loaded in {time.perf_counter() - started:.1f} s")
    manifest = build_index(corpus, target, encoder, progress=progress)
    per_doc = ", ".join(f"{doc} {n}" for doc, n in manifest.documents.items())
    progress(f"indexed {manifest.passages} passages ({per_doc}) into {target} in {manifest.build_seconds:.1f} s")
    return 0
