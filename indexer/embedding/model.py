"""Load the multilingual-e5-small folder and encode queries and passages.

e5 needs its prompts: queries are embedded as ``"query: " + text`` and passages as
``"passage: " + text``; the folder built by :mod:`indexer.embedding.convert` stores
them, and this module always names them. Vectors are float32 and L2-normalised, so
a dot product is the cosine.

sentence_transformers (and torch) are imported only when a model is loaded, so that
importing :mod:`indexer` stays fast.
"""

from __future__ import annotations

import functools
import json
import os
import re
import unicodedata
from pathlib import Path

import numpy as np

from indexer.errors import ModelUnavailable

DEFAULT_MODEL_DIR = Path("var/model/multilingual-e5-small")
MODEL_ENV = "JUMELAGE_MODEL"
THREADS_ENV = "JUMELAGE_THREADS"
QUERY_CACHE_SIZE = 1024
# "owner/name" with no local folder of that name: a model hub id, not a path.
_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


def resolve_model(name_or_path: str | None) -> str:
    """Choose the model: the argument, else ``$JUMELAGE_MODEL``, else the default folder."""
    if name_or_path:
        return str(name_or_path)
    return os.environ.get(MODEL_ENV) or str(DEFAULT_MODEL_DIR)


def _missing_message(where: str) -> str:
    return f"embedding model not found at {where}: run `make model` (or `jumelage model build`) or set {MODEL_ENV}"


# Passages per torch forward pass when indexing (sentence-transformers' default).
BATCH_SIZE = 32


def _thread_count() -> int:
    """Threads for torch: ``$JUMELAGE_THREADS``, else the CPUs this process may use (max 8).

    Beyond ~8 threads a 12-layer, 384-wide encoder stops getting faster and only
    steals cores from the web server.
    """
    wanted = os.environ.get(THREADS_ENV, "")
    if wanted.isdigit() and int(wanted) > 0:
        return int(wanted)
    try:
        available = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        available = os.cpu_count() or 1
    return max(1, min(available, 8))


def _nfc(text: str) -> str:
    # The tokenizer's charsmap has no multi-codepoint rules, so decomposed (NFD) text
    # would not be recomposed: "é" as e + U+0301 would drift (cos ~0.97 instead of 1).
    return unicodedata.normalize("NFC", text)


class EmbeddingModel:
    """A sentence-transformers e5 model on the CPU, with the e5 prompts applied.

    Parameters
    ----------
    name_or_path
        A model folder (or a hub id, if the hub cache has it); ``None`` means
        ``$JUMELAGE_MODEL`` or :data:`DEFAULT_MODEL_DIR`.
    threads
        torch threads; default ``$JUMELAGE_THREADS`` or the usable CPUs (max 8).
        Batch encoding at index time gains from several; see
        :data:`search.semantic.QUERY_THREADS` for why query serving uses one.

    Raises
    ------
    ModelUnavailable
        If the model folder does not exist or cannot be loaded.
    """

    def __init__(self, name_or_path: str | Path | None = None, *, threads: int | None = None) -> None:
        target = resolve_model(str(name_or_path) if name_or_path else None)
        folder = Path(target).expanduser()
        is_local = folder.is_dir()
        if not is_local and not _HUB_ID.match(target):
            raise ModelUnavailable(_missing_message(target))
        if is_local:
            # A local folder never needs the network: say so before transformers reads it.
            os.environ["HF_HUB_OFFLINE"] = "1"
            os.environ["TRANSFORMERS_OFFLINE"] = "1"
        self._model = _load(str(folder) if is_local else target, threads or _thread_count())
        self.model_id = _folder_model_id(folder) if is_local else target
        self.dimension = int(_dimension(self._model))
        self.prompts: dict[str, str] = dict(self._model.prompts)
        if "query" not in self.prompts or "passage" not in self.prompts:
            raise ModelUnavailable(
                f"{target} has no e5 query/passage prompts in "
                "config_sentence_transformers.json: rebuild it with `make model`"
            )
        self._query = functools.lru_cache(maxsize=QUERY_CACHE_SIZE)(self._encode_query_uncached)

    backend = "torch"

    @property
    def tokenizer(self):
        """The Hugging Face tokenizer (for counting tokens: the model truncates at 512)."""
        return self._model.tokenizer

    def encode_passages(
        self, texts: list[str], batch_size: int | None = None, show_progress: bool = False
    ) -> np.ndarray:
        """Embed passages with the ``passage: `` prompt; returns ``(len(texts), dimension)``."""
        if not texts:
            return np.zeros((0, self.dimension), np.float32)
        vectors = self._model.encode(
            [_nfc(t) for t in texts],
            prompt_name="passage",
            batch_size=batch_size or BATCH_SIZE,
            show_progress_bar=show_progress,
            convert_to_numpy=True,
        )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        """Embed one query with the ``query: `` prompt; returns ``(dimension,)``.

        Results are cached (LRU, 1024 entries) on the NFC form of the text; the caller
        gets its own copy, so mutating it cannot corrupt the cache.
        """
        return self._query(_nfc(text)).copy()

    def _encode_query_uncached(self, text: str) -> np.ndarray:
        vector = self._model.encode([text], prompt_name="query", convert_to_numpy=True)[0]
        vector = np.asarray(vector, dtype=np.float32)
        vector.setflags(write=False)
        return vector

    def __repr__(self) -> str:
        return f"EmbeddingModel({self.model_id!r}, dimension={self.dimension})"


def _load(target: str, threads: int):
    """Import sentence_transformers lazily and load ``target`` on the CPU."""
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    torch.set_num_threads(threads)
    bar_was_on = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # a "Loading weights" bar on every start is noise
    try:
        return SentenceTransformer(target, device="cpu")
    except (OSError, ValueError) as exc:
        raise ModelUnavailable(f"{_missing_message(target)} ({exc})") from exc
    finally:
        if bar_was_on:
            hf_logging.enable_progress_bar()


def _dimension(model) -> int:
    # sentence-transformers 6 renamed the method; keep 5.x working too.
    getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
    return getter()


def _folder_model_id(folder: Path) -> str:
    """The id stored in index manifests: ``jumelage-model.json``'s, else the folder path."""
    try:
        return str(json.loads((folder / "jumelage-model.json").read_text("utf-8"))["model_id"])
    except (OSError, ValueError, KeyError, TypeError):
        return str(folder)
