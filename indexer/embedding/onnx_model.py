"""Encode queries and passages with ONNX Runtime: same interface as :class:`EmbeddingModel`.

The graphs come from :mod:`indexer.embedding.onnx_export` (mean pooling and L2
normalisation are inside them); the tokenizer is the model folder's own
``tokenizer.json``, read with the ``tokenizers`` library, so neither torch nor
sentence-transformers is imported: a server starts in well under a second and
its idle memory is the graph, not a torch runtime.

Why: on the 2-core machine a short query took 34 ms with torch, 10.5 ms with
ONNX fp32 and 4.8 ms with ONNX int8 (one intra-op thread); the quality of each
backend against torch is measured in ``docs/design.md``.
"""

from __future__ import annotations

import functools
import json
import sys
from pathlib import Path

import numpy as np

from indexer.embedding.model import (
    QUERY_CACHE_SIZE,
    _missing_message,
    _nfc,
    _thread_count,
    resolve_model,
)
from indexer.embedding.onnx_export import (
    GRAPH_FILES,
    STAMP_FILE,
    default_onnx_dir,
    source_model_id,
)
from indexer.errors import ModelUnavailable

MAX_TOKENS = 512  # sentence_bert_config.json max_seq_length: longer inputs are truncated, as ST does
PAD_ID = 1  # XLM-R <pad>
# Passages per ONNX run when indexing: one. On CPU a bigger batch is slower even when sorted by
# length (its activations, batch × tokens × 1536 floats, no longer fit the core's cache): 248
# bundled passages, two workers, load 2: onnx-q4 92/s at 1, 78 at 2, 59 at 4, 38 at 32;
# onnx 81 / 72 / – / 35; onnx-int8 194 at 1, 78 at 32.
BATCH_SIZE = 1
# Progress lines while embedding: one per this many passages.
PROGRESS_EVERY = 640


def _session(path: Path, threads: int):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    # Threads spin after each run waiting for more work: on a shared 2-core machine that
    # steals the core another request (or process) needs.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


class OnnxEmbeddingModel:
    """multilingual-e5-small on ONNX Runtime, with the e5 prompts applied.

    Parameters
    ----------
    name_or_path
        The sentence-transformers model folder (tokenizer, prompts, model id).
    backend
        Which exported graph runs: ``onnx`` (fp32), ``onnx-q4`` (the model's 4-bit weights,
        int8 products) or ``onnx-int8`` (dynamic int8); see :mod:`indexer.embedding.onnx_export`.
    threads
        Batches encoded side by side by :meth:`encode_passages` (all usable cores by default, for
        a build); every ONNX Runtime run uses one intra-op thread, and a query is one run.
    onnx_dir
        Folder of the exported graphs; default :func:`default_onnx_dir`.

    Raises
    ------
    ModelUnavailable
        If the model folder or its ONNX export is missing or stale.
    """

    def __init__(
        self,
        name_or_path: str | Path | None = None,
        *,
        backend: str = "onnx",
        threads: int | None = None,
        onnx_dir: str | Path | None = None,
    ) -> None:
        folder = Path(resolve_model(str(name_or_path) if name_or_path else None)).expanduser()
        if not (folder / "tokenizer.json").is_file():
            raise ModelUnavailable(_missing_message(str(folder)))
        if backend not in GRAPH_FILES:
            raise ModelUnavailable(f"unknown ONNX backend {backend!r}: use one of {', '.join(GRAPH_FILES)}")
        self.backend = backend
        self.model_id = source_model_id(folder)
        graphs = Path(onnx_dir) if onnx_dir else default_onnx_dir(folder)
        graph = graphs / GRAPH_FILES[backend]
        _check_export(graphs, graph, self.model_id, self.backend)
        self.prompts = _prompts(folder)
        self.dimension = _dimension(folder)
        self._tokenizer = _tokenizer(folder)
        # One intra-op thread per run; a build runs ``threads`` batches at once instead (see
        # encode_passages). ONNX Runtime sessions accept concurrent run() calls.
        self._workers = threads or _thread_count()
        self._session = _session(graph, 1)
        self._query = functools.lru_cache(maxsize=QUERY_CACHE_SIZE)(self._encode_query_uncached)

    @property
    def tokenizer(self):
        """A callable like a Hugging Face tokenizer: ``tokenizer(text)["input_ids"]`` (no truncation)."""
        return _CountingTokenizer(self._tokenizer)

    def _run(self, texts: list[str]) -> np.ndarray:
        encodings = self._tokenizer.encode_batch(texts)
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        out = self._session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        return np.asarray(out, dtype=np.float32)

    def encode_passages(
        self, texts: list[str], batch_size: int | None = None, show_progress: bool = False
    ) -> np.ndarray:
        """Embed passages with the ``passage: `` prompt; returns ``(len(texts), dimension)``.

        Passages are sorted by length and batched (by one, see :data:`BATCH_SIZE`), so a
        batch pads to similar lengths; rows come back in the caller's order. With several
        threads, whole batches run side by side, each on one intra-op thread: on the shared
        2-core machine two intra-op threads per run wait on each other at every operator
        whenever another process holds a core (29.9 against 15.7 passages/s with one core
        busy elsewhere).
        """
        out = np.zeros((len(texts), self.dimension), np.float32)
        if not texts:
            return out
        batch_size = batch_size or BATCH_SIZE
        prompt = self.prompts["passage"]
        prepared = [prompt + _nfc(t) for t in texts]
        order = np.argsort([len(t) for t in prepared], kind="stable")
        batches = [order[start : start + batch_size] for start in range(0, len(order), batch_size)]

        def run(chosen: np.ndarray) -> None:
            out[chosen] = self._run([prepared[i] for i in chosen])

        every = max(1, PROGRESS_EVERY // batch_size)

        def report(i: int) -> None:
            if show_progress and i % every == every - 1:
                done = min((i + 1) * batch_size, len(texts))
                print(f"embedded {done}/{len(texts)} passages", file=sys.stderr, flush=True)

        if self._workers <= 1 or len(batches) <= 1:
            for i, chosen in enumerate(batches):
                run(chosen)
                report(i)
            return out
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=self._workers, thread_name_prefix="onnx-batch") as pool:
            for i, _ in enumerate(pool.map(run, batches)):
                report(i)
        return out

    def encode_query(self, text: str) -> np.ndarray:
        """Embed one query with the ``query: `` prompt; returns ``(dimension,)`` (LRU-cached)."""
        return self._query(_nfc(text)).copy()

    def _encode_query_uncached(self, text: str) -> np.ndarray:
        vector = self._run([self.prompts["query"] + text])[0]
        vector.setflags(write=False)
        return vector

    def __repr__(self) -> str:
        return f"OnnxEmbeddingModel({self.model_id!r}, backend={self.backend!r})"


class _CountingTokenizer:
    """The part of the HF tokenizer interface callers use: ids of one text, untruncated."""

    def __init__(self, tokenizer) -> None:
        self._tokenizer = tokenizer

    def __call__(self, text: str, truncation: bool = False, **_ignored) -> dict[str, list[int]]:
        if truncation:
            return {"input_ids": self._tokenizer.encode(text).ids}
        self._tokenizer.no_truncation()
        try:
            return {"input_ids": self._tokenizer.encode(text).ids}
        finally:
            self._tokenizer.enable_truncation(MAX_TOKENS)


def _tokenizer(folder: Path):
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.enable_truncation(MAX_TOKENS)
    tokenizer.enable_padding(pad_id=PAD_ID, pad_token="<pad>")
    return tokenizer


def export_missing(model: str | Path | None, *, backend: str = "onnx") -> bool:
    """Whether the model folder exists but its ONNX graph does not (``make model`` not re-run)."""
    folder = Path(resolve_model(str(model) if model else None)).expanduser()
    graph = default_onnx_dir(folder) / GRAPH_FILES.get(backend, GRAPH_FILES["onnx"])
    return (folder / "tokenizer.json").is_file() and not graph.is_file()


def _check_export(graphs: Path, graph: Path, model_id: str, backend: str) -> None:
    if not graph.is_file():
        raise ModelUnavailable(
            f"no ONNX graph at {graph} for --embedding-backend {backend}: run `make model` "
            "(or `python -m indexer.embedding.onnx_export`), or use --embedding-backend torch"
        )
    try:
        stamp = json.loads((graphs / STAMP_FILE).read_text("utf-8"))
    except (OSError, ValueError):
        stamp = {}
    if stamp.get("model_id") != model_id:
        raise ModelUnavailable(
            f"the ONNX graphs in {graphs} were not exported from model {model_id!r}: "
            "re-export them with `make model` (python -m indexer.embedding.onnx_export --force)"
        )


def _prompts(folder: Path) -> dict[str, str]:
    try:
        prompts = json.loads((folder / "config_sentence_transformers.json").read_text("utf-8"))["prompts"]
    except (OSError, ValueError, KeyError) as exc:
        raise ModelUnavailable(
            f"{folder} has no config_sentence_transformers.json prompts: rebuild it with `make model` ({exc})"
        ) from exc
    if "query" not in prompts or "passage" not in prompts:
        raise ModelUnavailable(
            f"{folder} has no e5 query/passage prompts in config_sentence_transformers.json: "
            "rebuild it with `make model`"
        )
    return {str(k): str(v) for k, v in prompts.items()}


def _dimension(folder: Path) -> int:
    try:
        return int(json.loads((folder / "1_Pooling" / "config.json").read_text("utf-8"))["word_embedding_dimension"])
    except (OSError, ValueError, KeyError):
        return int(json.loads((folder / "config.json").read_text("utf-8"))["hidden_size"])
