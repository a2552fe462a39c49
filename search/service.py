"""The search service: a keyword searcher and a semantic searcher composed by fusion."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from indexer.analysis import analyze
from indexer.passage import Passage
from search.errors import BadRequest
from search.fusion import Fused, Ranked, fair_fusion, keyword_weight, weighted_fusion
from search.highlight import (
    Mark,
    MarkKind,
    Snippet,
    best_fragment,
    fragments,
    make_snippet,
    match_spans,
    whole_text_span,
)
from search.index_reader import OpenIndex
from search.keyword import KeywordHit, KeywordSearcher, ParsedQuery, parse_query, whole_query_phrase
from search.request import SearchRequest
from search.results import Scores, SearchHit, SearchResponse
from search.semantic import EncoderLoader, LazyEncoder, SemanticSearcher, closest_sentence, floor_for, row_floors
from search.spelling import FEW_MATCHES


@dataclass(frozen=True)
class RankedList:
    """Every result of a request in final order, before paging, and what was counted over them."""

    items: list[Fused]
    total: int
    parsed: ParsedQuery
    query_vector: np.ndarray | None
    keyword_matches: int = 0  #: passages the keyword side matched (drives spelling suggestions)
    doc_counts: dict[str, int] = field(default_factory=dict)  #: results per declaration before the doc filter
    edition_counts: dict[str, int] = field(default_factory=dict)  #: results per edition before the edition filter


def _single_side(hits: list[Ranked], side: str) -> list[Fused]:
    if side == "keyword":
        return [Fused(h.key, h.score, h.score, i, None, None) for i, h in enumerate(hits, start=1)]
    return [Fused(h.key, h.score, None, None, h.score, i) for i, h in enumerate(hits, start=1)]


class SearchService:
    """Answers :class:`SearchRequest` objects over one opened index.

    The embedding model is loaded on first use (keyword-only use never pays
    for it) and must be the one the index was built with.

    Which passages are results (DESIGN.md, "Search"): every passage the
    keyword side matches, and a passage found only by meaning when its
    similarity clears the model's floor (:func:`search.semantic.floor_for`);
    a quoted phrase then keeps only passages that contain it (or whose
    translation does). ``total`` and the facets count exactly that set, after
    translation pairs are collapsed, so they are the same on every page.
    """

    def __init__(self, index: OpenIndex, encoder_loader: EncoderLoader | None = None) -> None:
        self.index = index
        self.keyword = KeywordSearcher(index)
        self.encoder = LazyEncoder(index, encoder_loader)
        self._semantic: SemanticSearcher | None = None

    # -- sides ---------------------------------------------------------------------------------
    def semantic(self) -> SemanticSearcher:
        """The semantic side, its model loaded on first use (see :class:`~search.semantic.LazyEncoder`)."""
        if self._semantic is None:
            self._semantic = SemanticSearcher(self.index, self.encoder.get())
        return self._semantic

    def _keyword_side(
        self, parsed: ParsedQuery, req: SearchRequest, langs, docs
    ) -> tuple[list[Ranked], list[KeywordHit]]:
        """Every keyword match allowed by the filters, and the raw hits in the query's language."""
        store = self.index.store
        if req.lang is None or req.lang == parsed.lang:
            hits, _total = self.keyword.search(parsed, None, langs, docs)
            return [Ranked(h.row, h.score) for h in hits], hits
        # A query in one language filtered to the other: match in the query's language,
        # then hand each hit over to its aligned passages.
        source_docs = None
        if docs:
            source_docs = {t.id for d in docs for t in store.translations_of(d) if t.lang == parsed.lang}
            if not source_docs:
                return [], []
        hits, _ = self.keyword.search(parsed, None, {parsed.lang}, source_docs)
        mapped: dict[int, float] = {}
        for hit in hits:
            for pid in store.passages[hit.row].aligned_passage_ids:
                row = store.row_of[pid]
                passage = store.passages[row]
                if passage.lang == req.lang and (not docs or passage.doc_id in docs):
                    mapped.setdefault(row, hit.score)
        return [Ranked(row, score) for row, score in mapped.items()], hits

    def _keyword_blind(self, rows, query_lang: str) -> set[int]:
        """Rows the keyword side cannot see: other-language passages with no translation in ``query_lang``."""
        store, blind = self.index.store, set()
        for row in rows:
            passage = store.passages[row]
            if passage.lang != query_lang and not any(
                (other := store.get(pid)) is not None and other.lang == query_lang
                for pid in passage.aligned_passage_ids
            ):
                blind.add(row)
        return blind

    # -- ranking -------------------------------------------------------------------------------
    def rank(self, req: SearchRequest) -> RankedList:
        """Every result of ``req`` in final order (fusion, floor, phrase filter, translation collapse).

        The declaration filter is applied last, to the collapsed list, so the
        per-declaration counts of the unfiltered list (``doc_counts``) are
        exactly the totals a click on each declaration gives.
        """
        store = self.index.store
        if req.doc is not None and store.document(req.doc) is None:
            known = ", ".join(d.id for d in store.documents)
            raise BadRequest(f"unknown doc {req.doc!r}: use one of {known}")
        parsed = parse_query(req.query)
        langs = {req.lang} if req.lang else None

        keyword_hits: list[Ranked] = []
        raw_hits: list[KeywordHit] = []
        if req.mode in ("keyword", "hybrid"):
            keyword_hits, raw_hits = self._keyword_side(parsed, req, langs, None)
        query_vector, semantic_hits, floor = None, [], None
        if req.mode in ("semantic", "hybrid"):
            semantic = self.semantic()
            query_vector = semantic.embed(req.query)
            model = self.index.manifest.model
            floors = floor_for(model.model_id, parsed.lang) if model is not None else None
            floor = row_floors(self.index, floors) if floors is not None else None
            semantic_hits = semantic.search(query_vector, req.window, langs, None, floor)

        if req.mode == "keyword":
            fused = _single_side(keyword_hits, "keyword")
        elif req.mode == "semantic":
            fused = _single_side(semantic_hits, "semantic")
        elif req.fusion == "weighted":
            fused = weighted_fusion(keyword_hits, semantic_hits, req.alpha)
        else:
            weight = keyword_weight(self.keyword.evidence(parsed, raw_hits))
            blind = self._keyword_blind({h.key for h in semantic_hits}, parsed.lang)
            fused = fair_fusion(keyword_hits, semantic_hits, weight, 1.0, keyword_blind=blind)

        if floor is not None:  # a passage found only by meaning must clear the floor
            fused = [f for f in fused if f.keyword_rank is not None or (f.semantic or -1.0) >= floor[f.key]]
        fused = self._phrase_first(fused, req, parsed, langs, None, query_vector)
        if parsed.phrases:
            fused = self._phrase_filter(fused, parsed.phrases)
        if req.commitments:  # only passages holding a commitment (a filter, like a phrase)
            holding = self.index.commitment_rows
            fused = [f for f in fused if f.key in holding]
        if req.lang is None:
            fused = self._collapse_translations(fused)
        # Each facet is counted with every other filter applied but its own, so each count is the
        # total a click on it gives (the click replaces that filter and keeps the others).
        editions = {d.id: d.edition for d in store.documents}
        by_doc = [f for f in fused if req.doc is None or store.passages[f.key].doc_id == req.doc]
        by_edition = [
            f for f in fused if req.edition is None or editions.get(store.passages[f.key].doc_id) == req.edition
        ]
        doc_counts = self.facets(by_edition)["doc_id"]
        edition_counts = self.facets(by_doc)["edition"]
        fused = [f for f in by_doc if req.edition is None or editions.get(store.passages[f.key].doc_id) == req.edition]
        return RankedList(fused, len(fused), parsed, query_vector, len(raw_hits), doc_counts, edition_counts)

    def _phrase_filter(self, fused: list[Fused], phrases: tuple[str, ...]) -> list[Fused]:
        """Keep passages that contain every quoted phrase, themselves or through an aligned translation."""
        store = self.index.store
        allowed: set[int] | None = None
        for phrase in phrases:
            rows = self.keyword.rows_with_phrase(phrase)
            rows |= {
                store.row_of[pid]
                for row in rows
                for pid in store.passages[row].aligned_passage_ids
                if pid in store.row_of
            }
            allowed = rows if allowed is None else allowed & rows
        return [f for f in fused if f.key in (allowed or set())]

    def _phrase_first(
        self, fused: list[Fused], req: SearchRequest, parsed: ParsedQuery, langs, docs, query_vector: np.ndarray | None
    ) -> list[Fused]:
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
            sem = self.semantic().scores_of(query_vector, missing) if query_vector is not None else {}
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

    def facets(self, items: list[Fused]) -> dict[str, dict[str, int]]:
        """Counts by declaration, language and edition over exactly ``items`` (one pass)."""
        store = self.index.store
        editions = {d.id: str(d.edition) for d in store.documents}
        out: dict[str, dict[str, int]] = {"doc_id": {}, "lang": {}, "edition": {}}
        for f in items:
            passage = store.passages[f.key]
            for facet, value in (
                ("doc_id", passage.doc_id),
                ("lang", passage.lang),
                ("edition", editions.get(passage.doc_id, "")),
            ):
                out[facet][value] = out[facet].get(value, 0) + 1
        return out

    # -- presentation --------------------------------------------------------------------------
    def _snippet(
        self, passage: Passage, row: int, parsed: ParsedQuery, query: str, query_vector: np.ndarray | None
    ) -> Snippet:
        if passage.lang == parsed.lang:
            terms, exact = parsed.terms, parsed.exact_terms
        else:
            terms, exact = tuple(t.text for t in analyze(query, passage.lang)), ()
        for phrase_terms in parsed.phrase_terms:
            terms = terms + phrase_terms
        spans = match_spans(passage.text, passage.lang, terms, exact)
        if spans or query_vector is None:
            return make_snippet(passage.text, spans)
        span = closest_sentence(self.index, row, query_vector) or whole_text_span(passage.text)
        return make_snippet(passage.text, [span], MarkKind.SEMANTIC)

    @staticmethod
    def _commitment_snippet(text: str, commitments: tuple, query_snippet: Snippet) -> Snippet:
        """The window around the commitment sentences, marked as such, query hits inside them kept.

        Marks may not overlap, so each commitment span is cut around the keyword hits it holds.
        """
        spans = [(c.start, c.end) for c in commitments]
        keyword = sorted((m.start, m.end) for m in query_snippet.marks if m.kind == MarkKind.KEYWORD)
        marks = [Mark(s, e, MarkKind.KEYWORD) for s, e in keyword]
        for start, end in spans:
            pos = start
            for ks, ke in keyword:
                if ke <= pos or ks >= end:
                    continue
                if ks > pos:
                    marks.append(Mark(pos, ks, MarkKind.COMMITMENT))
                pos = max(pos, ke)
            if pos < end:
                marks.append(Mark(pos, end, MarkKind.COMMITMENT))
        fragment = best_fragment(fragments(text), spans)
        return Snippet(text, fragment.start, fragment.end, tuple(sorted(marks, key=lambda m: (m.start, m.end))))

    def hit(self, rank: int, fused: Fused, ranked: RankedList, query: str, commitments: bool = False) -> SearchHit:
        """The ranked passage ``fused`` as a result, its snippet marked for ``query``.

        With ``commitments``, the hit also carries the passage's commitment sentences and a
        second snippet marking them (the "commitments only" view highlights what was committed).
        """
        store = self.index.store
        passage = store.passages[fused.key]
        doc = store.document(passage.doc_id)
        found = tuple(self.index.commitments.get(passage.passage_id, [])) if commitments else None
        query_snippet = self._snippet(passage, fused.key, ranked.parsed, query, ranked.query_vector)
        return SearchHit(
            rank=rank,
            passage=passage,
            doc_title=doc.title if doc else passage.doc_id,
            snippet=query_snippet,
            score=fused.score,
            scores=Scores(fused.keyword, fused.keyword_rank, fused.semantic, fused.semantic_rank),
            commitments=found,
            commitment_snippet=None if found is None else self._commitment_snippet(passage.text, found, query_snippet),
        )

    def run(self, req: SearchRequest) -> SearchResponse:
        """Run ``req``: one page of typed results, with the total and facets of all of them."""
        started = time.perf_counter()
        ranked = self.rank(req)
        page = ranked.items[req.offset : req.offset + req.limit]
        hits = [self.hit(req.offset + i + 1, f, ranked, req.query, req.commitments) for i, f in enumerate(page)]
        facets = self.facets(ranked.items)
        suggestion = self.keyword.did_you_mean(req.query) if ranked.keyword_matches < FEW_MATCHES else None
        return SearchResponse(
            query=req.query,
            mode=req.mode,
            lang=req.lang,
            doc=req.doc,
            edition=req.edition,
            query_lang=ranked.parsed.lang,
            fusion=req.fusion if req.mode == "hybrid" else None,
            limit=req.limit,
            offset=req.offset,
            total=ranked.total,
            took_ms=round((time.perf_counter() - started) * 1000, 2),
            facets=facets,
            hits=hits,
            facets_any_doc={"doc_id": ranked.doc_counts, "edition": ranked.edition_counts},
            did_you_mean=suggestion,
            commitments=req.commitments,
        )

    def search(self, req: SearchRequest) -> dict:
        """Run ``req`` and return the ``search --json`` object (docs/design.md) (``took_ms`` included, snippets as HTML)."""
        return self.run(req).to_json()
