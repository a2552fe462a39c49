"""Build an index directory from a corpus, atomically.

Everything is written into a temporary sibling directory; only a complete
build replaces the previous index, so a failed build leaves it usable.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Protocol

import numpy as np

from indexer.citations_file import write_citations
from indexer.corpus import Corpus
from indexer.corpus_passages import build_passages
from indexer.keyword_index import write_keyword_index
from indexer.manifest import SCHEMA_VERSION, IndexManifest, ModelInfo
from indexer.passage import Passage
from indexer.store import write_store
from indexer.vectors import multi_sentence_spans, write_sentence_vectors, write_vectors

STORE_FILE = "passages.sqlite"
WHOOSH_DIR = "whoosh"

Progress = Callable[[str], None]


class PassageEncoder(Protocol):
    model_id: str
    dimension: int
    prompts: dict[str, str]

    def encode_passages(self, texts: list[str], batch_size: int = 32, show_progress: bool = False) -> np.ndarray: ...


def _quiet(_: str) -> None:
    pass


def write_index(
    directory: Path,
    corpus: Corpus,
    passages: list[Passage],
    encoder: PassageEncoder | None,
    *,
    sentence_vectors: bool = True,
    progress: Progress = _quiet,
) -> IndexManifest:
    """Write every part of an index for ``passages`` into the empty ``directory``."""
    started = time.perf_counter()
    write_store(directory / STORE_FILE, corpus, passages)
    progress(f"passage store: {len(passages)} passages")
    write_keyword_index(directory / WHOOSH_DIR, passages, lambda n: progress(f"keyword index: {n} passages"))
    progress("keyword index: done")
    model_info, n_sentences, vectors = None, 0, None
    if encoder is not None:
        progress(f"embedding {len(passages)} passages with {encoder.model_id}")
        vectors = encoder.encode_passages([p.text for p in passages], show_progress=True)
        write_vectors(directory, passages, vectors)
        if sentence_vectors:
            spans = multi_sentence_spans(passages)
            progress(f"embedding {len(spans)} sentences for semantic highlighting")
            texts = [passages[row].text[s:e] for row, s, e in spans]
            sentence_matrix = encoder.encode_passages(texts, show_progress=True) if texts else np.zeros((0, encoder.dimension), np.float32)
            write_sentence_vectors(directory, spans, sentence_matrix)
            n_sentences = len(spans)
        model_info = ModelInfo(encoder.model_id, int(encoder.dimension), dict(encoder.prompts),
                               getattr(encoder, "backend", "torch"))
    citations = write_citations(directory, corpus, passages, vectors)  # echoes only when vectors exist
    progress(f"citations: {len(citations.references)} references, "
             f"{'no' if citations.echoes is None else sum(map(len, citations.echoes.values()))} echoes")
    manifest = IndexManifest(
        schema_version=SCHEMA_VERSION,
        built_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
        build_seconds=round(time.perf_counter() - started, 3),
        corpus_checksum=corpus.checksum(),
        passages=len(passages),
        documents=dict(Counter(p.doc_id for p in passages)),
        model=model_info,
        sentences=n_sentences,
    )
    manifest.write(directory)
    return manifest


def swap_in(built: Path, target: Path) -> None:
    """Move a complete index into place, then drop the one it replaces."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
    os.replace(built, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def build_index(
    corpus: Corpus,
    target: Path,
    encoder: PassageEncoder | None,
    *,
    passages: list[Passage] | None = None,
    sentence_vectors: bool = True,
    progress: Progress = _quiet,
) -> IndexManifest:
    """Build the index of ``corpus`` (or of the given ``passages``) and swap it in at ``target``."""
    passages = build_passages(corpus) if passages is None else passages
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    staging.chmod(0o755)  # mkdtemp makes it private; the server may run as another user
    try:
        manifest = write_index(staging, corpus, passages, encoder, sentence_vectors=sentence_vectors, progress=progress)
        swap_in(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return manifest
