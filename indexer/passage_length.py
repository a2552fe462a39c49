"""Passage length: no passage is longer than the embedding model's window.

multilingual-e5-small reads at most 512 tokens; a longer passage would be
embedded truncated (the issue's 3,115-character passage lost everything after
~2,100 characters). Over-long passages are therefore split at sentence ends
(``.!?`` and ``。！？``) into passages of at most :data:`TARGET_TOKENS`.

Tokens are *estimated* from characters, not counted with the model's
tokenizer: loading ``tokenizer.json`` takes ~2 s (too slow for the checks
that must answer in under a second) and passage ids must not depend on
whether a model is installed. The estimate is calibrated on the bundled
passages against the real tokenizer (``passage: `` prompt included): French
3.8 characters per token at the median, never fewer than 3.6 on passages of
60+ tokens; Japanese 1.43 at the median. Dividing by 3.2 (Latin) and 1.1
(Japanese) over-estimates every bundled passage of 60+ tokens (real/estimate
0.63–0.88), so a passage estimated at :data:`MAX_TOKENS` = 400 has at most
~350 real tokens, well inside 512. The longest bundled passage
(2010-kanazawa-fr:35, 1,245 characters, 287 real tokens) is estimated at 389
and stays whole, so the seeds keep their ids.
"""

from __future__ import annotations

import re
from dataclasses import replace

from indexer.passage import Passage

MAX_TOKENS = 400  # estimated; a passage above this is split
TARGET_TOKENS = 300  # estimated; the size the pieces aim at
LATIN_CHARS_PER_TOKEN = 3.2
CJK_CHARS_PER_TOKEN = 1.1

_CJK = re.compile(r"[\u3000-\u30ff\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")
# A sentence ends after . ! ? (then a space and no lowercase letter) or after 。！？ (then anything).
_SENTENCE_END = re.compile(r"(?<=[.!?…])[»”\")]*\s+(?=[^a-zà-ÿ\s])|(?<=[。！？])[」』）]*")
_CLAUSE_END = re.compile(r"(?<=[;:,])\s+|(?<=[；、，])")


def estimate_tokens(text: str) -> int:
    """Tokens of ``text`` for multilingual-e5, over-estimated (see the module docstring)."""
    cjk = len(_CJK.findall(text))
    return int((len(text) - cjk) / LATIN_CHARS_PER_TOKEN + cjk / CJK_CHARS_PER_TOKEN + 0.999)


def _cuts(text: str, pattern: re.Pattern[str]) -> list[int]:
    return [m.end() for m in pattern.finditer(text) if 0 < m.end() < len(text)]


def _pieces(text: str) -> list[tuple[int, int]]:
    """Spans of ``text`` of at most TARGET_TOKENS each, cut at sentence ends (clause ends, spaces as a last resort)."""
    spans: list[tuple[int, int]] = []
    start = 0
    while estimate_tokens(text[start:]) > TARGET_TOKENS:
        rest = text[start:]
        end = None
        for pattern in (_SENTENCE_END, _CLAUSE_END, re.compile(r"\s+")):
            fitting = [c for c in _cuts(rest, pattern) if estimate_tokens(rest[:c]) <= TARGET_TOKENS]
            if fitting:
                end = fitting[-1]
                break
        if end is None:  # one unbroken run (a long URL, Japanese without punctuation): cut by size
            end = 1
            while end < len(rest) and estimate_tokens(rest[: end + 1]) <= TARGET_TOKENS:
                end += 1
        spans.append((start, start + end))
        start += end
    spans.append((start, len(text)))
    return [(a, b) for a, b in spans if text[a:b].strip()]


def _raw_positions(text: str, raw: str, start: int, end: int) -> list[int]:
    """For each character of ``text``, its offset in ``raw[start:end]`` (greedy match, skipping what the normalizer dropped)."""
    out, j = [], start
    for ch in text:
        if ch.isspace():
            out.append(j)
            continue
        k = j
        while k < end and raw[k] != ch:
            k += 1
        if k < end:
            j = k
            out.append(j)
            j += 1
        else:
            out.append(j)  # a character the normalizer made (a table's « — »): keep the position
    return out


def split_long_passages(passages: list[Passage], raw: str) -> list[Passage]:
    """Split every passage estimated above MAX_TOKENS; renumber ordinals; offsets stay exact.

    A piece keeps its passage's kind and section; its ``start``/``end`` point at its
    own span of ``raw``.
    """
    if all(estimate_tokens(p.text) <= MAX_TOKENS for p in passages):
        return passages
    out: list[Passage] = []
    for p in passages:
        if estimate_tokens(p.text) <= MAX_TOKENS:
            out.append(replace(p, ordinal=len(out)))
            continue
        where = _raw_positions(p.text, raw, p.start, p.end)
        for a, b in _pieces(p.text):
            piece = p.text[a:b]
            lead, trail = len(piece) - len(piece.lstrip()), len(piece) - len(piece.rstrip())
            a, b = a + lead, b - trail
            out.append(replace(p, ordinal=len(out), text=p.text[a:b], start=where[a], end=where[b - 1] + 1))
    return out
