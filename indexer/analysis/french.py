"""French analysis: words → lowercase → elision → stop words → accent folding → Snowball stem.

Accents are folded *before* stemming so that ``séisme`` and ``seisme`` reach
the same stem. The exact analyzer stops before stop-word removal and
stemming; it backs exact and phrase matching.
"""

from __future__ import annotations

import re

from whoosh.analysis import CharsetFilter, Filter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
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


def french_analyzer():
    """Stemmed analyzer for ranked keyword search."""
    return (
        RegexTokenizer(WORD_PATTERN)
        | LowercaseFilter()
        | ElisionFilter()
        | StopFilter(stoplist=FRENCH_STOP_WORDS, minsize=1)
        | CharsetFilter(accent_map)
        | StemFilter(lang="fr")
    )


def french_exact_analyzer():
    """Unstemmed analyzer (stop words kept) for exact and phrase matching."""
    return RegexTokenizer(WORD_PATTERN) | LowercaseFilter() | ElisionFilter() | CharsetFilter(accent_map)
