"""Updating the index after ``add`` / ``remove``: which encoder, checked before anything is written."""

from __future__ import annotations

import argparse
import re
import time
from pathlib import Path

from indexer.corpus import Corpus, CorpusError
from jumelage.commands.common import progress

_HUB_ID = re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$")


def wants_model(target: Path, keyword_only: bool) -> bool:
    """Embed unless asked not to or the existing index was built without vectors."""
    if keyword_only:
        return False
    from indexer.errors import JumelageError
    from indexer.index_format import read_manifest

    try:
        return read_manifest(target).model is not None
    except JumelageError:  # no index yet, or one this version cannot read: build a full one
        return True


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


def load_encoder(model: str | None):
    """The embedding model, loaded (the slow part: after every check), or None for a keyword-only index."""
    if model is None:
        return None
    from indexer.embedding.model import EmbeddingModel

    started = time.perf_counter()
    encoder = EmbeddingModel(model)
    progress(f"model {encoder.model_id} loaded in {time.perf_counter() - started:.1f} s")
    return encoder


def update_index(corpus: Corpus, target: Path, encoder) -> None:
    """Update the index of ``corpus`` at ``target`` (a new generation; unchanged documents are reused)."""
    from indexer.build import build_index  # numpy and Whoosh: only once every check has passed

    manifest = build_index(corpus, target, encoder, progress=progress)
    progress(f"indexed {manifest.passages} passages into {target} in {manifest.build_seconds:.1f} s")
