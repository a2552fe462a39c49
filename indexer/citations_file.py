"""``citations.json`` of an index directory: explicit references and echoes, written at build time.

Its place in a generation belongs to :mod:`indexer.index_format`. The file is deterministic for the same corpus and model (sorted, rounded, no
time stamps), so rebuilding an unchanged corpus rewrites it byte for byte.
Echoes need passage vectors: an index built without a model stores the
references only, with ``"echoes": null``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from indexer.corpus import Corpus
from indexer.echoes import COMMITMENT_PAIR_THRESHOLD, ECHO_THRESHOLD, MIN_SHARED, Echo, compute_echoes
from indexer.manifest import IndexUnusable
from indexer.passage import Passage
from indexer.references import Reference, extract_references

CITATIONS_VERSION = 2  # 2: echoes between sentences (spans, acts), see indexer/echoes.py


@dataclass(frozen=True)
class Citations:
    references: list[Reference]
    echoes: dict[str, list[Echo]] | None  # None: built without vectors
    echo_threshold: float | None = None


SentenceVectors = tuple[np.ndarray, Sequence[tuple[int, int, int]]]


def compute_citations(
    corpus: Corpus,
    passages: Sequence[Passage],
    vectors: np.ndarray | None,
    sentence_vectors: SentenceVectors | None = None,
) -> Citations:
    """References of ``passages`` and, when ``vectors`` are given, their echoes."""
    listed = {d.id for d in corpus.documents}  # a test may index passages of ad-hoc documents: no references there
    references = extract_references([p for p in passages if p.doc_id in listed], corpus.editions, corpus.documents)
    echoes = (
        None
        if vectors is None
        else compute_echoes(passages, corpus.documents, vectors, sentence_vectors=sentence_vectors)
    )
    return Citations(references, echoes, ECHO_THRESHOLD if vectors is not None else None)


def write_citations(
    path: Path,
    corpus: Corpus,
    passages: Sequence[Passage],
    vectors: np.ndarray | None,
    sentence_vectors: SentenceVectors | None = None,
) -> Citations:
    """Compute and write the citations file at ``path``; returns what was written."""
    citations = compute_citations(corpus, passages, vectors, sentence_vectors)
    data = {
        "version": CITATIONS_VERSION,
        "echo_threshold": citations.echo_threshold,
        "echo_min_shared_terms": MIN_SHARED if citations.echoes is not None else None,
        "echo_commitment_pair_threshold": COMMITMENT_PAIR_THRESHOLD if citations.echoes is not None else None,
        "references": [r.to_json() for r in citations.references],
        "echoes": None
        if citations.echoes is None
        else {pid: [e.to_json() for e in echoes] for pid, echoes in sorted(citations.echoes.items())},
    }
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return citations


def read_citations(path: Path) -> Citations:
    """The stored citations.

    Raises
    ------
    IndexUnusable
        When the file is unreadable or of another version.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") != CITATIONS_VERSION:
            raise ValueError(f"version {data.get('version')!r}, expected {CITATIONS_VERSION}")
        references = [Reference.from_json(r) for r in data["references"]]
        echoes = (
            None
            if data["echoes"] is None
            else {pid: [Echo.from_json(e) for e in items] for pid, items in data["echoes"].items()}
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        raise IndexUnusable(
            f"index damaged: {path.parent.name}/{path.name} is unreadable ({err.__class__.__name__}); "
            "run `jumelage index`"
        ) from None
    return Citations(references, echoes, data.get("echo_threshold"))
