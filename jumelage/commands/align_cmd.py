"""``jumelage align FR_ID JA_ID``: align a translation with its original by embeddings."""

from __future__ import annotations

import argparse
import time
from typing import TYPE_CHECKING

import numpy as np

from indexer.auto_alignment import DocumentAlignment, align_translation
from indexer.corpus import DEFAULT_CORPUS_DIR, load_corpus
from indexer.index_format import resolve_index_dir
from indexer.manifest import IndexUnusable
from indexer.passage import LOW_CONFIDENCE
from jumelage.commands.common import (
    add_index_option,
    add_model_option,
    print_json,
    progress,
)
from search.index_reader import open_index

if TYPE_CHECKING:
    from indexer.embedding.model import EmbeddingModel


def register(sub) -> None:
    p = sub.add_parser(
        "align",
        help="align a translation with its original (links with confidences)",
        description="Align the passages of a Japanese document with those of its French original by their "
        "embeddings (monotone dynamic programme; 1:1, 1:n, n:1 and unmatched passages), and print "
        f"each link with its confidence. Links below {LOW_CONFIDENCE:.2f} are flagged '?'. With --write, store the "
        "links beside the Japanese text (<text>.align.tsv) so that the next `jumelage index` uses "
        "them. A text with explicit '@' markers is aligned by its markers, which always win: "
        "for it, the command reports how far the automatic links agree with them.",
    )
    p.add_argument("fr_id", metavar="FR_ID", help="the French document id, e.g. 2012-chartres-fr")
    p.add_argument("ja_id", metavar="JA_ID", help="the Japanese document id, e.g. 2012-chartres-ja")
    p.add_argument("--json", action="store_true", help="one JSON object: links, confidences, warning")
    p.add_argument("--write", action="store_true", help="store the links in the sidecar file beside the Japanese text")
    p.add_argument("--corpus", metavar="DIR", default=str(DEFAULT_CORPUS_DIR), help="corpus folder (default: ./corpus)")
    add_index_option(p)
    add_model_option(p)
    p.set_defaults(run=run)


class _LazyEncoder:
    """Loads the model only if some passage has no vector in the index."""

    def __init__(self, model: str | None) -> None:
        self._name = model
        self._model: EmbeddingModel | None = None

    def encode_passages(
        self, texts: list[str], batch_size: int | None = None, show_progress: bool = False
    ) -> np.ndarray:
        if self._model is None:
            from indexer.embedding.model import EmbeddingModel, resolve_model

            self._model = EmbeddingModel(resolve_model(self._name))
        progress(f"embedding {len(texts)} passages")
        return self._model.encode_passages(texts, batch_size=batch_size, show_progress=show_progress)


def _index_vectors(index: str | None) -> dict[str, np.ndarray]:
    """Passage text → vector from the index, when there is one with vectors (saves re-embedding)."""
    try:
        opened = open_index(resolve_index_dir(index))
    except (IndexUnusable, OSError, ValueError):
        return {}
    if opened.vectors is None:
        return {}
    return {p.text: opened.vectors[row] for row, p in enumerate(opened.store.passages)}


def _agreement(done: DocumentAlignment, corpus) -> tuple[int, list[str]]:
    """French passages whose automatic partners are exactly the hand-marked ones."""
    from indexer.corpus_passages import build_passages

    hand = {p.passage_id: set(p.aligned_passage_ids) for p in build_passages(corpus) if p.doc_id == done.fr_id}
    auto = done.result.source_map()
    wrong = []
    for i, p in enumerate(done.french):
        got = {done.japanese[j].passage_id for j in auto.get(i, ())}
        if got != hand.get(p.passage_id, set()):
            wrong.append(
                f"{p.passage_id} → {','.join(sorted(got)) or '-'} (hand: {','.join(sorted(hand[p.passage_id]))})"
            )
    return len(done.french) - len(wrong), wrong


def _link_json(done: DocumentAlignment, link) -> dict:
    return {
        "fr": [done.french[i].passage_id for i in link.source],
        "ja": [done.japanese[j].passage_id for j in link.target],
        "kind": link.kind,
        "confidence": link.confidence,
        "low": link.is_low(),
    }


def run(args: argparse.Namespace) -> int:
    corpus = load_corpus(args.corpus)
    for doc_id in (args.fr_id, args.ja_id):
        corpus.document(doc_id)  # unknown id: one line, before any model is loaded
    started = time.perf_counter()
    done = align_translation(
        corpus.root,
        args.fr_id,
        args.ja_id,
        _LazyEncoder(args.model),
        write=args.write,
        known_vectors=_index_vectors(args.index),
        corpus=corpus,
    )
    took = time.perf_counter() - started
    result = done.result
    agreement = _agreement(done, corpus) if done.has_markers else None
    if args.json:
        out = {
            "fr_id": done.fr_id,
            "ja_id": done.ja_id,
            "has_markers": done.has_markers,
            "low_threshold": LOW_CONFIDENCE,
            "counts": result.counts,
            "warning": result.warning,
            "written": str(done.sidecar) if done.sidecar else None,
            "took_ms": round(took * 1000),
            "links": [_link_json(done, link) for link in result.links],
        }
        if agreement is not None:
            out["agreement"] = {
                "french_passages": len(done.french),
                "same_as_markers": agreement[0],
                "differences": agreement[1],
            }
        print_json(out)
    else:
        for link in result.links:
            j = _link_json(done, link)
            flag = "\t?" if j["low"] else ""
            print(f"{','.join(j['fr']) or '-'}\t{','.join(j['ja']) or '-'}\t{link.kind}\t{link.confidence:.3f}{flag}")
        counts = ", ".join(f"{k} {v}" for k, v in sorted(result.counts.items()))
        progress(
            f"{len(result.links)} links ({counts}); {len(result.low_links())} below {LOW_CONFIDENCE} "
            f"flagged '?'; {took:.2f} s"
        )
        if agreement is not None:
            progress(
                f"{args.ja_id} has explicit markers, which win; the automatic links agree with them for "
                f"{agreement[0]}/{len(done.french)} French passages"
            )
            for line in agreement[1]:
                progress(f"  differs: {line}")
        if done.sidecar:
            progress(f"links written to {done.sidecar}; run `jumelage index` to use them")
    if result.warning:
        progress(f"warning: {result.warning}")
    return 0
