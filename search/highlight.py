"""Snippets: fragmenter → scorer → formatter, on the passage text through offsets.

Match spans come from running the passage's own analyzer over its text and
keeping the tokens whose terms the query has, so the marks land on exactly
the characters that matched (in Japanese too, where there are no spaces).
Search returns :class:`Snippet` objects (a window and its marks, no markup);
formatters turn them into HTML (everything but our ``<mark>`` tags escaped)
or terminal text at the edges.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from indexer.analysis import analyze
from indexer.passage import Lang
from indexer.vectors import sentence_spans

SNIPPET_CHARS = 320
#: The same amount of content in Japanese: the bundled Japanese texts hold 0.51 characters for each
#: character of their French originals (12,042 / 23,413, whitespace collapsed), so 160, not 320.
SNIPPET_CHARS_JA = 160
#: Where a window may end inside a run of text with no space (Japanese): after this punctuation.
_SOFT_BREAKS = "、，,;；・:："
Span = tuple[int, int]


@dataclass(frozen=True)
class Fragment:
    start: int
    end: int


@lru_cache(maxsize=8192)
def _passage_terms(text: str, analyzer: str) -> tuple[tuple[str, int, int], ...]:
    # Passages are immutable and the same ones come back query after query; analysing a
    # Japanese passage with Sudachi costs ~1 ms, a cache hit nothing.
    return tuple((t.text, t.start, t.end) for t in analyze(text, analyzer))


def match_spans(text: str, lang: str, terms: Iterable[str], exact_terms: Iterable[str] = ()) -> list[Span]:
    """Merged character spans of ``text`` whose analysed terms are among the query's."""
    spans: list[Span] = []
    wanted = set(terms)
    if wanted:
        spans += [(s, e) for term, s, e in _passage_terms(text, Lang.analyzer_of(lang)) if term in wanted]
    exact = set(exact_terms)
    if exact and lang == "fr":
        spans += [(s, e) for term, s, e in _passage_terms(text, "fr_exact") if term in exact]
    return merge_spans(spans)


def whole_text_span(text: str) -> Span:
    """The span of ``text`` without its outer whitespace (what marking "all of it" marks)."""
    stripped = text.rstrip()
    return (len(stripped) - len(stripped.lstrip()), len(stripped))


def merge_spans(spans: Iterable[Span]) -> list[Span]:
    merged: list[Span] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def fragments(text: str, max_chars: int = SNIPPET_CHARS) -> list[Fragment]:
    """Candidate windows: the whole text when short, else runs of whole sentences."""
    if len(text) <= max_chars:
        return [Fragment(0, len(text))]
    sentences = sentence_spans(text) or [(0, len(text))]
    out = []
    for i, (start, end) in enumerate(sentences):
        j = i
        while j + 1 < len(sentences) and sentences[j + 1][1] - start <= max_chars:
            j += 1
            end = sentences[j][1]
        if end - start > max_chars:
            end = word_end(text, start, start + max_chars)
        out.append(Fragment(start, end))
    return out


def word_end(text: str, start: int, end: int) -> int:
    """``end``, moved back so a window ``[start, end)`` never stops inside a word.

    A window cut by length alone ended mid-word ("… la coopé …"). The cut goes
    back to the last space of the window's second half, or, in text with no
    spaces (Japanese), to just after its last comma-like mark; when neither
    exists (one very long word or clause) the length cut stays.
    """
    if end >= len(text) or text[end - 1].isspace() or text[end].isspace() or not text[end].isalnum():
        return end
    floor = start + (end - start) // 2
    space = max(text.rfind(c, floor, end) for c in " \t\n\u3000")
    if space > floor:
        return space
    soft = max(text.rfind(c, floor, end) for c in _SOFT_BREAKS)
    return soft + 1 if soft >= floor else end


def window_chars(lang: str) -> int:
    """Snippet length for a passage in ``lang`` (the same content in French and in Japanese)."""
    return SNIPPET_CHARS_JA if lang == "ja" else SNIPPET_CHARS


def trimmed(snippet: Snippet, lang: str) -> Snippet:
    """``snippet`` cut to the window a result in ``lang`` would show, around its marks (an aligned translation)."""
    text = snippet.text
    if len(text) <= window_chars(lang):
        return snippet
    spans = [(m.start, m.end) for m in snippet.marks]
    fragment = best_fragment(fragments(text, window_chars(lang)), spans)
    return Snippet(text, fragment.start, fragment.end, snippet.marks)


def best_fragment(candidates: list[Fragment], spans: list[Span]) -> Fragment:
    """The fragment covering the most marked characters; the earliest on a tie."""

    def covered(f: Fragment) -> int:
        return sum(max(0, min(e, f.end) - max(s, f.start)) for s, e in spans)

    return max(candidates, key=lambda f: (covered(f), -f.start))


class MarkKind(StrEnum):
    """Why a span is marked: a query term matched, or it is the sentence closest in meaning."""

    KEYWORD = "keyword"
    SEMANTIC = "semantic"
    COMMITMENT = "commitment"  # a commitment sentence (search --commitments)


@dataclass(frozen=True)
class Mark:
    """A marked span of a passage text (character offsets into the text)."""

    start: int
    end: int
    kind: MarkKind = MarkKind.KEYWORD

    def to_json(self) -> dict:
        return {"start": self.start, "end": self.end, "kind": str(self.kind)}


@dataclass(frozen=True)
class Snippet:
    """A window ``[start, end)`` of ``text`` and the marks to show in it; no markup.

    Search returns this, and each edge formats it: the web pages with a Jinja
    macro (autoescaped), the JSON API with :func:`html_format` (its
    ``snippet_html``), the command line with :func:`bracket_format`. As in
    Whoosh's ``highlight()``, the formatter is passed in, never baked in.
    """

    text: str
    start: int
    end: int
    marks: tuple[Mark, ...] = ()

    @property
    def leading_ellipsis(self) -> bool:
        return self.start > 0

    @property
    def trailing_ellipsis(self) -> bool:
        return self.end < len(self.text.rstrip())

    @property
    def marked(self) -> bool:
        """Whether some mark falls inside the window."""
        return any(min(m.end, self.end) > max(m.start, self.start) for m in self.marks)

    def segments(self) -> list[tuple[str, MarkKind | None]]:
        """The window as ``(text, kind)`` pieces in order; ``kind`` is None between marks.

        Whitespace at either end of the window is dropped (but not inside a mark).
        """
        out: list[tuple[str, MarkKind | None]] = []
        pos = self.start
        for mark in self.marks:
            start, end = max(mark.start, self.start), min(mark.end, self.end)
            if start >= end:
                continue
            out.append((self.text[pos:start], None))
            out.append((self.text[start:end], mark.kind))
            pos = end
        out.append((self.text[pos : self.end], None))
        if out[0][1] is None:
            out[0] = (out[0][0].lstrip(), None)
        if out[-1][1] is None:
            out[-1] = (out[-1][0].rstrip(), None)
        return [(text, kind) for text, kind in out if text]

    def to_json(self) -> dict:
        """The window and every mark, offsets into the passage text (the API's ``snippet``)."""
        return {"start": self.start, "end": self.end, "marks": [m.to_json() for m in self.marks]}


Formatter = Callable[[Snippet], str]
"""Turns a :class:`Snippet` into text for one edge (HTML, plain terminal text…)."""

_HTML_OPEN = {
    MarkKind.KEYWORD: "<mark>",
    MarkKind.SEMANTIC: '<mark class="sem">',
    MarkKind.COMMITMENT: '<mark class="commit">',
}
_BRACKETS = {MarkKind.KEYWORD: ("[", "]"), MarkKind.SEMANTIC: ("{", "}"), MarkKind.COMMITMENT: ("«", "»")}


def _decorate(snippet: Snippet, body: str) -> str:
    return ("… " if snippet.leading_ellipsis else "") + body + (" …" if snippet.trailing_ellipsis else "")


def html_format(snippet: Snippet) -> str:
    """Escaped HTML with ``<mark>`` (keyword) and ``<mark class="sem">`` (semantic): the API's ``snippet_html``."""
    body = "".join(
        html.escape(text, quote=False)
        if kind is None
        else _HTML_OPEN[kind] + html.escape(text, quote=False) + "</mark>"
        for text, kind in snippet.segments()
    )
    return _decorate(snippet, body)


def bracket_format(snippet: Snippet) -> str:
    """Plain text for a terminal: ``[keyword hit]``, ``{closest sentence of a semantic hit}``."""
    body = "".join(
        text if kind is None else _BRACKETS[kind][0] + text + _BRACKETS[kind][1] for text, kind in snippet.segments()
    )
    return _decorate(snippet, body)


def marks_of(spans: Iterable[Span], kind: MarkKind = MarkKind.KEYWORD) -> tuple[Mark, ...]:
    return tuple(Mark(start, end, kind) for start, end in spans)


def make_snippet(
    text: str, spans: list[Span], kind: MarkKind = MarkKind.KEYWORD, max_chars: int = SNIPPET_CHARS
) -> Snippet:
    """The best window of ``text`` around ``spans`` (at most ``max_chars``), with its marks."""
    fragment = best_fragment(fragments(text, max_chars), spans)
    return Snippet(text, fragment.start, fragment.end, marks_of(spans, kind))


def whole_text(text: str, spans: list[Span], kind: MarkKind = MarkKind.KEYWORD) -> Snippet:
    """All of ``text`` with ``spans`` marked (a passage shown in full)."""
    return Snippet(text, 0, len(text), marks_of(spans, kind))


def snippet(text: str, spans: list[Span], css_class: str | None = None, max_chars: int = SNIPPET_CHARS) -> str:
    """Highlighted, escaped HTML snippet of ``text`` around ``spans`` (``css_class="sem"``: semantic marks).

    Shorthand for ``html_format(make_snippet(...))``, for callers that only want HTML.
    """
    kind = MarkKind.SEMANTIC if css_class == "sem" else MarkKind.KEYWORD
    return html_format(make_snippet(text, spans, kind, max_chars))
