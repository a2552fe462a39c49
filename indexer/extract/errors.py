"""The one error type of extraction."""

from __future__ import annotations

from indexer.corpus import CorpusError


class ExtractError(CorpusError):
    """A delivered file cannot be turned into text; the message names the file and the fix."""
