"""Text folding shared by phrase matching, evaluation and quotation lookup."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
_QUOTES = str.maketrans({"’": "'", "‘": "'", "`": "'", "«": '"', "»": '"', "“": '"', "”": '"'})


def collapse(text: str) -> str:
    """Whitespace collapsed, ``’`` → ``'``, lowercased: DESIGN's rule for evaluation anchors."""
    return _SPACES.sub(" ", text.replace("’", "'")).strip().lower()


def fold(text: str) -> str:
    """:func:`collapse`, plus NFKC width folding and accents removed: for phrase containment."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))
    return unicodedata.normalize("NFC", collapse(text))
