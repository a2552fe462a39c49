"""The straightforward ranking the search service computed before its array version: the reference.

One ``Fused`` object per result, fused by the list functions of
:mod:`search.fusion`, sorted whole, translation pairs collapsed and facets
counted by walking every result. ``tests/test_ranking_reference.py`` checks that
:meth:`search.service.SearchService.run` gives exactly what this gives.
"""

from __future__ import annotations

from dataclasses import dataclass

from search.fusion import Fused, Ranked, fair_fusion, keyword_weight, weighted_fusion
from search.keyword import ParsedQuery, parse_query, whole_query_phrase
from search.request import SearchRequest
from search.semantic import floor_for, row_floors


@dataclass
class Reference:
    items: list[Fused]
    total: int
    facets: dict[str, dict[str, int]]
    doc_counts: dict[str, int]
    edition_counts: dict[str, int]
    keyword_matches: int


def _single_side(hits: list[Ranked], side: str) -> list[Fused]:
    if side == "keyword":
        return [Fused(h.key, h.score, h.score, i, None, None) for i, h in enumerate(hits, start=1)]
    return [Fused(h.key, h.score, None, None, h.score, i) for i, h in enumerate(hits, start=1)]


def _keyword_side(service, parsed: ParsedQuery, req: SearchRequest, langs):
    store = service.index.store
    if req.lang is None or req.lang == parsed.lang:
        hits, _total = service.keyword.search(parsed, None, langs, None)
        return [Ranked(h.row, h.score) for h in hits], hits
    hits, _ = service.keyword.search(parsed, None, {parsed.lang}, None)
    mapped: dict[int, float] = {}
    for hit in hits:
        for pid in store.passages[hit.row].aligned_passage_ids:
            row = store.row_of[pid]
            if store.passages[row].lang == req.lang:
                mapped.setdefault(row, hit.score)
    return [Ranked(row, score) for row, score in mapped.items()], hits


def _keyword_blind(service, rows, query_lang: str) -> set[int]:
    store, blind = service.index.store, set()
    for row in rows:
        passage = store.passages[row]
        if passage.lang != query_lang and not any(
            (other := store.get(pid)) is not None and other.lang == query_lang for pid in passage.aligned_passage_ids
        ):
            blind.add(row)
    return blind


def _phrase_filter(service, fused: list[Fused], phrases) -> list[Fused]:
    store = service.index.store
    allowed: set[int] | None = None
    for phrase in phrases:
        rows = service.keyword.rows_with_phrase(phrase)
        rows |= {
            store.row_of[pid] for row in rows for pid in store.passages[row].aligned_passage_ids if pid in store.row_of
        }
        allowed = rows if allowed is None else allowed & rows
    return [f for f in fused if f.key in (allowed or set())]


def _phrase_first(service, fused: list[Fused], req, parsed, langs, query_vector) -> list[Fused]:
    phrase = whole_query_phrase(req.query)
    if req.lang not in (None, parsed.lang):
        return fused
    rows = service.keyword.rows_containing(phrase, parsed, langs, None)
    if not rows:
        return fused
    present = {f.key for f in fused}
    missing = [row for row in rows if row not in present]
    if missing:
        sem = service.semantic().scores_of(query_vector, missing) if query_vector is not None else {}
        lowest = min((f.score for f in fused), default=0.0)
        fused = fused + [Fused(row, lowest, None, None, sem.get(row), None) for row in missing]
    holding = set(rows)
    return [f for f in fused if f.key in holding] + [f for f in fused if f.key not in holding]


def _collapse(service, fused: list[Fused]) -> list[Fused]:
    store, seen, out = service.index.store, set(), []
    for f in fused:
        passage = store.passages[f.key]
        if any(pid in seen for pid in passage.aligned_passage_ids):
            continue
        seen.add(passage.passage_id)
        out.append(f)
    return out


def facets(service, items: list[Fused]) -> dict[str, dict[str, int]]:
    store = service.index.store
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


def reference_rank(service, req: SearchRequest, collapse: bool = True) -> Reference:
    """Every result of ``req`` in order, with its total and facets, the straightforward way.

    ``collapse=False`` keeps both passages of a translation pair (to show the collapse matters).
    """
    store = service.index.store
    parsed = parse_query(req.query)
    langs = {req.lang} if req.lang else None
    keyword_hits, raw_hits = [], []
    if req.mode in ("keyword", "hybrid"):
        keyword_hits, raw_hits = _keyword_side(service, parsed, req, langs)
    query_vector, semantic_hits, floor = None, [], None
    if req.mode in ("semantic", "hybrid"):
        semantic = service.semantic()
        query_vector = semantic.embed(req.query)
        model = service.index.manifest.model
        floors = floor_for(model.model_id, parsed.lang) if model is not None else None
        floor = row_floors(service.index, floors) if floors is not None else None
        semantic_hits = semantic.search(query_vector, req.window, langs, None, floor)
    if req.mode == "keyword":
        fused = _single_side(keyword_hits, "keyword")
    elif req.mode == "semantic":
        fused = _single_side(semantic_hits, "semantic")
    elif req.fusion == "weighted":
        fused = weighted_fusion(keyword_hits, semantic_hits, req.alpha)
    else:
        weight = keyword_weight(service.keyword.evidence(parsed, raw_hits))
        blind = _keyword_blind(service, {h.key for h in semantic_hits}, parsed.lang)
        fused = fair_fusion(keyword_hits, semantic_hits, weight, 1.0, keyword_blind=blind)
    if floor is not None:
        fused = [f for f in fused if f.keyword_rank is not None or (f.semantic or -1.0) >= floor[f.key]]
    fused = _phrase_first(service, fused, req, parsed, langs, query_vector)
    if parsed.phrases:
        fused = _phrase_filter(service, fused, parsed.phrases)
    if req.commitments:
        fused = [f for f in fused if f.key in service.index.commitment_rows]
    if req.lang is None and collapse:
        fused = _collapse(service, fused)
    editions = {d.id: d.edition for d in store.documents}
    by_doc = [f for f in fused if req.doc is None or store.passages[f.key].doc_id == req.doc]
    by_edition = [f for f in fused if req.edition is None or editions.get(store.passages[f.key].doc_id) == req.edition]
    doc_counts = facets(service, by_edition)["doc_id"]
    edition_counts = facets(service, by_doc)["edition"]
    fused = [f for f in by_doc if req.edition is None or editions.get(store.passages[f.key].doc_id) == req.edition]
    return Reference(fused, len(fused), facets(service, fused), doc_counts, edition_counts, len(raw_hits))
