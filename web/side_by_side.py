"""Marks of a query in both columns of a side-by-side reading (issue 16, item 2).

A column's hits are the search service's own results for the query restricted
to that declaration (``doc=``): the same floor and the same total as
``/api/search?q=…&doc=…``, so the column's count is that total, and each hit
carries the marks search gives it (keyword matches with search's analysis —
``touristique``, ``agrotourisme`` for ``tourisme`` —, or, for a hit found by
meaning only, its sentence closest to the query, with the semantic mark). The
earlier page marked the 5 best semantic hits of each declaration whatever
their score, so unrelated passages ("Takamatsu, ville de la créativité" for
``tourisme``) were marked and scrolled to, and its count (marks, 11 for
``tourisme`` on Chartres-FR) disagreed with search's 23 results.

A French query has no keyword match in Japanese on a keyword-only index
(``tourisme`` → 0 results there), so the alignment still carries a hit over:
the unmarked partner of a hit in the same row gets a semantic-style mark over
its whole text. These partner marks are not results and are not counted.
"""

from __future__ import annotations

from dataclasses import dataclass

from search.highlight import Mark, MarkKind, Snippet
from search.request import MAX_LIMIT, make_request
from web.api import check_request
from web.state import AppState


@dataclass(frozen=True)
class ColumnHits:
    """The search's results for one declaration: marks by passage id, and its exact total."""

    marks: dict[str, tuple[Mark, ...]]
    total: int


NO_HITS = ColumnHits({}, 0)


def column_hits(state: AppState, query: str, mode: str | None, doc_id: str) -> ColumnHits:
    """What search finds for ``query`` in ``doc_id`` (``mode`` as on the search page: the index's best by default).

    Raises
    ------
    BadRequest
        When the query or the mode is not a valid search on this index (the page says it, 400).
    """
    req = make_request(query, mode or state.default_mode, None, doc_id, MAX_LIMIT, 0)
    check_request(state, req)
    response = state.service.run(req)
    marks: dict[str, tuple[Mark, ...]] = {}
    for hit in response.hits:
        snippet = hit.snippet
        same_text = snippet.text == hit.passage.text  # marks are offsets into the passage text
        marks[hit.passage_id] = (snippet.marks if same_text else ()) or whole_passage_mark(
            Snippet(hit.passage.text, 0, len(hit.passage.text))
        )
    return ColumnHits(marks, response.total)


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
