"""Snippets: fragmenter → scorer → formatter, on the passage text through offsets.

Match spans come from running the passage's own analyzer over its text and
keeping the tokens whose terms the query has, so the marks land on exactly
the characters that matched (in Japanese too, where there are no spaces).
Everything but our ``<mark>`` tags is HTML-escaped.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from indexer.analysis import analyze
from indexer.passage import Lang
from indexer.vectors import sentence_spans

SNIPPET_CHARS = 320
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
            end = start + max_chars
        out.append(Fragment(start, end))
    return out


def best_fragment(candidates: list[Fragment], spans: list[Span]) -> Fragment:
    """The fragment covering the most marked characters; the earliest on a tie."""

    def covered(f: Fragment) -> int:
        return sum(max(0, min(e, f.end) - max(s, f.start)) for s, e in spans)

    return max(candidates, key=lambda f: (covered(f), -f.start))


def format_fragment(text: str, fragment: Fragment, spans: list[Span], css_class: str | None = None) -> str:
    """Escape the fragment and wrap the spans in ``<mark>`` (``class`` given for semantic marks)."""
    open_tag = f'<mark class="{css_class}">' if css_class else "<mark>"
    out, pos = [], fragment.start
    for start, end in spans:
        start, end = max(start, fragment.start), min(end, fragment.end)
        if start >= end:
            continue
        out.append(html.escape(text[pos:start], quote=False))
        out.append(open_tag + html.escape(text[start:end], quote=False) + "</mark>")
        pos = end
    out.append(html.escape(text[pos : fragment.end], quote=False))
    prefix = "… " if fragment.start > 0 else ""
    suffix = " …" if fragment.end < len(text.rstrip()) else ""
    return prefix + "".join(out).strip() + suffix


def snippet(text: str, spans: list[Span], css_class: str | None = None, max_chars: int = SNIPPET_CHARS) -> str:
    """Highlighted, escaped snippet of ``text`` around ``spans``."""
    fragment = best_fragment(fragments(text, max_chars), spans)
    return format_fragment(text, fragment, spans, css_class)
