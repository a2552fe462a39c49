"""The search service: a keyword searcher and a semantic searcher composed by fusion."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from indexer.analysis import analyze
from indexer.passage import Passage
from search.errors import BadRequest
from search.fusion import Fused, Ranked, reciprocal_rank_fusion, weighted_fusion
from search.highlight import MarkKind, Snippet, make_snippet, match_spans
from search.index_reader import OpenIndex
from search.keyword import KeywordSearcher, ParsedQuery, parse_query, whole_query_phrase
from search.request import SearchRequest
from search.results import Scores, SearchHit, SearchResponse
from search.semantic import QueryEncoder, SemanticSearcher, check_encoder


@dataclass(frozen=True)
class RankedList:
    """The full fused candidate list of a request, before paging."""

    items: list[Fused]
    total: int
    parsed: ParsedQuery
    query_vector: np.ndarray | None


def _single_side(hits: list[Ranked], side: str) -> list[Fused]:
    if side == "keyword":
        return [Fused(h.key, h.score, h.score, i, None, None) for i, h in enumerate(hits, start=1)]
    return [Fused(h.key, h.score, None, None, h.score, i) for i, h in enumerate(hits, start=1)]


class SearchService:
    """Answers :class:`SearchRequest` objects over one opened index.

    The embedding model is loaded on first use (keyword-only use never pays
    for it) and must be the one the index was built with.
    """

    def __init__(self, index: OpenIndex, encoder_loader: Callable[[], QueryEncoder] | None = None) -> None:
        self.index = index
        self.keyword = KeywordSearcher(index)
        self._encoder_loader = encoder_loader
        self._semantic: SemanticSearcher | None = None
        self._lock = threading.Lock()

    # -- sides ---------------------------------------------------------------------------------
    def semantic(self) -> SemanticSearcher:
        with self._lock:
            if self._semantic is None:
                model = self.index.manifest.model
                if model is None or self.index.vectors is None:
                    raise BadRequest(
                        f"the index at {self.index.directory} was built without embeddings: use --mode keyword, "
                        "or re-index with `jumelage index`"
                    )
                if self._encoder_loader is None:
                    raise BadRequest("no embedding model is configured: use --mode keyword")
                encoder = self._encoder_loader()
                check_encoder(model, encoder)
                self._semantic = SemanticSearcher(self.index, encoder)
            return self._semantic

    def _keyword_side(self, parsed: ParsedQuery, req: SearchRequest, langs, docs) -> tuple[list[Ranked], int]:
        store = self.index.store
        if req.lang is None or req.lang == parsed.lang:
            hits, total = self.keyword.search(parsed, req.window, langs, docs)
            return [Ranked(h.row, h.score) for h in hits], total
        # A query in one language filtered to the other: match in the query's language,
        # then hand each hit over to its aligned passages.
        source_docs = None
        if docs:
            source_docs = {t.id for d in docs for t in store.translations_of(d) if t.lang == parsed.lang}
            if not source_docs:
                return [], 0
        hits, _ = self.keyword.search(parsed, req.window, {parsed.lang}, source_docs)
        mapped: dict[int, float] = {}
        for hit in hits:
            for pid in store.passages[hit.row].aligned_passage_ids:
                row = store.row_of[pid]
                passage = store.passages[row]
                if passage.lang == req.lang and (not docs or passage.doc_id in docs):
                    mapped.setdefault(row, hit.score)
        return [Ranked(row, score) for row, score in mapped.items()], len(mapped)

    # -- ranking -------------------------------------------------------------------------------
    def rank(self, req: SearchRequest) -> RankedList:
        """Every candidate of ``req`` in final order (fusion, exact-phrase rule, translation collapse)."""
        store = self.index.store
        if req.doc is not None and store.document(req.doc) is None:
            known = ", ".join(d.id for d in store.documents)
            raise BadRequest(f"unknown doc {req.doc!r}: use one of {known}")
        parsed = parse_query(req.query)
        langs = {req.lang} if req.lang else None
        docs = {req.doc} if req.doc else None

        keyword_hits, keyword_total = ([], 0)
        if req.mode in ("keyword", "hybrid"):
            keyword_hits, keyword_total = self._keyword_side(parsed, req, langs, docs)
        query_vector, semantic_hits = None, []
        if req.mode in ("semantic", "hybrid"):
            semantic = self.semantic()
            query_vector = semantic.embed(req.query)
            semantic_hits = semantic.search(query_vector, req.window, langs, docs)

        if req.mode == "keyword":
            fused = _single_side(keyword_hits, "keyword")
        elif req.mode == "semantic":
            fused = _single_side(semantic_hits, "semantic")
        elif req.fusion == "weighted":
            fused = weighted_fusion(keyword_hits, semantic_hits, req.alpha)
        else:
            fused = reciprocal_rank_fusion(keyword_hits, semantic_hits)

        fused = self._phrase_first(fused, req, parsed, langs, docs, query_vector)
        if req.lang is None:
            fused = self._collapse_translations(fused)
        total = max(keyword_total, len(fused)) if req.mode == "keyword" else len(fused)
        return RankedList(fused, total, parsed, query_vector)

    def _phrase_first(self, fused: list[Fused], req: SearchRequest, parsed: ParsedQuery, langs, docs,
                      query_vector: np.ndarray | None) -> list[Fused]:
        """Passages holding the whole query verbatim (folded) go before those that do not."""
        phrase = whole_query_phrase(req.query)
        if req.lang not in (None, parsed.lang):
            return fused
        rows = self.keyword.rows_containing(phrase, parsed, langs, docs)
        if not rows:
            return fused
        present = {f.key for f in fused}
        missing = [row for row in rows if row not in present]
        if missing:
            sem = self._semantic.scores_of(query_vector, missing) if query_vector is not None else {}
            lowest = min((f.score for f in fused), default=0.0)
            fused = fused + [Fused(row, lowest, None, None, sem.get(row), None) for row in missing]
        holding = set(rows)
        return [f for f in fused if f.key in holding] + [f for f in fused if f.key not in holding]

    def _collapse_translations(self, fused: list[Fused]) -> list[Fused]:
        """Keep one passage of each translation pair: the better ranked; the other is shown beside it."""
        store, seen, out = self.index.store, set(), []
        for f in fused:
            passage = store.passages[f.key]
            if any(pid in seen for pid in passage.aligned_passage_ids):
                continue
            seen.add(passage.passage_id)
            out.append(f)
        return out

    # -- presentation --------------------------------------------------------------------------
    def _snippet(self, passage: Passage, row: int, parsed: ParsedQuery, query: str,
                 query_vector: np.ndarray | None) -> Snippet:
        if passage.lang == parsed.lang:
            terms, exact = parsed.terms, parsed.exact_terms
        else:
            terms, exact = tuple(t.text for t in analyze(query, passage.lang)), ()
        for phrase_terms in parsed.phrase_terms:
            terms = terms + phrase_terms
        spans = match_spans(passage.text, passage.lang, terms, exact)
        if spans or query_vector is None:
            return make_snippet(passage.text, spans)
        return make_snippet(passage.text, [self._closest_sentence(row, passage, query_vector)], MarkKind.SEMANTIC)

    def _closest_sentence(self, row: int, passage: Passage, query_vector: np.ndarray) -> tuple[int, int]:
        ids = self.index.sentences_by_row.get(row)
        if not ids or self.index.sentence_vectors is None:
            stripped = passage.text.rstrip()
            return (len(stripped) - len(stripped.lstrip()), len(stripped))
        scores = self.index.sentence_vectors[ids] @ query_vector.astype(np.float32)
        _row, start, end = self.index.sentence_spans[ids[int(np.argmax(scores))]]
        return (start, end)

    def hit(self, rank: int, fused: Fused, ranked: RankedList, query: str) -> SearchHit:
        """The ranked passage ``fused`` as a result, its snippet marked for ``query``."""
        store = self.index.store
        passage = store.passages[fused.key]
        doc = store.document(passage.doc_id)
        return SearchHit(
            rank=rank,
            passage=passage,
            doc_title=doc.title if doc else passage.doc_id,
            snippet=self._snippet(passage, fused.key, ranked.parsed, query, ranked.query_vector),
            score=fused.score,
            scores=Scores(fused.keyword, fused.keyword_rank, fused.semantic, fused.semantic_rank),
        )

    def run(self, req: SearchRequest) -> SearchResponse:
        """Run ``req``: one page of typed results, with the total and facets of all of them."""
        started = time.perf_counter()
        ranked = self.rank(req)
        page = ranked.items[req.offset : req.offset + req.limit]
        hits = [self.hit(req.offset + i + 1, f, ranked, req.query) for i, f in enumerate(page)]
        facets: dict[str, dict[str, int]] = {"doc_id": {}, "lang": {}}
        for f in ranked.items:
            passage = self.index.store.passages[f.key]
            facets["doc_id"][passage.doc_id] = facets["doc_id"].get(passage.doc_id, 0) + 1
            lang = str(passage.lang)
            facets["lang"][lang] = facets["lang"].get(lang, 0) + 1
        return SearchResponse(
            query=req.query, mode=req.mode, lang=req.lang, doc=req.doc, query_lang=ranked.parsed.lang,
            fusion=req.fusion if req.mode == "hybrid" else None, limit=req.limit, offset=req.offset,
            total=ranked.total, took_ms=round((time.perf_counter() - started) * 1000, 2), facets=facets, hits=hits,
        )

    def search(self, req: SearchRequest) -> dict:
        """Run ``req`` and return DESIGN.md's JSON object (``took_ms`` included, snippets as HTML)."""
        return self.run(req).to_json()
