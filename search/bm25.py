"""BM25F with per-language collection statistics.

French and Japanese passages share one Whoosh index but never share a text
field. Whoosh computes IDF and average field length over *all* documents, so
every French field would see the Japanese passages as empty documents: the
average length halves and length normalisation goes wrong. Here a field's
statistics count only the passages of its language.
"""

from __future__ import annotations

import math

from whoosh.scoring import BM25F, BM25FScorer, WeightScorer


def field_lang(fieldname: str) -> str | None:
    """``text_fr`` → ``fr``; fields without a language suffix have none."""
    prefix, _, lang = fieldname.rpartition("_")
    return lang if prefix and lang in ("fr", "ja") else None


class PerLanguageBM25F(BM25F):
    """BM25F whose IDF and average field length come from the passages of the field's language.

    Parameters
    ----------
    docs_per_lang:
        Number of passages in each language, e.g. ``{"fr": 124, "ja": 124}``.
    """

    def __init__(self, docs_per_lang: dict[str, int], B: float = 0.75, K1: float = 1.2) -> None:
        super().__init__(B=B, K1=K1)
        self.docs_per_lang = dict(docs_per_lang)

    def scorer(self, searcher, fieldname, text, qf=1):
        if not searcher.schema[fieldname].scorable:
            return WeightScorer.for_(searcher, fieldname, text)
        scorer = BM25FScorer(searcher, fieldname, text, self.B, self.K1, qf=qf)
        docs = self.docs_per_lang.get(field_lang(fieldname) or "", 0)
        if docs:
            parent = searcher.get_parent()
            scorer.avgfl = (parent.field_length(fieldname) / docs) or 1
            scorer.idf = math.log(docs / (parent.doc_frequency(fieldname, text) + 1)) + 1
        return scorer
