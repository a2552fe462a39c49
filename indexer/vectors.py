"""Passage and sentence vectors of an index (float32, L2-normalised)."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from indexer.passage import Passage

VECTORS_FILE = "vectors.npy"
VECTOR_IDS_FILE = "vector_ids.json"
SENTENCE_VECTORS_FILE = "sentence_vectors.npy"
SENTENCES_FILE = "sentences.json"

# Sentence ends of both languages; the Japanese ones need no following space.
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|(?<=[。！？])")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """Character spans of the sentences of ``text`` (split after ``. ! ? 。 ！ ？``)."""
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        if text[start : match.start()].strip():
            spans.append((start, match.start()))
        start = match.end()
    if text[start:].strip():
        spans.append((start, len(text.rstrip())))
    return spans


def write_vectors(directory: Path, passages: Sequence[Passage], vectors: np.ndarray) -> None:
    if len(vectors) != len(passages):
        raise ValueError(f"{len(vectors)} vectors for {len(passages)} passages")
    np.save(directory / VECTORS_FILE, np.ascontiguousarray(vectors, dtype=np.float32))
    (directory / VECTOR_IDS_FILE).write_text(json.dumps([p.passage_id for p in passages]), encoding="utf-8")


def multi_sentence_spans(passages: Sequence[Passage]) -> list[tuple[int, int, int]]:
    """``(row, start, end)`` for each sentence of each passage that has more than one."""
    out: list[tuple[int, int, int]] = []
    for row, p in enumerate(passages):
        spans = sentence_spans(p.text)
        if len(spans) > 1:
            out.extend((row, s, e) for s, e in spans)
    return out


def write_sentence_vectors(directory: Path, spans: list[tuple[int, int, int]], vectors: np.ndarray) -> None:
    np.save(directory / SENTENCE_VECTORS_FILE, np.ascontiguousarray(vectors, dtype=np.float32))
    (directory / SENTENCES_FILE).write_text(json.dumps(spans), encoding="utf-8")


def load_vectors(directory: Path, expected_ids: Sequence[str]) -> np.ndarray | None:
    path = directory / VECTORS_FILE
    if not path.is_file():
        return None
    ids = json.loads((directory / VECTOR_IDS_FILE).read_text(encoding="utf-8"))
    if list(ids) != list(expected_ids):
        raise ValueError(f"{path} does not match the passage store: re-index with `jumelage index`")
    return np.load(path, mmap_mode="r")


def load_sentence_vectors(directory: Path) -> tuple[np.ndarray, list[tuple[int, int, int]]] | None:
    path = directory / SENTENCE_VECTORS_FILE
    if not path.is_file():
        return None
    spans = [tuple(s) for s in json.loads((directory / SENTENCES_FILE).read_text(encoding="utf-8"))]
    return np.load(path), spans
