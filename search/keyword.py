"""Keyword search: Whoosh BM25F over the French and Japanese fields and section headings."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

import numpy as np
from whoosh import query as Q

from indexer.analysis import analyze, detect_lang
from indexer.analysis.french import FRENCH_STOP_WORDS
from indexer.passage import Lang
from search.bm25 import PerLanguageBM25F
from search.index_reader import OpenIndex
from search.term_scores import TermScoreCache, top_docnums
from search.text import fold

# Quoted phrases: "…", « … », 「…」, “…”.
_PHRASE = re.compile(r'"([^"]+)"|«\s*([^»]+?)\s*»|「([^」]+)」|“([^”]+)”')
_FIELD_BOOSTS = {"text": 1.0, "exact": 0.4, "section": 0.3}
# The exact field keeps stop words for phrases; as ranked or highlighted terms they are noise.
_FOLDED_STOP_WORDS = frozenset(t.text for w in FRENCH_STOP_WORDS for t in analyze(w, "fr_exact"))


@dataclass(frozen=True)
class ParsedQuery:
    lang: str
    terms: tuple[str, ...]  # analysed terms of the unquoted part, for ranking
    exact_terms: tuple[str, ...]  # unstemmed terms (French), for the exact field
    phrases: tuple[str, ...]  # quoted phrases, folded, each required
    phrase_terms: tuple[tuple[str, ...], ...]

    @property
    def empty(self) -> bool:
        return not self.terms and not self.phrases


def parse_query(text: str) -> ParsedQuery:
    """Split a query into ranked terms and required quoted phrases, analysed like the text."""
    lang = detect_lang(text)
    name = Lang.analyzer_of(lang)
    phrases = [next(g for g in m.groups() if g) for m in _PHRASE.finditer(text)]
    rest = _PHRASE.sub(" ", text)
    terms = tuple(dict.fromkeys(t.text for t in analyze(rest, name)))
    exact = tuple(dict.fromkeys(t.text for t in analyze(rest, "fr_exact") if t.text not in _FOLDED_STOP_WORDS)) if lang == "fr" else ()
    phrase_terms = tuple(tuple(dict.fromkeys(t.text for t in analyze(p, name))) for p in phrases)
    return ParsedQuery(lang, terms, exact, tuple(fold(p) for p in phrases), phrase_terms)


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
    (:mod:`search.term_scores`), cached for the life of this opened index;
    phrase queries go through Whoosh's own query tree.
    """

    def __init__(self, index: OpenIndex) -> None:
        self.index = index
        self._local = threading.local()
        self._term_scores = TermScoreCache()
        self._masks: dict[tuple[tuple[str, ...], tuple[str, ...]], np.ndarray] = {}

    def _searcher(self):
        searcher = getattr(self._local, "searcher", None)
        if searcher is None:
            counts = {lang: len(rows) for lang, rows in self.index.rows_by_lang.items()}
            searcher = self._local.searcher = self.index.keyword.searcher(weighting=PerLanguageBM25F(counts))
        return searcher

    def _fields(self, lang: str) -> dict[str, str | None]:
        from indexer.keyword_index import FIELDS_BY_LANG

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
                rows = np.intersect1d(rows, np.concatenate(
                    [self.index.rows_by_lang.get(lang, np.empty(0, np.int64)) for lang in langs]))
            if docs:
                rows = np.intersect1d(rows, np.concatenate(
                    [self.index.rows_by_doc.get(d, np.empty(0, np.int64)) for d in docs]))
            mask = self._masks[key] = np.isin(self.index.row_of_docnum, rows)
        return mask

    def _scored(self, parsed: ParsedQuery, window: int, langs: set[str] | None,
                docs: set[str] | None) -> tuple[list[KeywordHit], int]:
        """The OR of the query's clauses from cached per-term score arrays (no phrase)."""
        searcher = self._searcher()
        parts = [(*self._term_scores.get(searcher, field, term), boost)
                 for field, term, boost in self._clauses(parsed)]
        row_of = self.index.row_of_docnum
        docnums, scores, total = top_docnums(parts, len(row_of), window, self._allowed(langs, docs))
        rows = row_of[docnums].tolist()
        return [KeywordHit(row, score) for row, score in zip(rows, scores.tolist())], total

    def search(self, parsed: ParsedQuery, window: int, langs: set[str] | None = None,
               docs: set[str] | None = None) -> tuple[list[KeywordHit], int]:
        """The best ``window`` hits and the total number of matching passages."""
        if not parsed.phrases:
            return self._scored(parsed, window, langs, docs)
        whoosh_query = self._build(parsed)
        if whoosh_query is None:
            return [], 0
        limit = None if parsed.phrases else window
        # optimize=False: the collector counts every match while scoring, instead of
        # len(results) running the whole query a second time to count them.
        results = self._searcher().search(whoosh_query, limit=limit, filter=self._filter(langs, docs),
                                          optimize=False)
        hits = [KeywordHit(int(hit["row"]), float(hit.score)) for hit in results]
        if parsed.phrases:  # terms matched; now require each quoted phrase verbatim (folded)
            passages = self.index.store.passages
            hits = [h for h in hits if all(p in fold(passages[h.row].text) for p in parsed.phrases)]
            return hits[:window], len(hits)
        return hits, len(results)

    def rows_containing(self, phrase: str, parsed: ParsedQuery, langs: set[str] | None,
                        docs: set[str] | None) -> list[int]:
        """Rows whose folded text contains ``phrase``; candidates come from an AND of the terms."""
        terms = parsed.exact_terms if parsed.lang == "fr" else parsed.terms
        field = self._fields(parsed.lang)["exact" if parsed.lang == "fr" else "text"]
        if not phrase or not terms:
            return []
        docnums = self._searcher().docs_for_query(Q.And([Q.Term(field, t) for t in terms]))
        row_of, folded, passages = self.index.row_of_docnum, self.index.folded_texts, self.index.store.passages
        rows = sorted(int(row_of[d]) for d in docnums)
        return [row for row in rows if phrase in folded[row]
                and (not langs or passages[row].lang in langs) and (not docs or passages[row].doc_id in docs)]
