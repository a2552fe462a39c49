"""Keyword search: Whoosh BM25F over the French and Japanese fields and section headings."""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from whoosh import query as Q

from indexer.analysis import analyze, detect_lang
from indexer.analysis.french import FRENCH_STOP_WORDS
from indexer.keyword_index import FIELDS_BY_LANG, LangFields
from indexer.passage import Lang
from search.bm25 import PerLanguageBM25F
from search.fusion import KeywordEvidence
from search.index_reader import OpenIndex
from search.request import check_term_count
from search.term_scores import TermScoreCache, read_docs, top_docnums
from search.text import fold

# Quoted phrases: "…", « … », 「…」, “…”.
_PHRASE = re.compile(r'"([^"]+)"|«\s*([^»]+?)\s*»|「([^」]+)」|“([^”]+)”')
# Hits whose matched terms measure the keyword side's evidence (see search.fusion.keyword_weight).
EVIDENCE_HITS = 5
# Spelling suggestions kept per opened generation (query text -> suggestion); emptied when full.
MAX_CACHED_SUGGESTIONS = 4096
_FIELD_BOOSTS = {"text": 1.0, "exact": 0.4, "section": 0.3}
# The exact field keeps stop words for phrases; as ranked or highlighted terms they are noise.
_FOLDED_STOP_WORDS = frozenset(t.text for w in FRENCH_STOP_WORDS for t in analyze(w, "fr_exact"))

# Question and function words of a *query* ("Que prévoient les villes pour les jeunes ?",
# 「若者のために何をしていますか」): they are not stop words of the text (``comment`` is
# a heading word, 為る a verb), but in a question they say nothing about the answer and
# their matches outvoted the semantic side on the hard queries (tests/data/hard_queries.jsonl).
# They are dropped from a query's ranked terms when another term remains.
QUESTION_WORDS = {
    "fr": """comment quel quelle quels quelles pourquoi combien quoi lequel laquelle lesquels lesquelles
             faire fait font faut peut peuvent doit doivent aura auront avoir va vont t il ils elle elles""".split(),
    "ja": """何 どう どこ いつ 誰 何故 どの どんな どれ どちら 為る 為 居る 有る 成る こと 物 よう つく 言う
             御 もっと 出来る 如何 いかが""".split(),
}
_QUESTION_TERMS = {
    "fr": frozenset(t.text for w in QUESTION_WORDS["fr"] for t in analyze(w, "fr")),
    "fr_exact": frozenset(t.text for w in QUESTION_WORDS["fr"] for t in analyze(w, "fr_exact")),
    "ja": frozenset(QUESTION_WORDS["ja"]),
}


def _content(terms: tuple[str, ...], analyzer: str) -> tuple[str, ...]:
    """``terms`` without question and function words, unless nothing else is left."""
    kept = tuple(t for t in terms if t not in _QUESTION_TERMS[analyzer])
    return kept or terms


@dataclass(frozen=True)
class ParsedQuery:
    lang: Lang
    terms: tuple[str, ...]  # analysed terms of the unquoted part, for ranking
    exact_terms: tuple[str, ...]  # unstemmed terms (French), for the exact field
    phrases: tuple[str, ...]  # quoted phrases, folded, each required
    phrase_terms: tuple[tuple[str, ...], ...]
    #: ranked terms grouped by position: a Japanese compound and its mode-A parts share one
    term_groups: tuple[tuple[str, ...], ...] = ()


def parse_query(text: str) -> ParsedQuery:
    """Split a query into ranked terms and required quoted phrases, analysed like the text."""
    lang = detect_lang(text)
    name = Lang.analyzer_of(lang)
    phrases = [next(g for g in m.groups() if g) for m in _PHRASE.finditer(text)]
    rest = _PHRASE.sub(" ", text)
    terms = _content(tuple(dict.fromkeys(t.text for t in analyze(rest, name))), name)
    exact = (
        _content(
            tuple(dict.fromkeys(t.text for t in analyze(rest, "fr_exact") if t.text not in _FOLDED_STOP_WORDS)),
            "fr_exact",
        )
        if lang == "fr"
        else ()
    )
    phrase_terms = tuple(tuple(dict.fromkeys(t.text for t in analyze(p, name))) for p in phrases)
    kept, by_position = set(terms), dict[int, list[str]]()
    for token in analyze(rest, name):
        if token.text in kept:
            by_position.setdefault(token.position, []).append(token.text)
    groups = tuple(dict.fromkeys(tuple(dict.fromkeys(g)) for g in by_position.values()))
    # The bound on query size, checked here because only analysis knows the terms; it also
    # bounds every Whoosh query built from them (no recursion however long the text).
    check_term_count(len(set(terms).union(exact, *phrase_terms)))
    return ParsedQuery(lang, terms, exact, tuple(fold(p) for p in phrases), phrase_terms, groups)


def whole_query_phrase(text: str) -> str:
    """The query as one folded phrase (quotes dropped), for the exact-phrase ranking rule."""
    return fold(_PHRASE.sub(lambda m: " " + next(g for g in m.groups() if g) + " ", text))


@dataclass(frozen=True)
class KeywordHit:
    row: int
    score: float


class KeywordSearcher:
    """BM25F over one opened index; one Whoosh searcher per thread.

    Queries without a quoted phrase are scored from per-term score arrays
    (:mod:`search.term_scores`), cached for the life of this opened index
    generation; phrase queries go through Whoosh's own query tree.
    """

    def __init__(self, index: OpenIndex) -> None:
        self.index = index
        self._local = threading.local()
        self._term_scores = TermScoreCache()
        self._term_docs = TermScoreCache(read=read_docs)
        self._masks: dict[tuple[tuple[str, ...], tuple[str, ...]], np.ndarray] = {}
        self._suggestions: dict[str, str | None] = {}

    def _searcher(self):
        searcher = getattr(self._local, "searcher", None)
        if searcher is None:
            counts = {lang: len(rows) for lang, rows in self.index.rows_by_lang.items()}
            searcher = self._local.searcher = self.index.keyword.searcher(weighting=PerLanguageBM25F(counts))
        return searcher

    def _fields(self, lang: str) -> LangFields:
        return FIELDS_BY_LANG[lang]

    def _build(self, parsed: ParsedQuery) -> Q.Query | None:
        fields = self._fields(parsed.lang)
        optional: list[Q.Query] = []
        for term in parsed.terms:
            optional.append(Q.Term(fields["text"], term, boost=_FIELD_BOOSTS["text"]))
            optional.append(Q.Term(fields["section"], term, boost=_FIELD_BOOSTS["section"]))
        if fields["exact"]:
            optional.extend(Q.Term(fields["exact"], t, boost=_FIELD_BOOSTS["exact"]) for t in parsed.exact_terms)
        required = [Q.And([Q.Term(fields["text"], t) for t in terms]) for terms in parsed.phrase_terms if terms]
        if required:
            must = Q.And(required)
            return Q.AndMaybe(must, Q.Or(optional)) if optional else must
        return Q.Or(optional) if optional else None

    @staticmethod
    def _filter(langs: set[str] | None, docs: set[str] | None) -> Q.Query | None:
        parts = []
        if langs:
            parts.append(Q.Or([Q.Term("lang", lang) for lang in sorted(langs)]))
        if docs:
            parts.append(Q.Or([Q.Term("doc_id", d) for d in sorted(docs)]))
        return Q.And(parts) if parts else None

    def _clauses(self, parsed: ParsedQuery) -> list[tuple[str, str, float]]:
        """``(field, term, boost)`` of the OR that :meth:`_build` makes of a phrase-less query."""
        fields = self._fields(parsed.lang)
        clauses = []
        for term in parsed.terms:
            clauses.append((fields["text"], term, _FIELD_BOOSTS["text"]))
            clauses.append((fields["section"], term, _FIELD_BOOSTS["section"]))
        if fields["exact"]:
            clauses.extend((fields["exact"], t, _FIELD_BOOSTS["exact"]) for t in parsed.exact_terms)
        return clauses

    def _allowed(self, langs: set[str] | None, docs: set[str] | None) -> np.ndarray | None:
        """Boolean mask over Whoosh docnums for the lang/doc filters (cached per filter)."""
        if not langs and not docs:
            return None
        key = (tuple(sorted(langs or ())), tuple(sorted(docs or ())))
        mask = self._masks.get(key)
        if mask is None:
            rows = np.arange(len(self.index.store))
            if langs:
                rows = np.intersect1d(
                    rows, np.concatenate([self.index.rows_by_lang.get(lang, np.empty(0, np.int64)) for lang in langs])
                )
            if docs:
                rows = np.intersect1d(
                    rows, np.concatenate([self.index.rows_by_doc.get(d, np.empty(0, np.int64)) for d in docs])
                )
            mask = self._masks[key] = np.isin(self.index.row_of_docnum, rows)
        return mask

    def _scored_arrays(
        self, parsed: ParsedQuery, window: int | None, langs: set[str] | None, docs: set[str] | None
    ) -> tuple[np.ndarray, np.ndarray, int]:
        """The OR of the query's clauses from cached per-term score arrays (no phrase): rows, scores, total."""
        searcher = self._searcher()
        parts = [(*self._term_scores.get(searcher, field, term), boost) for field, term, boost in self._clauses(parsed)]
        row_of = self.index.row_of_docnum
        k = len(row_of) if window is None else window
        docnums, scores, total = top_docnums(parts, len(row_of), k, self._allowed(langs, docs))
        return row_of[docnums], scores, total

    def _scored(
        self, parsed: ParsedQuery, window: int | None, langs: set[str] | None, docs: set[str] | None
    ) -> tuple[list[KeywordHit], int]:
        rows, scores, total = self._scored_arrays(parsed, window, langs, docs)
        return [KeywordHit(row, score) for row, score in zip(rows.tolist(), scores.tolist(), strict=True)], total

    def search_arrays(
        self, parsed: ParsedQuery, langs: set[str] | None = None, docs: set[str] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """Every hit, as :meth:`search` with no window gives them, as arrays: rows (int64) and scores (float64).

        No :class:`KeywordHit` per match: at 100,000 synthetic passages a common term matches
        tens of thousands of passages, and the search service only needs the arrays.
        """
        if not parsed.phrases:
            rows, scores, _total = self._scored_arrays(parsed, None, langs, docs)
            return rows.astype(np.int64, copy=False), scores.astype(np.float64, copy=False)
        hits, _ = self.search(parsed, None, langs, docs)
        return np.array([h.row for h in hits], dtype=np.int64), np.array([h.score for h in hits], dtype=np.float64)

    def search(
        self, parsed: ParsedQuery, window: int | None, langs: set[str] | None = None, docs: set[str] | None = None
    ) -> tuple[list[KeywordHit], int]:
        """The best ``window`` hits (every hit when ``None``) and the total number of matching passages."""
        if not parsed.phrases:
            return self._scored(parsed, window, langs, docs)
        whoosh_query = self._build(parsed)
        if whoosh_query is None:
            return [], 0
        limit = None if parsed.phrases else window
        # optimize=False: the collector counts every match while scoring, instead of
        # len(results) running the whole query a second time to count them.
        results = self._searcher().search(whoosh_query, limit=limit, filter=self._filter(langs, docs), optimize=False)
        row_of = self.index.row_of_docnum  # rows shift between generations; Whoosh stores passage ids
        hits = [KeywordHit(int(row_of[hit.docnum]), float(hit.score)) for hit in results]
        if parsed.phrases:  # terms matched; now require each quoted phrase verbatim (folded)
            passages = self.index.store.passages
            hits = [h for h in hits if all(p in fold(passages[h.row].text) for p in parsed.phrases)]
            return hits[:window] if window is not None else hits, len(hits)
        return hits, len(results)

    def _docs_with_all(self, field: str, terms: Sequence[str]) -> np.ndarray:
        """Documents holding every term: posting lists intersected here, rarest term first.

        Not a Whoosh ``And``: Whoosh builds an AND of n terms as a matcher chain n deep, and
        1,724 distinct kanji overflowed the stack. Flat by construction, and it stops at the
        first term that leaves nothing. Each term's documents are read once per index
        generation (:func:`search.term_scores.read_docs`).
        """
        searcher = self._searcher()
        found: np.ndarray | None = None
        for term in sorted(terms, key=lambda t: searcher.doc_frequency(field, t)):
            docs = self._term_docs.get(searcher, field, term)[0]
            found = docs if found is None else found[np.isin(found, docs, assume_unique=True)]
            if len(found) == 0:
                break
        return np.empty(0, np.int64) if found is None else found

    def rows_containing(
        self, phrase: str, parsed: ParsedQuery, langs: set[str] | None, docs: set[str] | None
    ) -> list[int]:
        """Rows whose folded text contains ``phrase``; candidates come from an AND of the terms."""
        terms = parsed.exact_terms if parsed.lang == "fr" else parsed.terms
        field = self._fields(parsed.lang)["exact" if parsed.lang == "fr" else "text"]
        if not phrase or not terms or field is None:
            return []
        docnums = self._docs_with_all(field, terms)
        row_of, folded, passages = self.index.row_of_docnum, self.index.folded_texts, self.index.store.passages
        rows = np.sort(row_of[docnums]).tolist()
        return [
            row
            for row in rows
            if phrase in folded[row]
            and (not langs or passages[row].lang in langs)
            and (not docs or passages[row].doc_id in docs)
        ]

    def did_you_mean(self, query: str) -> str | None:
        """A correction of ``query`` from the index vocabulary (see :mod:`search.spelling`).

        Kept per generation (the vocabulary does not change under it): a semantic search has
        no keyword matches, so it asks on every query, and a word the index lacks cost ~5 ms
        of edit-distance search at 100k passages.
        """
        if query in self._suggestions:
            return self._suggestions[query]
        from search.spelling import suggest

        found = suggest(self._searcher(), self.index, query)
        if len(self._suggestions) >= MAX_CACHED_SUGGESTIONS:  # another thread may clear it too
            self._suggestions.clear()
        self._suggestions[query] = found
        return found

    def rows_with_phrase(self, phrase: str) -> set[int]:
        """Rows whose folded text contains the quoted ``phrase``, in the phrase's own language.

        Candidates come from an AND of the phrase's terms in the unstemmed field
        (French) or the text field (Japanese); the folded text then decides.
        """
        folded_phrase = fold(phrase)
        if not folded_phrase:
            return set()
        lang = detect_lang(phrase)
        fields = self._fields(lang)
        terms = [t.text for t in analyze(phrase, "fr_exact" if lang == "fr" else "ja")]
        folded = self.index.folded_texts
        if terms:
            field = fields["exact"] or fields["text"]
            docnums = self._docs_with_all(field, list(dict.fromkeys(terms)))
            candidates = iter(self.index.row_of_docnum[docnums].tolist())
        else:  # punctuation or symbols only: read the texts of the phrase's language
            candidates = (int(r) for r in self.index.rows_by_lang.get(lang, ()))
        return {row for row in candidates if folded_phrase in folded[row]}

    def evidence(self, parsed: ParsedQuery, hits: list[KeywordHit], top: int = EVIDENCE_HITS) -> KeywordEvidence:
        """IDF of the query's content terms and the terms each of the ``top`` best hits matched."""
        field = self._fields(parsed.lang)["text"]
        searcher = self._searcher()
        docs = max(1, len(self.index.rows_by_lang.get(parsed.lang, ())))
        idf = {t: math.log(docs / (searcher.doc_frequency(field, t) + 1)) + 1 for t in parsed.terms}
        wanted, passages = set(parsed.terms), self.index.store.passages
        name = str(Lang.analyzer_of(parsed.lang))
        matched = [
            wanted & _terms_of(passages[h.row].text, name) for h in hits[:top] if passages[h.row].lang == parsed.lang
        ]
        return KeywordEvidence(idf, matched, parsed.term_groups)


@lru_cache(maxsize=8192)
def _terms_of(text: str, analyzer: str) -> frozenset[str]:
    return frozenset(t.text for t in analyze(text, analyzer))
