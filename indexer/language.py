"""Is this text in the declared language? Script first, then French function words.

py3langid was measured at 1.5–2.0 s to load its model on this machine, more
than the whole one-second budget of ``jumelage add``'s checks; the two
languages of the corpus are told apart by script (kana/kanji share), and a
Latin text is taken for French when French function words (le, de, et, les,
des, à…) outnumber the English, German, Spanish and Italian ones. On the
bundled passages: French 0 % kana/kanji and 40–41 % of words French function
words; Japanese 97–99 % kana/kanji.
"""

from __future__ import annotations

import re

_CJK = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")
_WORD = re.compile(r"[^\W\d_]+")
_FUNCTION_WORDS = {
    "fr": {
        "le",
        "la",
        "les",
        "de",
        "des",
        "du",
        "et",
        "à",
        "au",
        "aux",
        "en",
        "un",
        "une",
        "pour",
        "que",
        "qui",
        "dans",
        "par",
        "sur",
        "est",
        "nous",
        "ces",
        "sont",
        "avec",
        "leur",
        "leurs",
        "d",
        "l",
    },
    "en": {"the", "of", "and", "to", "in", "a", "is", "that", "for", "with", "on", "are", "we", "this", "by", "be"},
    "de": {"der", "die", "das", "und", "zu", "den", "von", "mit", "ist", "wir", "sich", "auf", "für", "ein", "eine"},
    "es": {"el", "los", "las", "del", "y", "que", "en", "por", "con", "para", "una", "es", "se", "su", "al"},
    "it": {"il", "di", "che", "e", "della", "per", "non", "con", "gli", "delle", "sono", "nel", "alla", "dei"},
}
_NAMES = {"fr": "French", "ja": "Japanese", "en": "English", "de": "German", "es": "Spanish", "it": "Italian"}
MIN_CJK_SHARE_JA = 0.3
MAX_CJK_SHARE_FR = 0.1


def cjk_share(text: str) -> float:
    """Share of kana/kanji among the letters of ``text``."""
    letters = sum(1 for c in text if c.isalpha())
    return len(_CJK.findall(text)) / letters if letters else 0.0


def guess_latin_language(text: str) -> str | None:
    """The language whose function words are most frequent in ``text`` (None when none occur)."""
    words = [w.lower() for w in _WORD.findall(text[:50_000])]
    counts = {lang: sum(1 for w in words if w in vocab) for lang, vocab in _FUNCTION_WORDS.items()}
    best = max(counts, key=lambda k: counts[k])
    return best if counts[best] > 0 else None


def language_mismatch(text: str, lang: str) -> str | None:
    """Why ``text`` does not look like ``lang`` (a phrase for an error message), or None when it does."""
    share = cjk_share(text)
    if lang == "ja":
        if share < MIN_CJK_SHARE_JA:
            other = guess_latin_language(text)
            return f"it has only {share:.0%} kana/kanji" + (f" and reads as {_NAMES[other]}" if other else "")
        return None
    if share > MAX_CJK_SHARE_FR:
        return f"it is {share:.0%} kana/kanji (Japanese?)"
    other = guess_latin_language(text)
    if other is not None and other != lang:
        return f"its most frequent function words are {_NAMES[other]}"
    return None
