"""The search service: a keyword searcher and a semantic searcher composed by fusion."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from indexer.analysis import analyze
from indexer.passage import Passage
from search.fusion import (
    Fused,
    FusedArrays,
    fair_fusion_arrays,
    keyword_weight,
    single_side,
    weighted_fusion_arrays,
)
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
from search.keyword import EVIDENCE_HITS, KeywordHit, KeywordSearcher, ParsedQuery, parse_query, whole_query_phrase
from search.ranking import ADDED, HOLDING, OTHER, Candidates, collapse_translations, concat, counts, first_in_order
from search.request import SearchRequest, check_in_index
from search.results import Scores, SearchHit, SearchResponse
from search.semantic import EncoderLoader, LazyEncoder, SemanticSearcher, closest_sentence, floor_for, row_floors
from search.spelling import FEW_MATCHES


@dataclass(frozen=True, eq=False)
class RankedList:
    """Every result of a request, before paging, and what was counted over them.

    The results stay arrays (:mod:`search.ranking`): :meth:`page` sorts and
    builds only the entries asked for.
    """

    candidates: Candidates
    results: np.ndarray  #: indices into ``candidates`` of the results, in no particular order
    parsed: ParsedQuery
    query_vector: np.ndarray | None
    keyword_matches: int = 0  #: passages the keyword side matched (drives spelling suggestions)
    facets: dict[str, dict[str, int]] = field(default_factory=dict)  #: by declaration, language, edition
    doc_counts: dict[str, int] = field(default_factory=dict)  #: results per declaration before the doc filter
    edition_counts: dict[str, int] = field(default_factory=dict)  #: results per edition before the edition filter

    @property
    def total(self) -> int:
        return len(self.results)

    def page(self, offset: int, limit: int) -> list[Fused]:
        """Results ``offset`` to ``offset + limit`` in final order."""
        if offset >= self.total or limit <= 0:
            return []
        first = first_in_order(self.candidates, self.results, offset + limit)
        return [self.candidates.item(i) for i in first[offset:].tolist()]

    @property
    def items(self) -> list[Fused]:
        """Every result in final order (sorts them all: prefer :meth:`page`)."""
        return self.page(0, self.total)


def _empty_side() -> tuple[np.ndarray, np.ndarray]:
    return np.empty(0, np.int64), np.empty(0, np.float64)


def _top_hits(rows: np.ndarray, scores: np.ndarray, top: int = EVIDENCE_HITS) -> list[KeywordHit]:
    """The ``top`` best keyword hits as objects: all that :meth:`KeywordSearcher.evidence` reads."""
    return [KeywordHit(row, score) for row, score in zip(rows[:top].tolist(), scores[:top].tolist(), strict=True)]


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
        self, parsed: ParsedQuery, req: SearchRequest, langs
    ) -> tuple[tuple[np.ndarray, np.ndarray], list[KeywordHit], int]:
        """Every keyword match allowed by the filters (rows and scores, best first), the best raw
        hits in the query's language (for :meth:`KeywordSearcher.evidence`) and how many there are."""
        if req.lang is None or req.lang == parsed.lang:
            rows, scores = self.keyword.search_arrays(parsed, langs)
            return (rows, scores), _top_hits(rows, scores), len(rows)
        # A query in one language filtered to the other: match in the query's language,
        # then hand each hit over to its aligned passages (the first, best, hit of each wins).
        rows, scores = self.keyword.search_arrays(parsed, {parsed.lang})
        table = self.index.table
        owner, partner = table.partners(rows)
        keep = table.lang_codes[partner] == table.code_of(table.lang_values, req.lang)
        owner, partner = owner[keep], partner[keep]
        _, first = np.unique(partner, return_index=True)
        first.sort()
        mapped = (partner[first], scores[owner[first]])
        return mapped, _top_hits(rows, scores), len(rows)

    # -- ranking -------------------------------------------------------------------------------
    def rank(self, req: SearchRequest) -> RankedList:
        """Every result of ``req`` (fusion, floor, phrase filter, translation collapse), and its facets.

        The declaration filter is applied last, to the collapsed results, so the
        per-declaration counts of the unfiltered results (``doc_counts``) are
        exactly the totals a click on each declaration gives.

        The results stay arrays (:mod:`search.ranking`); ``tests/search_reference.py``
        is the same computation over one object per result, and
        ``tests/test_ranking_reference.py`` checks that both agree.
        """
        check_in_index(req, self.index.store.documents)
        parsed = parse_query(req.query)
        langs = {req.lang} if req.lang else None

        keyword_side, keyword_matches = _empty_side(), 0
        top_hits: list[KeywordHit] = []
        if req.mode in ("keyword", "hybrid"):
            keyword_side, top_hits, keyword_matches = self._keyword_side(parsed, req, langs)
        query_vector, semantic_side, floor = None, _empty_side(), None
        if req.mode in ("semantic", "hybrid"):
            semantic = self.semantic()
            query_vector = semantic.embed(req.query)
            model = self.index.manifest.model
            floors = floor_for(model.model_id, parsed.lang) if model is not None else None
            floor = row_floors(self.index, floors) if floors is not None else None
            rows, scores = semantic.search_arrays(query_vector, req.window, langs, None, floor)
            semantic_side = (rows, scores.astype(np.float64))

        if req.mode == "keyword":
            fused = single_side(keyword_side, "keyword")
        elif req.mode == "semantic":
            fused = single_side(semantic_side, "semantic")
        elif req.fusion == "weighted":
            fused = weighted_fusion_arrays(keyword_side, semantic_side, req.alpha)
        else:
            weight = keyword_weight(self.keyword.evidence(parsed, top_hits))
            blind = self.index.table.keyword_blind(parsed.lang)
            fused = fair_fusion_arrays(keyword_side, semantic_side, weight, 1.0, keyword_blind=blind)

        alive = np.ones(len(fused), dtype=bool)
        if floor is not None:  # a passage found only by meaning must clear the floor
            semantic_or_none = np.where(np.isnan(fused.semantic) | (fused.semantic == 0.0), -1.0, fused.semantic)
            alive = (fused.keyword_rank > 0) | (semantic_or_none >= floor[fused.keys])
        candidates, alive = self._phrase_first(fused, alive, req, parsed, langs, query_vector)
        rows = candidates.rows
        if parsed.phrases:
            alive &= self._phrase_rows(parsed.phrases)[rows]
        if req.commitments:  # only passages holding a commitment (a filter, like a phrase)
            alive &= self.index.commitment_mask[rows]
        results = np.flatnonzero(alive)
        table = self.index.table
        if req.lang is None:
            results = collapse_translations(candidates, results, table)
        # Each facet is counted with every other filter applied but its own, so each count is the
        # total a click on it gives (the click replaces that filter and keeps the others).
        in_doc = np.ones(len(table), dtype=bool)
        if req.doc is not None:
            in_doc = table.doc_codes == table.code_of(table.doc_values, req.doc)
        in_edition = np.ones(len(table), dtype=bool)
        if req.edition is not None:
            in_edition = table.edition_numbers == req.edition
        result_rows = rows[results]
        by_doc = results[in_doc[result_rows]]
        by_edition = results[in_edition[result_rows]]
        final = results[in_doc[result_rows] & in_edition[result_rows]]
        facets = self._facets(candidates, final)
        # Without a doc (edition) filter, the counts before that filter are the facet itself.
        doc_counts = (
            dict(facets["doc_id"])
            if req.doc is None
            else counts(candidates, by_edition, table.doc_codes[rows], table.doc_values)
        )
        edition_counts = (
            dict(facets["edition"])
            if req.edition is None
            else counts(candidates, by_doc, table.edition_codes[rows], table.edition_values)
        )
        return RankedList(candidates, final, parsed, query_vector, keyword_matches, facets, doc_counts, edition_counts)

    def _phrase_rows(self, phrases: tuple[str, ...]) -> np.ndarray:
        """Boolean by row: the passage contains every quoted phrase, itself or through an aligned translation."""
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
        mask = np.zeros(len(store), dtype=bool)
        mask[list(allowed or ())] = True
        return mask

    def _phrase_first(
        self,
        fused: FusedArrays,
        alive: np.ndarray,
        req: SearchRequest,
        parsed: ParsedQuery,
        langs,
        query_vector: np.ndarray | None,
    ) -> tuple[Candidates, np.ndarray]:
        """Passages holding the whole query verbatim (folded) go before those that do not.

        Those the sides did not rank (or the floor dropped) are added after the
        ranked ones that hold it, by row, scored as the lowest ranked result.
        """
        group = np.full(len(fused), OTHER, dtype=np.int8)
        if req.lang not in (None, parsed.lang):
            return Candidates(fused, group), alive
        rows = self.keyword.rows_containing(whole_query_phrase(req.query), parsed, langs, None)
        if not rows:
            return Candidates(fused, group), alive
        holding = np.zeros(len(self.index.store), dtype=bool)
        holding[rows] = True
        group[holding[fused.keys]] = HOLDING
        present = np.zeros(len(self.index.store), dtype=bool)
        present[fused.keys[alive]] = True
        missing = [row for row in rows if not present[row]]
        if not missing:
            return Candidates(fused, group), alive
        sem = self.semantic().scores_of(query_vector, missing) if query_vector is not None else {}
        lowest = float(fused.score[alive].min()) if alive.any() else 0.0
        n = len(missing)
        added = FusedArrays(
            np.asarray(missing, dtype=np.int64),
            np.full(n, lowest),
            np.full(n, np.nan),
            np.zeros(n, np.int64),
            np.array([sem.get(row, np.nan) for row in missing], dtype=np.float64),
            np.zeros(n, np.int64),
            np.zeros(n),
            np.zeros(n, np.int64),
        )
        both = concat(fused, added)
        return (
            Candidates(both, np.concatenate([group, np.full(n, ADDED, dtype=np.int8)])),
            np.concatenate([alive, np.ones(n, dtype=bool)]),
        )

    def _facets(self, candidates: Candidates, idx: np.ndarray) -> dict[str, dict[str, int]]:
        """Counts by declaration, language and edition over exactly the entries ``idx``."""
        table, rows = self.index.table, candidates.rows
        return {
            "doc_id": counts(candidates, idx, table.doc_codes[rows], table.doc_values),
            "lang": counts(candidates, idx, table.lang_codes[rows], table.lang_values),
            "edition": counts(candidates, idx, table.edition_codes[rows], table.edition_values),
        }

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
        page = ranked.page(req.offset, req.limit)
        hits = [self.hit(req.offset + i + 1, f, ranked, req.query, req.commitments) for i, f in enumerate(page)]
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
            facets=ranked.facets,
            hits=hits,
            facets_any_doc={"doc_id": ranked.doc_counts, "edition": ranked.edition_counts},
            did_you_mean=suggestion,
            commitments=req.commitments,
        )

    def search(self, req: SearchRequest) -> dict:
        """Run ``req`` and return the ``search --json`` object (docs/design.md) (``took_ms`` included, snippets as HTML)."""
        return self.run(req).to_json()
