"""All passages of a corpus, French and Japanese, with their alignment filled in."""

from __future__ import annotations

import re

from indexer.alignment import align_translation
from indexer.corpus import Corpus, Document
from indexer.normalize import normalize_document
from indexer.passage import Passage

_MARKER = re.compile(r"^@\s+\S+:\d+", re.MULTILINE)


def has_alignment_markers(raw: str) -> bool:
    """True for a translation written with ``@ FRENCH_ID`` markers (the bundled 参考訳)."""
    return bool(_MARKER.search(raw))


def _automatic_links(original: list[Passage], translation: list[Passage]) -> dict[str, tuple[str, ...]]:
    """French→Japanese links for a pair added without markers.

    HOOK(align): the embedding aligner (``jumelage align``) belongs here; until it
    lands, such a translation is indexed unaligned (searchable on its own).
    """
    try:
        from indexer import align as automatic  # type: ignore[attr-defined]
    except ImportError:
        return {}
    link = getattr(automatic, "align_passages", None)
    return link(original, translation) if callable(link) else {}


def _is_marked_translation(corpus: Corpus, doc: Document) -> bool:
    return doc.translation_of is not None and has_alignment_markers(corpus.read_text(doc))


def build_passages(corpus: Corpus) -> list[Passage]:
    """Normalise every document of ``corpus`` and link translations to their originals.

    Returns the passages grouped by document in manifest order, each in
    reading order, with ``aligned_passage_ids`` set on both sides. A
    translation with ``@`` markers is cut and aligned by them; any other
    document (an original, or a translation added without markers) is
    normalised on its own.

    Raises
    ------
    indexer.alignment.AlignmentError
        When a translation's markers do not match the French passages.
    """
    by_doc: dict[str, list[Passage]] = {}
    marked = {doc.id for doc in corpus.documents if _is_marked_translation(corpus, doc)}
    for doc in corpus.documents:
        if doc.id not in marked:
            by_doc[doc.id] = normalize_document(corpus.read_text(doc), doc.id, doc.lang)
    links: dict[str, list[str]] = {}
    for doc in corpus.documents:
        if doc.translation_of is None or doc.translation_of not in by_doc:
            continue
        original = by_doc[doc.translation_of]
        if doc.id in marked:  # the Japanese passages carry their links already
            japanese, to_japanese = align_translation(corpus.read_text(doc), doc.id, original, doc.path)
            by_doc[doc.id] = japanese
        else:
            to_japanese = _automatic_links(original, by_doc[doc.id])
            for pid, ja_ids in to_japanese.items():
                for ja_id in ja_ids:
                    links.setdefault(ja_id, []).append(pid)
        for pid, ja_ids in to_japanese.items():
            links.setdefault(pid, []).extend(ja_ids)
    passages = []
    for doc in corpus.documents:
        for p in by_doc[doc.id]:
            passages.append(p.with_alignment(tuple(links[p.passage_id])) if p.passage_id in links else p)
    return passages
