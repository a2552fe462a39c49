"""``jumelage remove``: take a document out of the corpus and the index (undoes ``jumelage add``)."""

from __future__ import annotations

import argparse
from contextlib import ExitStack

from indexer.corpus import DEFAULT_CORPUS_DIR
from indexer.corpus_edit import corpus_lock
from indexer.index_format import resolve_index_dir, writer_lock
from indexer.ingest import apply_removal, plan_removal, restore_removal
from jumelage.commands.common import add_index_option, add_model_option, progress
from jumelage.commands.index_update import backend_for, check_model, load_encoder, update_index, wants_model


def register(sub) -> None:
    p = sub.add_parser(
        "remove",
        help="remove a document from the corpus and the index",
        description="Delete the document's [[document]] block from declarations.toml (and the "
        "[[edition]] `add` created for it), delete its stored text, then update the index.",
    )
    p.add_argument("doc_id", metavar="ID", help="document id, e.g. 2016-tours-fr")
    p.add_argument("--corpus", metavar="DIR", default=str(DEFAULT_CORPUS_DIR), help="corpus folder (default: ./corpus)")
    add_index_option(p)
    add_model_option(p)
    p.add_argument("--no-index", action="store_true", help="only update the corpus; run `jumelage index` later")
    p.add_argument(
        "--force", action="store_true", help="also remove a document that `jumelage add` did not add (a bundled text)"
    )
    p.add_argument("--keyword-only", action="store_true", help="update the index without embeddings")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Check, remove, re-index, holding the corpus lock throughout (and the index lock from the first write on)."""
    with ExitStack() as locks:
        locks.enter_context(corpus_lock(args.corpus))
        return _run(args, locks)


def _run(args: argparse.Namespace, locks: ExitStack) -> int:
    removal = plan_removal(args.corpus, args.doc_id, force=args.force)
    target = resolve_index_dir(args.index)
    model = None
    if not args.no_index and wants_model(target, args.keyword_only):
        model = check_model(args)
    if not args.no_index:  # after the checks, before anything is written: a busy index changes nothing
        locks.enter_context(writer_lock(target))
    corpus, manifest, files = apply_removal(removal)
    progress(f"removed {args.doc_id} and {', '.join(str(p) for p in files)} from the corpus")
    if not args.no_index:
        try:
            update_index(corpus, target, load_encoder(model, backend_for(target, args.embedding_backend)))
        except BaseException:
            restore_removal(removal, manifest, files)
            progress(f"index update failed: {args.doc_id} put back into the corpus")
            raise
    print(f"removed {args.doc_id}")
    return 0
