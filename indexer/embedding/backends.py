"""Choose and load an embedding backend: ``torch``, ``onnx``, ``onnx-q4`` or ``onnx-int8``.

All four compute the same model (the sentence-transformers folder) and expose the
same interface (``model_id``, ``dimension``, ``prompts``, ``backend``,
``encode_query``, ``encode_passages``). Vectors of different backends are close
but not identical, so an index records its backend and a query must use the same
one (see ``docs/design.md`` for the measurements behind the default).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from indexer.errors import ModelUnavailable

BACKENDS = ("torch", "onnx", "onnx-q4", "onnx-int8")
BACKEND_ENV = "JUMELAGE_EMBEDDING_BACKEND"
# onnx-q4 (the model's own 4-bit weights, int8 products) passes the quality gate: cosine to torch
# min 0.99983 over the bundled passages, dev nDCG@10 within 0.0024 of torch in every mode and
# language; queries 6.1 ms against 8.4 (fp32 onnx) and 21 (torch), one thread, load 3. Dynamic
# int8 (onnx-int8) failed the gate (semantic ja +0.033). fp32 onnx gives torch's vectors exactly.
DEFAULT_BACKEND = "onnx-q4"


def resolve_backend(flag: str | None, fallback: str | None = None) -> str:
    """The backend: the flag, else ``$JUMELAGE_EMBEDDING_BACKEND``, else ``fallback``
    (for queries: the backend the index was built with), else :data:`DEFAULT_BACKEND`.

    Raises
    ------
    ModelUnavailable
        For a name that is not one of :data:`BACKENDS`.
    """
    name = flag or os.environ.get(BACKEND_ENV) or fallback or DEFAULT_BACKEND
    if name not in BACKENDS:
        where = "--embedding-backend" if flag else f"${BACKEND_ENV}"
        raise ModelUnavailable(f"unknown embedding backend {name!r} in {where}: use one of {', '.join(BACKENDS)}")
    return name


def explicit_backend(flag: str | None) -> str | None:
    """The backend the user asked for (flag, then environment), or ``None``.

    Raises
    ------
    ModelUnavailable
        For a name that is not one of :data:`BACKENDS` (a flag is checked by argparse; the
        environment is not).
    """
    if flag:
        return resolve_backend(flag)
    return resolve_backend(None) if os.environ.get(BACKEND_ENV) else None


def effective_backend(model: str | Path | None, backend: str | None = None) -> str:
    """The backend :func:`load_encoder` will use: :func:`resolve_backend`'s, except torch when
    nothing was asked for and the ONNX export is missing (a model folder from before ``make model``
    exported ONNX graphs): the reference implementation is always there.
    """
    name = resolve_backend(backend)
    if name != "torch" and explicit_backend(backend) is None:
        from indexer.embedding.onnx_model import export_missing

        if export_missing(model, backend=name):
            return "torch"
    return name


def load_encoder(
    model: str | Path | None,
    backend: str | None = None,
    *,
    threads: int | None = None,
    warn: Callable[[str], None] | None = None,
):
    """Load the model folder with the backend :func:`effective_backend` picks (``warn`` hears of a fallback)."""
    name = effective_backend(model, backend)
    if name == "torch":
        asked = resolve_backend(backend)
        if asked != "torch" and warn is not None:
            warn(f"no ONNX export of the model (run `make model`): embedding with torch instead of {asked}")
        from indexer.embedding.model import EmbeddingModel

        return EmbeddingModel(model, threads=threads)
    from indexer.embedding.onnx_model import OnnxEmbeddingModel

    return OnnxEmbeddingModel(model, backend=name, threads=threads)
