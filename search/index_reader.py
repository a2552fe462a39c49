"""An opened index generation: manifest, passage store, keyword index, vectors and citations.

Everything is read through :mod:`indexer.index_format`, which owns the layout.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
from whoosh.index import Index as WhooshIndex

from indexer import index_format as fmt
from indexer.citations_file import Citations
from indexer.commitments import Commitment, detect_commitments
from indexer.index_format import DEFAULT_INDEX_DIR, resolve_index_dir
from indexer.manifest import IndexManifest, IndexUnusable
from indexer.passage import STRUCTURAL_KINDS
from indexer.store import PassageStore
from search.passage_table import PassageTable
from search.text import fold

__all__ = ["DEFAULT_INDEX_DIR", "STRUCTURAL_KINDS", "IndexUnusable", "OpenIndex", "open_index", "resolve_index_dir"]


@dataclass
class OpenIndex:
    directory: Path  # the index directory (what the user named); ``generation`` is the folder inside it
    manifest: IndexManifest
    store: PassageStore
    keyword: WhooshIndex
    vectors: np.ndarray | None
    generation: str = ""
    citations: Citations | None = None
    lease: fmt.Generation | None = None
    sentence_vectors: np.ndarray | None = None
    sentence_spans: list[tuple[int, int, int]] = field(default_factory=list)
    rows_by_lang: dict[str, np.ndarray] = field(default_factory=dict)
    rows_by_doc: dict[str, np.ndarray] = field(default_factory=dict)
    content_rows: np.ndarray | None = None  # rows semantic search ranks: not headings or table headers
    sentences_by_row: dict[int, list[int]] = field(default_factory=dict)

    def warm(self) -> None:
        """Build the lazy caches now (a server at start-up), not during its first phrase query."""
        _ = self.folded_texts, self.row_of_docnum, self.commitment_rows, self.table

    @cached_property
    def folded_texts(self) -> list[str]:
        """``fold(text)`` of every passage, by row: the exact-phrase rule reads it on every query."""
        return [fold(p.text) for p in self.store.passages]

    @cached_property
    def commitments(self) -> dict[str, list[Commitment]]:
        """Commitment sentences by passage id, detected from the stored text when first asked for.

        Detection is a few regular expressions and lemma look-ups per sentence (21 ms for the
        bundled corpus, plus 0.7 s once per process to load simplemma's French dictionary), so
        it is not stored in the index: the rules can improve without a re-index.
        """
        return detect_commitments(self.store.passages)

    @cached_property
    def commitment_rows(self) -> frozenset[int]:
        """Rows of the passages that hold at least one commitment."""
        return frozenset(self.store.row_of[pid] for pid in self.commitments)

    @cached_property
    def table(self) -> PassageTable:
        """Passage attributes as arrays by row (facets, filters, translation pairs), read once."""
        return PassageTable.of(self.store)

    @cached_property
    def commitment_mask(self) -> np.ndarray:
        """Boolean by row: the passage holds at least one commitment."""
        mask = np.zeros(len(self.store), dtype=bool)
        mask[list(self.commitment_rows)] = True
        return mask

    @cached_property
    def row_of_docnum(self) -> np.ndarray:
        """Whoosh document number → passage row (read once from the stored passage ids; -1: deleted)."""
        row_of = self.store.row_of
        with self.keyword.searcher() as searcher:
            rows = np.full(searcher.reader().doc_count_all(), -1, dtype=np.int64)
            for docnum, stored in searcher.iter_docs():
                rows[docnum] = row_of[stored["passage_id"]]
        return rows

    def close(self) -> None:
        """Give the generation back: a writer may remove it once no reader holds it."""
        if self.lease is not None:
            self.lease.release()


def open_index(directory: Path, *, verify: str = "auto") -> OpenIndex:
    """Open and check the generation an index directory points at.

    Parameters
    ----------
    verify
        See :func:`indexer.index_format.open_generation` (``"full"``: sha256
        of every file, what the server does at start-up and on reload).

    Raises
    ------
    IndexUnusable
        One line naming the missing or damaged file (or the schema mismatch)
        and the fix.
    """
    generation = fmt.open_generation(Path(directory), verify=verify)
    try:
        return _load(generation)
    except BaseException:
        generation.release()
        raise


def _load(generation: fmt.Generation) -> OpenIndex:
    manifest, layout, index_dir = generation.manifest, generation.layout, generation.index_dir
    store = fmt.read_store(generation)
    keyword = fmt.read_keyword_index(generation)
    vectors = fmt.read_vectors(generation, [p.passage_id for p in store.passages]) if manifest.model else None
    sentences = fmt.read_sentence_vectors(generation) if manifest.model else None
    citations = fmt.read_citations(generation)
    if len(store) != manifest.passages:
        raise IndexUnusable(
            f"index damaged: {generation.name}/{layout.store.name} holds {len(store)} passages, "
            f"its manifest says {manifest.passages}; {fmt.reindex_hint(index_dir)}"
        )
    opened = OpenIndex(index_dir, manifest, store, keyword, vectors, generation.name, citations, generation)
    if sentences is not None:
        opened.sentence_vectors, opened.sentence_spans = sentences
        for i, (row, _s, _e) in enumerate(opened.sentence_spans):
            opened.sentences_by_row.setdefault(row, []).append(i)
    langs = np.array([p.lang for p in store.passages])
    docs = np.array([p.doc_id for p in store.passages])
    opened.rows_by_lang = {lang: np.flatnonzero(langs == lang) for lang in set(langs.tolist())}
    opened.rows_by_doc = {doc: np.flatnonzero(docs == doc) for doc in set(docs.tolist())}
    kinds = np.array([p.kind for p in store.passages])
    opened.content_rows = np.flatnonzero(~np.isin(kinds, [str(k) for k in STRUCTURAL_KINDS]))
    return opened
