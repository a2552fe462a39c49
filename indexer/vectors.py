"""Passage and sentence vectors of an index (float32, L2-normalised).

File names belong to :mod:`indexer.index_format`, which passes the paths in.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from indexer.passage import Passage

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


def write_vectors(path: Path, ids_path: Path, passages: Sequence[Passage], vectors: np.ndarray) -> None:
    if len(vectors) != len(passages):
        raise ValueError(f"{len(vectors)} vectors for {len(passages)} passages")
    np.save(path, np.ascontiguousarray(vectors, dtype=np.float32))
    ids_path.write_text(json.dumps([p.passage_id for p in passages]), encoding="utf-8")


def multi_sentence_spans(passages: Sequence[Passage]) -> list[tuple[int, int, int]]:
    """``(row, start, end)`` for each sentence of each passage that has more than one."""
    out: list[tuple[int, int, int]] = []
    for row, p in enumerate(passages):
        spans = sentence_spans(p.text)
        if len(spans) > 1:
            out.extend((row, s, e) for s, e in spans)
    return out


def write_sentence_vectors(
    path: Path, spans_path: Path, spans: list[tuple[int, int, int]], vectors: np.ndarray
) -> None:
    np.save(path, np.ascontiguousarray(vectors, dtype=np.float32))
    spans_path.write_text(json.dumps(spans), encoding="utf-8")


def load_sentence_vectors(path: Path, spans_path: Path) -> tuple[np.ndarray, list[tuple[int, int, int]]]:
    spans = [(int(r), int(s), int(e)) for r, s, e in json.loads(spans_path.read_text(encoding="utf-8"))]
    matrix = np.load(path)
    if len(matrix) != len(spans):
        raise ValueError(f"{path.name} holds {len(matrix)} vectors for {len(spans)} sentences")
    return matrix, spans
