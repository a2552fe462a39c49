"""Helpers of the index-lifecycle tests: a corpus with a declaration inserted, a deterministic encoder."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np

NEW_DOC = "2011-zanzibar-fr"
NEW_WORD = "Zanzibarville"
NEW_TEXT = (
    f"Déclaration de {NEW_WORD}\n\n"
    f"Nous saluons le jumelage exemplaire de {NEW_WORD} et de Takamatsu.\n\n"
    "Nous nous engageons à partager nos expériences de prévention des risques naturels.\n"
)


def corpus_with_inserted_declaration(source: Path, dest: Path) -> Path:
    """A copy of ``source`` with one French declaration listed *before* Chartres.

    The store lists passages in manifest order, so every passage after
    Kanazawa moves to another row: what made a half-reloaded server answer
    with the wrong passage.
    """
    shutil.copytree(source, dest)
    (dest / "fr" / f"{NEW_DOC}.txt").write_text(NEW_TEXT, encoding="utf-8")
    manifest = dest / "declarations.toml"
    text = manifest.read_text(encoding="utf-8")
    entry = (
        f'[[document]]\nid = "{NEW_DOC}"\ntitle = "Déclaration de {NEW_WORD}"\nedition = 2\n'
        f'city = "Kanazawa"\ncountry = "Japon"\ndate = "2011-01-01"\nlang = "fr"\n'
        f'path = "fr/{NEW_DOC}.txt"\nstatus = "official"\n\n'
    )
    anchor = '[[document]]\nid = "2012-chartres-fr"'
    assert anchor in text
    manifest.write_text(text.replace(anchor, entry + anchor, 1), encoding="utf-8")
    return dest


class HashEncoder:
    """A deterministic stand-in for the embedding model that records what it was asked to encode.

    The lifecycle tests check which texts are (re-)encoded and how files are
    laid out, not what vectors mean; the real model is exercised by the slow tests.
    """

    dimension = 16

    def __init__(self, model_id: str = "test/hash-encoder") -> None:
        self.model_id = model_id
        self.prompts = {"query": "query: ", "passage": "passage: "}
        self.encoded: list[str] = []

    def encode_passages(self, texts, batch_size: int | None = None, show_progress: bool = False) -> np.ndarray:
        self.encoded.extend(texts)
        rows = [np.frombuffer(hashlib.sha256(t.encode()).digest()[: self.dimension], dtype=np.uint8) for t in texts]
        matrix = np.array(rows, dtype=np.float32).reshape(len(texts), self.dimension) + 1.0
        return matrix / np.linalg.norm(matrix, axis=1, keepdims=True)

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode_passages([text])[0]
