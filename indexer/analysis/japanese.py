"""Japanese analysis with Sudachi: mode C words, their mode A parts, normalised forms.

* Mode C keeps compounds whole (東日本大震災); their mode A parts (震災) are
  emitted at the same position so a search for a part finds the compound.
* ``normalized_form`` unifies spelling variants, but it turns Latin words into
  katakana (SPEED → スピード), so a token with Latin letters keeps its surface.
* 助詞, 助動詞, 補助記号 and 空白 carry no meaning for search and are dropped.
* A Sudachi ``Tokenizer`` is not thread-safe: each thread gets its own, all
  sharing one ``Dictionary``. Nothing Sudachi is stored on the analyzer, so it
  pickles into the Whoosh schema.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from whoosh.analysis import LowercaseFilter, Token, Tokenizer

DROPPED_POS = frozenset({"助詞", "助動詞", "補助記号", "空白"})
# Affixes split off a compound (大 of 東日本大震災, 化 of グローバル化) would match unrelated
# words (活性化): a compound's parts are indexed only when they stand as words.
DROPPED_PART_POS = DROPPED_POS | {"接頭辞", "接尾辞"}
# Sudachi refuses input over 49,149 bytes; 3 bytes per character keeps a chunk well under it.
_MAX_CHUNK_CHARS = 12_000

_dictionary = None
_dictionary_lock = threading.Lock()
_local = threading.local()


def _tokenizer():
    global _dictionary
    tokenizer = getattr(_local, "tokenizer", None)
    if tokenizer is None:
        from sudachipy import Dictionary, SplitMode

        with _dictionary_lock:
            if _dictionary is None:
                _dictionary = Dictionary(dict="core")
        tokenizer = _local.tokenizer = _dictionary.tokenizer(mode=SplitMode.C)
    return tokenizer


@dataclass(frozen=True)
class JapaneseToken:
    text: str
    start: int
    end: int
    position: int


def _has_latin(text: str) -> bool:
    return any("LATIN" in unicodedata.name(ch, "") for ch in text)


def _term(morpheme) -> str:
    surface = morpheme.surface()
    if _has_latin(surface):
        return unicodedata.normalize("NFKC", surface).lower()
    return morpheme.normalized_form()


def _chunks(text: str) -> Iterator[tuple[int, str]]:
    """Cut long text after a sentence end (or anywhere, as a last resort) below Sudachi's limit."""
    start = 0
    while len(text) - start > _MAX_CHUNK_CHARS:
        window = text[start : start + _MAX_CHUNK_CHARS]
        cut = max(window.rfind(ch) for ch in "。！？\n")
        cut = cut + 1 if cut > 0 else _MAX_CHUNK_CHARS
        yield start, text[start : start + cut]
        start += cut
    if start < len(text):
        yield start, text[start:]


def japanese_tokens(text: str) -> list[JapaneseToken]:
    """Analyse ``text``: index terms with character offsets into ``text``."""
    from sudachipy import SplitMode

    tokens: list[JapaneseToken] = []
    position = 0
    for offset, chunk in _chunks(text):
        for morpheme in _tokenizer().tokenize(chunk):
            if morpheme.part_of_speech()[0] in DROPPED_POS:
                continue
            term = _term(morpheme)
            if not term.strip():
                continue
            tokens.append(JapaneseToken(term, offset + morpheme.begin(), offset + morpheme.end(), position))
            parts = morpheme.split(SplitMode.A)
            if len(parts) > 1:
                for part in parts:
                    if part.part_of_speech()[0] not in DROPPED_PART_POS:
                        tokens.append(JapaneseToken(_term(part), offset + part.begin(), offset + part.end(), position))
            position += 1
    return tokens


class SudachiTokenizer(Tokenizer):
    """Whoosh tokenizer over :func:`japanese_tokens`."""

    def __eq__(self, other):
        return other.__class__ is self.__class__

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        if not tokenize:
            token.original = token.text = value
            token.boost = 1.0
            if positions:
                token.pos = start_pos
            if chars:
                token.startchar, token.endchar = start_char, start_char + len(value)
            yield token
            return
        for jt in japanese_tokens(value):
            token.text = jt.text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = value[jt.start : jt.end]
            if positions:
                token.pos = start_pos + jt.position
            if chars:
                token.startchar, token.endchar = start_char + jt.start, start_char + jt.end
            yield token


def japanese_analyzer():
    return SudachiTokenizer() | LowercaseFilter()
