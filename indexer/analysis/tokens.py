"""Plain-Python access to the analyzers: tokens with offsets, and query language detection."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from indexer.analysis.french import french_analyzer, french_exact_analyzer
from indexer.analysis.japanese import japanese_analyzer
from indexer.passage import Lang

_JAPANESE_SCRIPT = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")


@dataclass(frozen=True)
class AnalyzedToken:
    """An index term and the span of the text it came from."""

    text: str
    start: int
    end: int
    position: int


def detect_lang(text: str) -> Lang:
    """``"ja"`` when the text holds kana or kanji, else ``"fr"``."""
    return Lang.JA if _JAPANESE_SCRIPT.search(text) else Lang.FR


@cache
def _analyzer(name: str):
    return {"fr": french_analyzer, "fr_exact": french_exact_analyzer, "ja": japanese_analyzer}[name]()


def analyze(text: str, analyzer: str) -> list[AnalyzedToken]:
    """Run a named analyzer (``fr``, ``fr_exact`` or ``ja``) and keep offsets and positions."""
    if analyzer not in ("fr", "fr_exact", "ja"):
        raise ValueError(f"unknown analyzer {analyzer!r}: use fr, fr_exact or ja")
    return [
        AnalyzedToken(t.text, t.startchar, t.endchar, t.pos)
        for t in _analyzer(analyzer)(text, positions=True, chars=True)
    ]
