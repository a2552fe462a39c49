"""``jumelage add``: add a declaration (PDF, DOCX, HTML, TXT, Markdown) to the corpus and the index."""

from __future__ import annotations

import argparse
import time
from contextlib import ExitStack
from pathlib import Path

from indexer.corpus import DEFAULT_CORPUS_DIR, Corpus, load_corpus
from indexer.corpus_edit import corpus_lock
from indexer.index_format import resolve_index_dir, writer_lock
from indexer.ingest import apply_addition, plan_addition, undo_addition
from jumelage.commands.common import (
    add_index_option,
    add_model_option,
    print_json,
    progress,
)
from jumelage.commands.index_update import backend_for, check_model, load_encoder, update_index, wants_model


def register(sub) -> None:
    p = sub.add_parser(
        "add",
        help="add a declaration (PDF, DOCX, HTML, TXT, Markdown) to the corpus and the index",
        description="Extract the text of FILE, check it (format, encoding, language, id, edition) before anything "
        "is written, store it under CORPUS/LANG/ID.txt, add its [[document]] to declarations.toml "
        "(and its [[edition]] when new), then update the index. `jumelage remove ID` undoes it.",
    )
    p.add_argument("file", metavar="FILE", help="the declaration: .pdf, .docx, .html/.htm, .txt or .md")
    p.add_argument("--id", required=True, dest="doc_id", metavar="ID", help="document id, e.g. 2016-tours-fr")
    p.add_argument("--lang", required=True, choices=("fr", "ja"), help="language of the text")
    p.add_argument(
        "--edition",
        type=int,
        metavar="N",
        help="edition number (default: read from the text, « 4èmes Rencontres », 第4回…)",
    )
    p.add_argument("--title", metavar="T", help="title (default: the document's first heading)")
    p.add_argument("--city", metavar="C", help="city of the meeting (default: the edition's)")
    p.add_argument(
        "--country", metavar="C", help="country of a new edition (default: France for odd editions, Japon for even)"
    )
    p.add_argument(
        "--date",
        metavar="YYYY-MM-DD",
        help="date of the declaration (default: its signing line, "
        "'Fait le 13 mai 2010' / '2010年5月13日…作成', when in the edition's year; else the edition's)",
    )
    p.add_argument("--translation-of", metavar="ID", help="the document this one translates")
    p.add_argument(
        "--status",
        metavar="S",
        help="official or working-translation (default: official, working-translation with --translation-of)",
    )
    p.add_argument("--encoding", metavar="NAME", help="encoding of a text file that is not UTF-8, e.g. cp1252")
    p.add_argument(
        "--force-lang", action="store_true", help="keep --lang even when the text looks like another language"
    )
    p.add_argument("--corpus", metavar="DIR", default=str(DEFAULT_CORPUS_DIR), help="corpus folder (default: ./corpus)")
    add_index_option(p)
    add_model_option(p)
    p.add_argument("--no-index", action="store_true", help="only update the corpus; run `jumelage index` later")
    p.add_argument("--keyword-only", action="store_true", help="update the index without embeddings")
    p.add_argument("--json", action="store_true", help="print the new document and its passage count as JSON")
    p.set_defaults(run=run)


def _alignable(corpus: Corpus, args: argparse.Namespace) -> bool:
    """A Japanese translation of a French original, written without ``@`` markers: the aligner's case."""
    if not args.translation_of:
        return False
    from indexer.auto_alignment import has_markers

    new, original = corpus.document(args.doc_id), corpus.document(args.translation_of)
    return new.lang == "ja" and original.lang == "fr" and not has_markers(corpus.read_text(new))


def _align(corpus: Corpus, args: argparse.Namespace, encoder) -> int | None:
    """Align a new translation with its original by embeddings and store the links (None: nothing to align).

    Needs the model; with a keyword-only index the translation stays unaligned
    until ``jumelage align FR JA --write``.
    """
    if not _alignable(corpus, args):
        return None
    if encoder is None:
        progress(
            f"{args.doc_id} is indexed unaligned until `jumelage align {args.translation_of} {args.doc_id} --write`"
        )
        return None
    from indexer.auto_alignment import align_translation

    done = align_translation(corpus.root, args.translation_of, args.doc_id, encoder, write=True, corpus=corpus)
    links = len(done.result.links)
    progress(f"aligned {args.doc_id} with {args.translation_of}: {links} links written to {done.sidecar}")
    return links


def run(args: argparse.Namespace) -> int:
    """Check, store, index, holding the corpus lock throughout (and the index lock from the first write on)."""
    with ExitStack() as locks:
        locks.enter_context(corpus_lock(args.corpus))
        return _run(args, locks)


def _run(args: argparse.Namespace, locks: ExitStack) -> int:
    started = time.perf_counter()
    addition = plan_addition(
        args.corpus,
        args.file,
        doc_id=args.doc_id,
        lang=args.lang,
        edition=args.edition,
        title=args.title,
        city=args.city,
        country=args.country,
        date=args.date,
        translation_of=args.translation_of,
        status=args.status,
        encoding=args.encoding,
        force_lang=args.force_lang,
    )
    target = resolve_index_dir(args.index)
    model = None
    if not args.no_index and wants_model(target, args.keyword_only):
        model = check_model(args)
    progress(f"{args.file}: {len(addition.passages)} passages, checked in {time.perf_counter() - started:.2f} s")
    if not args.no_index:  # after the checks, before anything is written: a busy index changes nothing
        locks.enter_context(writer_lock(target))
    corpus = apply_addition(addition)
    progress(f"stored {addition.text_path} and added {args.doc_id} to {Path(args.corpus) / 'declarations.toml'}")
    aligned = None
    if not args.no_index:
        try:
            encoder = load_encoder(model, backend_for(target, args.embedding_backend))
            aligned = _align(corpus, args, encoder)
            if aligned is not None:
                corpus = load_corpus(args.corpus)  # the links are part of the indexed corpus
            update_index(corpus, target, encoder)
        except BaseException:
            undo_addition(addition)
            progress(f"index update failed: {args.doc_id} taken out of the corpus again")
            raise
    elif _alignable(corpus, args):
        progress(
            f"{args.doc_id} is indexed unaligned until `jumelage align {args.translation_of} {args.doc_id} --write`"
        )
    if args.json:
        print_json(
            {
                "document": {
                    **corpus.document(args.doc_id).to_json(),
                    "path": addition.entry["path"],
                    "source_format": addition.entry["source_format"],
                    "source_sha256": addition.entry["source_sha256"],
                    "new_edition": addition.new_edition is not None,
                },
                "passages": len(addition.passages),
                "aligned_links": aligned,
            }
        )
    else:
        print(f"added {args.doc_id}: {len(addition.passages)} passages, edition {addition.entry['edition']}")
    return 0
