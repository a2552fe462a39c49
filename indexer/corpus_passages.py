"""All passages of a corpus, French and Japanese, with their alignment filled in."""

from __future__ import annotations

from indexer.alignment import align_translation
from indexer.corpus import Corpus
from indexer.normalize import normalize_french
from indexer.passage import Passage


def build_passages(corpus: Corpus) -> list[Passage]:
    """Normalise every document of ``corpus`` and link translations to their originals.

    Returns the passages grouped by document in manifest order, each in
    reading order, with ``aligned_passage_ids`` set on both sides.

    Raises
    ------
    indexer.alignment.AlignmentError
        When a translation's markers do not match the French passages.
    """
    by_doc: dict[str, list[Passage]] = {}
    for doc in corpus.documents:
        if doc.translation_of is None:
            by_doc[doc.id] = normalize_french(corpus.read_text(doc), doc.id)
    links: dict[str, list[str]] = {}
    for doc in corpus.documents:
        if doc.translation_of is not None:
            original = by_doc[doc.translation_of]
            japanese, to_japanese = align_translation(corpus.read_text(doc), doc.id, original, doc.path)
            by_doc[doc.id] = japanese
            for pid, ja_ids in to_japanese.items():
                links.setdefault(pid, []).extend(ja_ids)
    passages = []
    for doc in corpus.documents:
        for p in by_doc[doc.id]:
            passages.append(p.with_alignment(tuple(links[p.passage_id])) if p.passage_id in links else p)
    return passages
