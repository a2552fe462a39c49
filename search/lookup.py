"""Passages and documents by id, for reading (the web pages and the JSON API).

Everything here reads an :class:`~search.index_reader.OpenIndex` and raises
:class:`~search.errors.NotFound` for an unknown id, so callers never touch the
indexer directly. French is the original, so it is always the left column of
a side-by-side reading; the Japanese working translation is the right one.
"""

from __future__ import annotations

from dataclasses import dataclass

from indexer.analysis import analyze
from indexer.corpus import Document, Edition
from indexer.passage import Passage
from search.errors import NotFound
from search.highlight import Snippet, match_spans, whole_text
from search.index_reader import OpenIndex
from search.keyword import parse_query

__all__ = [
    "AlignedRow",
    "Document",
    "Edition",
    "Passage",
    "aligned_rows",
    "counterpart",
    "document",
    "edition_of",
    "marked_text",
    "neighbours",
    "pair_rows",
    "passage",
    "passages_of",
    "translations",
]

LEFT_LANG = "fr"


@dataclass(frozen=True)
class AlignedRow:
    """One row of a side-by-side reading: French passages and the Japanese passages they pair with."""

    left: tuple[Passage, ...]
    right: tuple[Passage, ...]


def passage(index: OpenIndex, passage_id: str) -> Passage:
    """The passage ``passage_id``.

    Raises
    ------
    NotFound
        When no passage has that id.
    """
    found = index.store.get(passage_id)
    if found is None:
        raise NotFound(
            f"unknown passage id {passage_id[:80]!r}: ids look like 2010-kanazawa-fr:12 (see `jumelage passages`)"
        )
    return found


def document(index: OpenIndex, doc_id: str) -> Document:
    """The document ``doc_id``.

    Raises
    ------
    NotFound
        When no document has that id; the message lists the known ids.
    """
    found = index.store.document(doc_id)
    if found is None:
        known = ", ".join(d.id for d in index.store.documents)
        raise NotFound(f"unknown document id {doc_id[:80]!r}: use one of {known}")
    return found


def passages_of(index: OpenIndex, doc_id: str) -> list[Passage]:
    """The passages of ``doc_id`` in reading order (raises NotFound for an unknown id)."""
    document(index, doc_id)
    return list(index.store.of_document(doc_id))


def edition_of(index: OpenIndex, doc: Document) -> Edition | None:
    """The edition of the Rencontres that adopted ``doc``, when the corpus lists it."""
    return index.store.edition(doc.edition)


def translations(index: OpenIndex, p: Passage) -> list[Passage]:
    """The passages aligned to ``p`` (its translation, or the original it translates)."""
    found = (index.store.get(pid) for pid in p.aligned_passage_ids)
    return [q for q in found if q is not None]


def neighbours(index: OpenIndex, p: Passage, around: int = 2) -> tuple[list[Passage], list[Passage]]:
    """Up to ``around`` passages before and after ``p`` in its document."""
    siblings = index.store.of_document(p.doc_id)
    at = next((i for i, q in enumerate(siblings) if q.ordinal == p.ordinal), 0)
    return siblings[max(0, at - around) : at], siblings[at + 1 : at + 1 + around]


def counterpart(index: OpenIndex, doc: Document) -> Document | None:
    """The same declaration in the other language, if the corpus has it."""
    return next((d for d in index.store.translations_of(doc.id) if d.lang != doc.lang), None)


def aligned_rows(index: OpenIndex, doc_id: str) -> tuple[Document | None, Document | None, list[AlignedRow]]:
    """The declaration of ``doc_id`` as rows of (French, Japanese) passages.

    Passages linked by alignment, directly or through a shared partner (a 1:n
    split or an n:1 join), share one row. A passage with no partner gets a row
    of its own, after the row of the passage that precedes it.

    Returns
    -------
    (left document, right document, rows)
        French on the left, Japanese on the right; one side is ``None`` when
        the corpus has only one language of this declaration.
    """
    doc = document(index, doc_id)
    other = counterpart(index, doc)
    left, right = (doc, other) if doc.lang == LEFT_LANG else (other, doc)
    left_ps = index.store.of_document(left.id) if left else []
    right_ps = index.store.of_document(right.id) if right else []
    return left, right, pair_rows(left_ps, right_ps)


def pair_rows(left: list[Passage], right: list[Passage]) -> list[AlignedRow]:
    """Group two documents' passages into aligned rows, in the left document's reading order.

    Parameters
    ----------
    left, right
        The passages of each document in reading order; ``aligned_passage_ids``
        of the left passages name their partners on the right.
    """
    right_ids = {p.passage_id for p in right}
    component: dict[str, int] = {}
    groups: list[tuple[list[Passage], list[Passage]]] = []
    for p in left:
        partners = [pid for pid in p.aligned_passage_ids if pid in right_ids]
        joined = next((component[pid] for pid in partners if pid in component), None)
        if joined is None:
            joined = len(groups)
            groups.append(([], []))
        groups[joined][0].append(p)
        for pid in partners:
            component.setdefault(pid, joined)
    order = list(range(len(groups)))
    previous: int | None = None
    for p in right:
        at = component.get(p.passage_id)
        if at is None:  # untranslated-into or extra passage: a row of its own, after its predecessor
            at = len(groups)
            groups.append(([], []))
            order.insert(order.index(previous) + 1 if previous is not None else 0, at)
        groups[at][1].append(p)
        previous = at
    return [AlignedRow(tuple(groups[i][0]), tuple(groups[i][1])) for i in order]


def marked_text(p: Passage, query: str | None) -> Snippet:
    """The whole text of ``p`` with the query's keyword hits marked.

    Used when a reader arrives at a document or a passage from a search: the
    query is analysed in the passage's own language, so a French query marks
    French words and a Japanese one Japanese words.
    """
    if not query or not query.strip():
        return whole_text(p.text, [])
    parsed = parse_query(query[:2000])
    if p.lang == parsed.lang:
        terms, exact = parsed.terms, parsed.exact_terms
    else:
        terms, exact = tuple(t.text for t in analyze(query[:2000], p.lang)), ()
    for phrase in parsed.phrase_terms:
        terms += phrase
    spans = match_spans(p.text, p.lang, terms, exact)
    return whole_text(p.text, spans)
