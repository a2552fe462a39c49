"""French analysis: words → lowercase → elision → stop words → lemma (simplemma) → accent folding.

The ranked field is lemmatised, not stemmed. Snowball joined words that are
not the same word (``naturels`` and ``naturellement`` both became ``naturel``:
"risques naturels" matched "ont naturellement découlé") and cut others to
fragments (``gouvern``, ``collectivit``). simplemma's dictionary lemmas keep
``naturels`` → ``naturel`` and ``naturellement`` apart, and still join
``séismes``/``séisme`` and ``collectivités``/``collectivité``; like Snowball
it keeps ``jeunesse`` and ``jeunes`` apart (a noun and an adjective).
Measured, keyword nDCG@10 (French queries): shared dev queries Snowball 0.924,
simplemma 0.958, a minimal plural stripper (Lucene's FrenchMinimalStemmer)
0.930; hard questions (tests/data/hard_queries.jsonl) 0.243 / 0.245 / 0.236.

Accents are folded *after* lemmatising (the dictionary needs them), so
``séisme`` and ``seisme`` still meet: an unknown word is returned as is and
then folded. The exact analyzer stops before stop-word removal and
lemmatising; it backs exact and phrase matching.
"""

from __future__ import annotations

import re
from functools import lru_cache

from whoosh.analysis import CharsetFilter, Filter, LowercaseFilter, RegexTokenizer, StopFilter
from whoosh.support.charset import accent_map

WORD_PATTERN = r"\w+(?:['’]\w+)*"

# Elided articles, pronouns and conjunctions; "aujourd'hui" is left alone.
_ELISION = re.compile(r"^(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu|quoiqu|presqu)['’](?=\w)")

FRENCH_STOP_WORDS = frozenset(
    """
    a à au aux avec ce ces cet cette ceci cela comme dans de des du elle elles en et eux il ils
    je la le les leur leurs lui ma mais me même mes moi mon ne nos notre nous on ou où par pas
    pour qu que qui sa se ses si son sur ta te tes toi ton tu un une vos votre vous y
    été être est sont était ai as avons avez ont suis es sera seront fut furent
    ainsi aussi dont donc afin ni car or soit tels telles tel telle très plus
    """.split()
)


class ElisionFilter(Filter):
    """Drop an elided article or pronoun (``l'``, ``d’``, ``qu'``) and keep offsets exact."""

    def __call__(self, tokens):
        for t in tokens:
            match = _ELISION.match(t.text)
            if match:
                cut = match.end()
                t.text = t.text[cut:]
                if getattr(t, "startchar", None) is not None and t.chars:
                    t.startchar += cut
            yield t


class LemmaFilter(Filter):
    """Replace each (lowercased, accented) word by its simplemma lemma; offsets are unchanged."""

    def __eq__(self, other):
        return other is not None and self.__class__ is other.__class__

    def __call__(self, tokens):
        lemmatize = _lemmatizer()
        for t in tokens:
            t.text = lemmatize(t.text).lower()
            yield t


@lru_cache(maxsize=1)
def _lemmatizer():
    import simplemma  # lazy: loading its French dictionary takes a moment

    return lru_cache(maxsize=65536)(lambda word: simplemma.lemmatize(word, lang="fr"))


def french_analyzer():
    """Lemmatised analyzer for ranked keyword search."""
    return (
        RegexTokenizer(WORD_PATTERN)
        | LowercaseFilter()
        | ElisionFilter()
        | StopFilter(stoplist=FRENCH_STOP_WORDS, minsize=1)
        | LemmaFilter()
        | CharsetFilter(accent_map)
    )


def french_exact_analyzer():
    """Unstemmed analyzer (stop words kept) for exact and phrase matching."""
    return RegexTokenizer(WORD_PATTERN) | LowercaseFilter() | ElisionFilter() | CharsetFilter(accent_map)
