"""Joining wrapped lines back into a paragraph: spaces for Latin text, none for Japanese, hyphens undone.

Shared by the PDF extractor (which decides paragraphs from the page geometry)
and the normalizer (which decides them from the text alone).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

_CJK = re.compile(r"[\u3000-\u303f\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")
_WORD = re.compile(r"\w+(?:-\w+)*")
SOFT_HYPHEN = "\u00ad"


def is_cjk(char: str) -> bool:
    """True for kana, kanji, CJK punctuation and full-width forms (joined without spaces)."""
    return bool(char) and bool(_CJK.match(char))


def vocabulary(text: str) -> set[str]:
    """Lower-cased words of ``text`` (hyphenated compounds kept whole), to tell a broken word from a compound."""
    return {w.lower() for w in _WORD.findall(text)}


def join_lines(pieces: Iterable[str], words: set[str] | None = None, lang: str = "fr") -> str:
    """Join stripped line texts of one paragraph.

    * Japanese on either side of the break: no space (``…を\\n推進`` → ``…を推進``).
    * A soft hyphen at the end of a line: the word was broken by the typesetter; drop it.
    * A hard hyphen after a letter, then a lowercase letter: keep the hyphen and drop the
      break (``franco-\\njaponaise``), unless ``words`` holds the word without the hyphen
      and not with it (``dévelop-\\npement`` → ``développement`` when the document
      spells ``développement`` elsewhere): compounds are common in the declarations and
      a wrongly removed hyphen would change a word, a kept one only splits it.
    * In a Japanese text, no space either unless both sides are Latin letters
      (``201\n0年`` → ``2010年``).
    * Otherwise one space.
    """
    joined = ""
    for piece in pieces:
        piece = piece.strip()
        if not piece:
            continue
        if not joined:
            joined = piece
        elif joined.endswith(SOFT_HYPHEN):
            joined = joined[:-1] + piece
        elif joined.endswith("-") and joined[-2:-1].isalpha() and piece[:1].islower():
            joined = joined[:-1] + piece if _is_broken_word(joined, piece, words) else joined + piece
        elif is_cjk(joined[-1]) or is_cjk(piece[0]) or (lang == "ja" and not (_latin(joined[-1]) and _latin(piece[0]))):
            joined += piece
        else:
            joined = f"{joined} {piece}"
    return joined


def _latin(char: str) -> bool:
    return char.isascii() and char.isalpha()


def _is_broken_word(left: str, right: str, words: set[str] | None) -> bool:
    if not words:
        return False
    head = re.search(r"(\w+)-$", left)
    tail = re.match(r"\w+", right)
    if not head or not tail:
        return False
    whole, compound = (head.group(1) + tail.group(0)).lower(), f"{head.group(1)}-{tail.group(0)}".lower()
    return whole in words and compound not in words
