"""Quotation lookup: where does this (possibly inexact) quotation come from?

1. Both the quotation and every passage are reduced to a *skeleton*: folded
   like :func:`search.text.fold` (case, accents, width, quote marks), with
   punctuation dropped and whitespace collapsed; each skeleton character
   remembers its offset in the passage text, so a match maps back to a span.
   Elision marks (``[…]``, ``(...)``, ``…``) are removed from the quotation.
2. Candidates come from an inverted index of character shingles built when
   the index is opened; the best few by shingle containment are verified.
3. Verification aligns the quotation with the passage skeleton in order
   (:class:`difflib.SequenceMatcher`, character level); the score is the share
   of the quotation's characters covered by aligned blocks long enough to be
   more than coincidence. A dropped, added or changed word, or an elided
   stretch, costs only its own characters; phrases borrowed from several
   places do not add up to a match because the blocks must come in order.
4. When nothing reaches :data:`MATCH_THRESHOLD` (for instance a quotation in
   the other language, or someone else's translation), a semantic fallback
   compares the quotation's embedding with passage and sentence vectors of
   the other language, and accepts the best one only when it stands out
   (cosine, z-score and margin thresholds below).
"""

from __future__ import annotations

import re
import time
from collections import defaultdict
from dataclasses import dataclass
from difflib import SequenceMatcher

import numpy as np

from indexer.analysis import detect_lang
from indexer.passage import Lang
from search.errors import BadRequest
from search.highlight import SNIPPET_CHARS, MarkKind, make_snippet, whole_text_span
from search.index_reader import OpenIndex
from search.results import QuoteAnswer, QuoteMatch
from search.semantic import EncoderLoader, LazyEncoder, closest_sentence
from search.text import fold

MATCH_THRESHOLD = 0.6  # share of the quotation's characters aligned in order
# Semantic fallback (passage prompt on both sides), calibrated on hand-made translations of
# corpus sentences against out-of-corpus sentences: the three conditions together separate them.
SEMANTIC_THRESHOLD = 0.82  # cosine of the best passage of the other language
SEMANTIC_MIN_Z = 2.85  # how far it stands above the other passages' cosines (standard deviations)
SEMANTIC_MIN_MARGIN = 0.015  # and above the runner-up
MAX_QUOTE_CHARS = 5000
CANDIDATES = 12
_SHINGLE = {"fr": 5, "ja": 2}
_MIN_BLOCK = {"fr": 4, "ja": 2}
_MAX_GAP = {"fr": 16, "ja": 4}  # a changed or dropped word (French), a character or two (Japanese)
_ELISION = re.compile(r"\[\s*(?:…|\.{2,})?\s*\]|\(\s*(?:…|\.{2,})\s*\)|…|\.{3,}")


@dataclass(frozen=True)
class Skeleton:
    """Folded, punctuation-free text and, per character, its offset in the source."""

    text: str
    offsets: tuple[int, ...]


def skeleton(text: str) -> Skeleton:
    """Reduce ``text`` to letters, digits and single spaces, keeping source offsets.

    Each character is folded on its own with :func:`search.text.fold`, so the
    quotation and the passages are folded by the very same rule.
    """
    chars: list[str] = []
    offsets: list[int] = []
    for i, c in enumerate(text):
        folded = " " if not c.isalnum() else fold(c)
        for f in folded:
            if f.isalnum():
                chars.append(f)
                offsets.append(i)
            elif chars and chars[-1] != " ":
                chars.append(" ")
                offsets.append(i)
    while chars and chars[-1] == " ":
        chars.pop()
        offsets.pop()
    return Skeleton("".join(chars), tuple(offsets))


def _japanese_compact(s: Skeleton) -> Skeleton:
    """Japanese has no word spaces: drop them so that a stray space never breaks a shingle."""
    keep = [i for i, c in enumerate(s.text) if c != " "]
    return Skeleton("".join(s.text[i] for i in keep), tuple(s.offsets[i] for i in keep))


def shingles(text: str, n: int) -> set[str]:
    if len(text) <= n:
        return {text} if text else set()
    return {text[i : i + n] for i in range(len(text) - n + 1)}


@dataclass(frozen=True)
class Alignment:
    score: float
    start: int  # offsets into the passage text
    end: int


def _cluster(blocks: list, max_gap: int) -> list:
    """The run of consecutive blocks (target gaps ≤ ``max_gap``) covering the most characters.

    Common short strings (« de la ») also match far away; only the dense
    stretch where the quotation actually sits counts.
    """
    runs: list[list] = []
    for b in blocks:
        if runs and b.b - (runs[-1][-1].b + runs[-1][-1].size) <= max_gap:
            runs[-1].append(b)
        else:
            runs.append([b])
    return max(runs, key=lambda run: (sum(b.size for b in run), -run[0].b)) if runs else []


def _nonspace(text: str) -> int:
    return len(text) - text.count(" ")


def align(fragments: list[str], target: Skeleton, min_block: int, max_gap: int) -> Alignment | None:
    """Align the quotation's fragments with ``target``, in order, each as one dense stretch.

    The score is the share of the quotation's (non-space) characters inside
    the aligned stretches; None when no fragment aligns at all.
    """
    covered, total, pos, first, last = 0, 0, 0, None, None
    for fragment in fragments:
        total += _nonspace(fragment)
        matcher = SequenceMatcher(None, fragment, target.text[pos:], autojunk=False)
        blocks = [
            b for b in matcher.get_matching_blocks() if b.size >= min_block and fragment[b.a : b.a + b.size].strip()
        ]
        run = _cluster(blocks, max_gap)
        if not run:
            continue
        covered += sum(_nonspace(fragment[b.a : b.a + b.size]) for b in run)
        start, end = pos + run[0].b, pos + run[-1].b + run[-1].size
        first = start if first is None else first
        last, pos = end, end
    if first is None or last is None or not total:
        return None
    while target.text[first] == " ":
        first += 1
    while target.text[last - 1] == " ":
        last -= 1
    return Alignment(covered / total, target.offsets[first], target.offsets[last - 1] + 1)


class QuoteFinder:
    """Finds the source passages of quotations over one opened index.

    The shingle index is built once, here; ``encoder`` (texts → normalised
    passage-prompt vectors) is called only for the semantic fallback.
    """

    def __init__(self, index: OpenIndex, encoder_loader: EncoderLoader | None = None) -> None:
        self.index = index
        self.encoder = LazyEncoder(index, encoder_loader)
        store = index.store
        self._skeletons: dict[int, Skeleton] = {}
        self._postings: dict[str, dict[str, set[int]]] = {"fr": defaultdict(set), "ja": defaultdict(set)}
        for row in range(len(store)):
            s = skeleton(store.passages[row].text)
            self._skeletons[row] = s
            for lang, n in _SHINGLE.items():
                text = _japanese_compact(s).text if lang == "ja" else s.text
                for sh in shingles(text, n):
                    self._postings[lang][sh].add(row)
        # Identical passages (the same table caption or sentence repeated) are one source, listed together.
        self._same_text: dict[str, list[int]] = defaultdict(list)
        for row, s in self._skeletons.items():
            self._same_text[s.text].append(row)

    # -- near-exact -----------------------------------------------------------------------------
    def _near_exact(self, quote: str, lang: str) -> list[tuple[float, int, Alignment]]:
        n = _SHINGLE[lang]
        fragments = [
            _japanese_compact(skeleton(f)).text if lang == "ja" else skeleton(f).text for f in _ELISION.split(quote)
        ]
        fragments = [f for f in fragments if f]
        wanted = set().union(*(shingles(f, n) for f in fragments))
        counts: dict[int, int] = defaultdict(int)
        for sh in wanted:
            for row in self._postings[lang].get(sh, ()):
                counts[row] += 1
        best = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:CANDIDATES]
        out = []
        for row, _ in best:
            target = self._skeletons[row]
            if lang == "ja":
                target = _japanese_compact(target)
            alignment = align(fragments, target, _MIN_BLOCK[lang], _MAX_GAP[lang])
            if alignment is not None and alignment.score >= MATCH_THRESHOLD:
                out.append((alignment.score, row, alignment))
        # On a tie, the passage the quotation fills most (a heading before the paragraph repeating it).
        out.sort(key=lambda t: (-round(t[0], 6), len(self._skeletons[t[1]].text), t[1]))
        return out

    # -- semantic fallback ----------------------------------------------------------------------
    def _semantic(self, quote: str, lang: str) -> list[tuple[float, int, Alignment]]:
        """The one passage of the other language that stands out for the quotation, if any.

        e5 cosines are compressed (unrelated texts score 0.80–0.86), so a high
        cosine alone is a weak guess. The best passage must also stand out from
        the rest (z-score over all candidates) and from the runner-up (margin).
        """
        index = self.index
        if not self.encoder.available or index.vectors is None:
            return []
        other = Lang.analyzer_of(lang).other
        rows = np.asarray(
            [
                r
                for r in index.rows_by_lang.get(other, np.empty(0, np.int64)).tolist()
                if not index.store.passages[r].is_structural
            ],
            dtype=np.int64,
        )
        if len(rows) < 3:
            return []
        vector = np.asarray(self.encoder.get().encode_passages([quote])[0], dtype=np.float32)
        scores = np.asarray(index.vectors[rows]) @ vector
        order = np.argsort(-scores, kind="stable")
        top, second = float(scores[order[0]]), float(scores[order[1]])
        z = (top - float(scores.mean())) / (float(scores.std()) or 1.0)
        if top < SEMANTIC_THRESHOLD or z < SEMANTIC_MIN_Z or top - second < SEMANTIC_MIN_MARGIN:
            return []
        row = int(rows[order[0]])
        span = closest_sentence(index, row, vector) or whole_text_span(index.store.passages[row].text)
        return [(top, row, Alignment(top, span[0], span[1]))]

    # -- answer ---------------------------------------------------------------------------------
    def match(self, text: str | None, limit: int = 5, semantic: bool = True) -> QuoteAnswer:
        """Source passages of a quotation, best first; none when nothing reaches the threshold.

        Raises
        ------
        BadRequest
            For an empty quotation (elision marks and punctuation alone count as empty) or one
            longer than :data:`MAX_QUOTE_CHARS`.
        """
        started = time.perf_counter()
        quote = text or ""
        if not skeleton(_ELISION.sub(" ", quote)).text:
            raise BadRequest('the quotation is empty: give the words to look for, e.g. jumelage quote "…"')
        if len(quote) > MAX_QUOTE_CHARS:
            raise BadRequest(f"the quotation is {len(quote)} characters long: give at most {MAX_QUOTE_CHARS}")
        if not 1 <= limit <= 100:
            raise BadRequest(f"limit must be between 1 and 100, not {limit}")
        lang = detect_lang(quote)
        method, threshold = "shingles", MATCH_THRESHOLD
        found = self._near_exact(quote, lang)
        if not found and semantic:
            method, threshold = "semantic", SEMANTIC_THRESHOLD
            found = self._semantic(quote, lang)
        matches = self._present(found[:limit], method)
        message = (
            f"{len(matches)} source passage(s) found" if matches else "no passage of the corpus matches this quotation"
        )
        return QuoteAnswer(
            text,
            lang,
            method if matches else None,
            threshold,
            round((time.perf_counter() - started) * 1000, 2),
            message,
            matches,
        )

    def find(self, text: str | None, limit: int = 5, semantic: bool = True) -> dict:
        """:meth:`match` as JSON: ``{query, lang, matched, method, threshold, took_ms, message, matches:[{rank,
        passage_id, doc_id, lang, section, score, method, start, end, snippet_html, snippet, text,
        aligned_passage_ids, same_text_as}]}``."""
        return self.match(text, limit, semantic).to_json()

    def _present(self, found: list[tuple[float, int, Alignment]], method: str) -> list[QuoteMatch]:
        store = self.index.store
        kind = MarkKind.SEMANTIC if method == "semantic" else MarkKind.KEYWORD
        out = []
        for rank, (score, row, al) in enumerate(found, start=1):
            p = store.passages[row]
            twins = [store.passages[r].passage_id for r in self._same_text[self._skeletons[row].text] if r != row]
            shown = make_snippet(
                p.text, [(al.start, al.end)], kind, max_chars=max(SNIPPET_CHARS, al.end - al.start + 120)
            )
            out.append(QuoteMatch(rank, p, score, method, al.start, al.end, shown, twins))
        return out
