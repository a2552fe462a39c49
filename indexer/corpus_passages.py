"""All passages of a corpus, French and Japanese, with their alignment filled in.

A translation is aligned by its ``@`` markers when it has them (they always
win), else by the automatic links of its sidecar file
(:mod:`indexer.auto_alignment`), else not at all: its passages are indexed
unlinked until ``jumelage align FR JA --write`` (or ``jumelage add
--translation-of``) writes the sidecar.
"""

from __future__ import annotations

from indexer.alignment import align_translation
from indexer.auto_alignment import has_markers, read_auto_alignment
from indexer.corpus import Corpus
from indexer.normalize import normalize_document
from indexer.passage import Passage


def build_passages(corpus: Corpus) -> list[Passage]:
    """Normalise every document of ``corpus`` and link translations to their originals.

    Returns the passages grouped by document in manifest order, each in
    reading order, with ``aligned_passage_ids`` set on both sides (and
    ``alignment_confidence`` where the links are automatic).

    Raises
    ------
    indexer.alignment.AlignmentError
        When a translation's markers, or its sidecar of automatic links, do not
        match the passages.
    """
    by_doc: dict[str, list[Passage]] = {}
    for doc in corpus.documents:
        if doc.translation_of is None:
            by_doc[doc.id] = normalize_document(corpus.read_text(doc), doc.id, doc.lang)
    links: dict[str, list[str]] = {}
    for doc in corpus.documents:
        if doc.translation_of is None:
            continue
        original = by_doc[doc.translation_of]
        raw = corpus.read_text(doc)
        if has_markers(raw):
            japanese, to_japanese = align_translation(raw, doc.id, original, doc.path)
            by_doc[doc.id] = japanese
            for pid, ja_ids in to_japanese.items():
                links.setdefault(pid, []).extend(ja_ids)
        else:
            by_doc[doc.translation_of], by_doc[doc.id] = read_auto_alignment(
                raw, corpus.alignment_path(doc), doc.id, doc.lang, original
            )
    passages = []
    for doc in corpus.documents:
        for p in by_doc[doc.id]:
            passages.append(
                p.with_alignment(p.aligned_passage_ids + tuple(links[p.passage_id])) if p.passage_id in links else p
            )
    return passages
