"""An opened index directory: manifest, passage store, keyword index and vectors."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from indexer.build import STORE_FILE, WHOOSH_DIR
from indexer.keyword_index import open_keyword_index
from indexer.manifest import IndexManifest, IndexUnusable, read_manifest
from indexer.passage import STRUCTURAL_KINDS
from indexer.store import PassageStore
from indexer.vectors import load_sentence_vectors, load_vectors
from search.text import fold

DEFAULT_INDEX_DIR = Path("var/index")


def resolve_index_dir(flag: str | os.PathLike | None) -> Path:
    """``--index`` wins over ``JUMELAGE_INDEX``, which wins over ``./var/index``."""
    if flag:
        return Path(flag)
    env = os.environ.get("JUMELAGE_INDEX")
    return Path(env) if env else DEFAULT_INDEX_DIR


@dataclass
class OpenIndex:
    directory: Path
    manifest: IndexManifest
    store: PassageStore
    keyword: object  # whoosh.index.Index
    vectors: np.ndarray | None
    sentence_vectors: np.ndarray | None = None
    sentence_spans: list[tuple[int, int, int]] = field(default_factory=list)
    rows_by_lang: dict[str, np.ndarray] = field(default_factory=dict)
    rows_by_doc: dict[str, np.ndarray] = field(default_factory=dict)
    content_rows: np.ndarray | None = None  # rows semantic search ranks: not headings or table headers
    sentences_by_row: dict[int, list[int]] = field(default_factory=dict)

    def warm(self) -> None:
        """Build the lazy caches now (a server at start-up), not during its first phrase query."""
        _ = self.folded_texts, self.row_of_docnum

    @cached_property
    def folded_texts(self) -> list[str]:
        """``fold(text)`` of every passage, by row: the exact-phrase rule reads it on every query."""
        return [fold(p.text) for p in self.store.passages]

    @cached_property
    def row_of_docnum(self) -> np.ndarray:
        """Whoosh document number → passage row (read once from the stored fields)."""
        with self.keyword.searcher() as searcher:
            rows = np.empty(searcher.doc_count_all(), dtype=np.int64)
            for docnum, stored in searcher.iter_docs():
                rows[docnum] = stored["row"]
        return rows


def open_index(directory: Path) -> OpenIndex:
    """Open and check an index directory.

    Raises
    ------
    IndexUnusable
        When the directory holds no index, a corrupt one, or one of another
        schema version; the message says to re-index.
    """
    manifest = read_manifest(directory)
    try:
        store = PassageStore(directory / STORE_FILE)
        keyword = open_keyword_index(directory / WHOOSH_DIR)
        vectors = load_vectors(directory, [p.passage_id for p in store.passages]) if manifest.model else None
        sentences = load_sentence_vectors(directory) if manifest.model else None
    except Exception as err:  # any unreadable part means the same thing to the user
        raise IndexUnusable(f"index at {directory} is damaged ({err.__class__.__name__}: {err}): re-index with `jumelage index`") from None
    if len(store) != manifest.passages:
        raise IndexUnusable(f"index at {directory} holds {len(store)} passages, its manifest says {manifest.passages}: re-index")
    opened = OpenIndex(directory, manifest, store, keyword, vectors)
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
