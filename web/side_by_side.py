"""Marks of a query in both columns of a side-by-side reading (issue 16, item 2).

Each column is first marked with the keyword analysis of its own language
(:func:`search.lookup.marked_text`). A French query has no keyword match in
Japanese (``tourisme`` → 0 marks), so the translation side comes from the
alignment: a row with a hit on one side is a hit on the other. The partner
passage is marked at its sentence closest in meaning to the query when the
index has vectors (the semantic hits of that declaration), else in full.
The top semantic hits of each declaration (``SEMANTIC_ROWS``) count as hits
too, so a query with no keyword match still marks the passages it is about.
"""

from __future__ import annotations

from search.errors import BadRequest
from search.highlight import Mark, MarkKind, Snippet
from search.request import make_request
from web.state import AppState

SEMANTIC_ROWS = 5  # semantic hits per declaration marked without a keyword match: the first screenful


def semantic_marks(state: AppState, query: str, doc_ids: list[str]) -> tuple[dict[str, tuple[Mark, ...]], set[str]]:
    """Closest-sentence marks of the query's semantic hits in ``doc_ids``, and the top ones.

    Returns
    -------
    (marks by passage id, ids of the ``SEMANTIC_ROWS`` best hits of each declaration)
        Both empty when the index has no vectors or the query is not a valid search.
    """
    if not state.has_vectors or not query:
        return {}, set()
    marks: dict[str, tuple[Mark, ...]] = {}
    top: set[str] = set()
    for doc_id in doc_ids:
        try:
            response = state.service.run(make_request(query, "semantic", None, doc_id, 100, 0))
        except BadRequest:
            return {}, set()
        for hit in response.hits:
            kept = tuple(m for m in hit.snippet.marks if m.kind == MarkKind.SEMANTIC)
            if kept:
                marks[hit.passage_id] = kept
                if hit.rank <= SEMANTIC_ROWS:
                    top.add(hit.passage_id)
    return marks, top


def with_marks(snippet: Snippet, marks: tuple[Mark, ...]) -> Snippet:
    """``snippet`` (a whole passage) with ``marks`` added."""
    return Snippet(
        snippet.text, snippet.start, snippet.end, tuple(sorted(snippet.marks + marks, key=lambda m: (m.start, m.end)))
    )


def whole_passage_mark(snippet: Snippet) -> tuple[Mark, ...]:
    """A semantic mark over the whole text: the aligned partner of a hit, without vectors to narrow it."""
    text = snippet.text
    start = len(text) - len(text.lstrip())
    end = len(text.rstrip())
    return (Mark(start, end, MarkKind.SEMANTIC),) if end > start else ()


def mark_count(snippet: Snippet) -> int:
    """Marks inside the shown window: what the reader can jump between."""
    return sum(1 for m in snippet.marks if min(m.end, snippet.end) > max(m.start, snippet.start))
