"""Updating the index after ``add`` / ``remove``: which encoder, checked before anything is written."""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

from indexer.corpus import Corpus, CorpusError
from jumelage.commands.common import progress

_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


def _current_model(target: Path):
    """The model record of the index at ``target`` (``None``: built without vectors); raises when unreadable."""
    from indexer.index_format import read_manifest

    return read_manifest(target).model


def wants_model(target: Path, keyword_only: bool) -> bool:
    """Embed unless asked not to or the existing index was built without vectors.

    Raises
    ------
    CorpusError
        For ``--keyword-only`` over an index that has vectors: the update would
        drop every vector of the index, not just skip the new document's.
    """
    from indexer.errors import JumelageError

    try:
        model = _current_model(target)
    except JumelageError:  # no index yet, or one this version cannot read: build a full one
        return not keyword_only
    if keyword_only and model is not None:
        raise CorpusError(
            f"the index at {target} has embeddings, which --keyword-only would drop for every document: "
            "leave it out (only the new passages are embedded), or rebuild the index keyword-only with "
            f"`jumelage index --keyword-only --index {target}`"
        )
    return model is not None


def backend_for(target: Path, flag: str | None) -> str | None:
    """The backend to embed with: the one asked for, else the index's own (so that a running server,
    which refuses a generation built with another backend, takes the update), else the default."""
    from indexer.embedding.backends import explicit_backend
    from indexer.errors import JumelageError

    asked = explicit_backend(flag)
    if asked is not None:
        return asked
    try:
        model = _current_model(target)
    except JumelageError:
        return None
    return model.backend if model is not None else None


def check_model(args: argparse.Namespace) -> str:
    """The model to load, checked to exist (no loading: that is the slow part)."""
    from indexer.embedding.model import resolve_model

    model = resolve_model(getattr(args, "model", None))
    if not Path(model).exists() and not _HUB_ID.match(model):
        raise CorpusError(
            f"embedding model not found at {model}: run `make model`, pass --model, "
            "or --no-index (then `jumelage index` later)"
        )
    return model


def load_encoder(model: str | None, backend: str | None = None):
    """The embedding model, loaded (the slow part: after every check), or None for a keyword-only index."""
    if model is None:
        return None
    from indexer.embedding.backends import load_encoder as load_with_backend

    started = time.perf_counter()
    encoder = load_with_backend(model, backend, warn=progress)
    progress(f"model {encoder.model_id} loaded in {time.perf_counter() - started:.1f} s")
    return encoder


def update_index(corpus: Corpus, target: Path, encoder) -> None:
    """Update the index of ``corpus`` at ``target`` (a new generation; unchanged documents are reused)."""
    from indexer.build import build_index  # numpy and Whoosh: only once every check has passed

    manifest = build_index(corpus, target, encoder, progress=progress)
    progress(f"indexed {manifest.passages} passages into {target} in {manifest.build_seconds:.1f} s")
