"""What the program needs of an embedding model: one protocol for building and for searching.

:class:`~indexer.embedding.model.EmbeddingModel` implements it (and so can any
other backend). Indexing calls :meth:`Encoder.encode_passages`; search calls
:meth:`Encoder.encode_query`, and the quotation finder ``encode_passages`` (a
quotation is compared as a passage). Kept free of heavy imports: importing
this module never loads torch.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np


class Encoder(Protocol):
    """Normalised e5 vectors: ``passage: `` prompt for passages, ``query: `` prompt for queries."""

    model_id: str
    dimension: int
    prompts: dict[str, str]

    def encode_passages(
        self, texts: list[str], batch_size: int | None = None, show_progress: bool = False
    ) -> np.ndarray: ...

    def encode_query(self, text: str) -> np.ndarray: ...
