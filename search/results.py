"""What search returns: typed results carrying highlight spans, formatted only at the edges.

The services (:class:`~search.service.SearchService`,
:class:`~search.citations.CitationService`, :class:`~search.quote.QuoteFinder`)
answer with these dataclasses. Each ``to_json(formatter)`` gives the JSON object
of ``docs/design.md``, whose ``snippet_html`` is rendered by the formatter passed in
(:func:`~search.highlight.html_format` by default) and whose ``snippet`` holds
the spans themselves; the web pages render the same spans with a Jinja macro
and the command line with :func:`~search.highlight.bracket_format`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from indexer.commitments import Commitment
from indexer.corpus import Edition
from indexer.echoes import Echo
from indexer.passage import Lang, Passage
from indexer.references import Reference
from search.highlight import Formatter, Snippet, html_format


def _round(value: float | None, digits: int = 6) -> float | None:
    return None if value is None else round(value, digits)


def _fields(obj: object, *names: str) -> dict[str, Any]:
    """``{name: obj.name}`` for JSON values that need no conversion."""
    return {name: getattr(obj, name) for name in names}


def _snippet_json(snippet: Snippet | None, formatter: Formatter) -> dict[str, Any]:
    if snippet is None:
        return {"snippet_html": "", "snippet": None}
    return {"snippet_html": formatter(snippet), "snippet": snippet.to_json()}


# -- search ------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Scores:
    """The fused score's components: each side's score and rank, None where that side missed."""

    keyword: float | None
    keyword_rank: int | None
    semantic: float | None
    semantic_rank: int | None

    def to_json(self) -> dict[str, Any]:
        return {
            "keyword": _round(self.keyword),
            "keyword_rank": self.keyword_rank,
            "semantic": _round(self.semantic),
            "semantic_rank": self.semantic_rank,
        }


@dataclass(frozen=True)
class SearchHit:
    """One ranked passage of a search."""

    rank: int
    passage: Passage
    doc_title: str
    snippet: Snippet
    score: float
    scores: Scores
    commitments: tuple[Commitment, ...] | None = None  # set when the search asked for commitments only
    commitment_snippet: Snippet | None = None  # the same passage with its commitment sentences marked

    @property
    def passage_id(self) -> str:
        return self.passage.passage_id

    def to_json(self, formatter: Formatter = html_format) -> dict[str, Any]:
        p = self.passage
        return {
            "rank": self.rank,
            "passage_id": p.passage_id,
            "doc_id": p.doc_id,
            "doc_title": self.doc_title,
            "lang": str(p.lang),
            "kind": str(p.kind),
            "section": p.section,
            "text": p.text,
            **_snippet_json(self.snippet, formatter),
            "score": round(self.score, 6),
            "scores": self.scores.to_json(),
            "aligned_passage_ids": list(p.aligned_passage_ids),
            **(
                {}
                if self.commitments is None
                else {
                    "commitments": [c.to_json() for c in self.commitments],
                    "commitment_html": formatter(self.commitment_snippet) if self.commitment_snippet else "",
                    "commitment_snippet": self.commitment_snippet.to_json() if self.commitment_snippet else None,
                }
            ),
        }


@dataclass(frozen=True)
class SearchResponse:
    """One page of results, with the totals and facets of the whole result set."""

    query: str
    mode: str
    lang: str | None
    doc: str | None
    query_lang: Lang
    fusion: str | None
    limit: int
    offset: int
    total: int
    took_ms: float
    facets: dict[str, dict[str, int]]
    hits: list[SearchHit]
    #: results per declaration before the ``doc`` filter: each is the total a click on it gives
    facets_any_doc: dict[str, dict[str, int]] = field(default_factory=dict)
    did_you_mean: str | None = None  #: a spelling correction of the query, when one is suggested
    commitments: bool = False  # only passages holding a commitment
    edition: int | None = None  #: the edition filter, when one is set

    def to_json(self, formatter: Formatter = html_format) -> dict[str, Any]:
        """The ``search --json`` object (docs/design.md); ``did_you_mean`` only when a correction is suggested."""
        return {
            **_fields(self, "query", "mode", "lang", "doc", "edition"),
            "query_lang": str(self.query_lang),
            **_fields(self, "fusion", "commitments", "limit", "offset", "total", "took_ms", "facets", "facets_any_doc"),
            "results": [h.to_json(formatter) for h in self.hits],
        } | ({"did_you_mean": self.did_you_mean} if self.did_you_mean else {})


# -- quotations ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class QuoteMatch:
    """A source passage of a quotation; ``start``/``end`` is the matched span of its text."""

    rank: int
    passage: Passage
    score: float
    method: str
    start: int
    end: int
    snippet: Snippet
    same_text_as: list[str]

    def to_json(self, formatter: Formatter = html_format) -> dict[str, Any]:
        p = self.passage
        return {
            "rank": self.rank,
            "passage_id": p.passage_id,
            "doc_id": p.doc_id,
            "lang": str(p.lang),
            "section": p.section,
            "score": round(float(self.score), 4),
            "method": self.method,
            "start": self.start,
            "end": self.end,
            **_snippet_json(self.snippet, formatter),
            "text": p.text,
            "aligned_passage_ids": list(p.aligned_passage_ids),
            "same_text_as": self.same_text_as,
        }


@dataclass(frozen=True)
class QuoteAnswer:
    """Where a quotation comes from; ``matches`` is empty when nothing reaches the threshold."""

    query: str | None
    lang: Lang
    method: str | None
    threshold: float
    took_ms: float
    message: str
    matches: list[QuoteMatch]

    @property
    def matched(self) -> bool:
        return bool(self.matches)

    def to_json(self, formatter: Formatter = html_format) -> dict[str, Any]:
        return {
            "query": self.query,
            "lang": str(self.lang),
            **_fields(self, "matched", "method", "threshold", "took_ms", "message"),
            "matches": [m.to_json(formatter) for m in self.matches],
        }


# -- citations -----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TargetDocument:
    doc_id: str
    title: str
    lang: str | None

    def to_json(self) -> dict[str, Any]:
        return {"doc_id": self.doc_id, "title": self.title, "lang": None if self.lang is None else str(self.lang)}


@dataclass(frozen=True)
class CitedReference:
    """A reference to an edition, in its passage, with the mention's span marked."""

    reference: Reference
    section: str
    snippet: Snippet | None  # None when the passage is no longer in the index (a stale citations.json)
    edition: Edition | None
    target_documents: list[TargetDocument]

    @property
    def passage_id(self) -> str:
        return self.reference.passage_id

    def to_json(self, formatter: Formatter = html_format) -> dict[str, Any]:
        edition = self.edition
        return {
            **self.reference.to_json(),
            "section": self.section,
            **_snippet_json(self.snippet, formatter),
            "edition_info": None
            if edition is None
            else {
                "number": edition.number,
                "city": edition.city,
                "year": edition.year,
                "label_fr": edition.label_fr,
                "label_ja": edition.label_ja,
            },
            "target_documents": [d.to_json() for d in self.target_documents],
        }


@dataclass(frozen=True)
class EchoMatch:
    """A passage of another declaration taking up the same commitment, shared key terms marked."""

    echo: Echo
    other: Passage | None  # None for a stale citations.json; the reader never fails on it
    snippet: Snippet | None

    def to_json(self, formatter: Formatter = html_format) -> dict[str, Any]:
        other = self.other
        if other is None:
            return {
                **self.echo.to_json(),
                "doc_id": None,
                "lang": None,
                "section": "",
                "text": "",
                "snippet_html": "",
                "snippet": None,
            }
        return {
            **self.echo.to_json(),
            "doc_id": other.doc_id,
            "lang": str(other.lang),
            "section": other.section,
            "text": other.text,
            **_snippet_json(self.snippet, formatter),
            "aligned_passage_ids": list(other.aligned_passage_ids),
        }


@dataclass(frozen=True)
class CitationAnswer:
    """What a passage or document cites, what cites it, what echoes it."""

    id: str
    kind: str  # "passage" or "document"
    cites: list[CitedReference]
    mentions_self: list[CitedReference]
    cited_by: list[CitedReference]
    echoes: list[EchoMatch]
    echoes_available: bool
    echo_threshold: float | None
    subject: dict[str, Any] = field(default_factory=dict)  # {"passage": {...}} or {"document": {...}}

    def to_json(self, formatter: Formatter = html_format) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "cites": [r.to_json(formatter) for r in self.cites],
            "mentions_self": [r.to_json(formatter) for r in self.mentions_self],
            "cited_by": [r.to_json(formatter) for r in self.cited_by],
            "cited_by_level": "document",  # references name editions, so they cite whole declarations
            "echoes": [e.to_json(formatter) for e in self.echoes],
            "echoes_available": self.echoes_available,
            "echo_threshold": self.echo_threshold,
            **self.subject,
        }
