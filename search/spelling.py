"""Spelling suggestions ("did you mean …") from the index's own vocabulary.

A French query word that no passage contains is replaced by the closest word
that passages do contain (Whoosh's corrector over the unstemmed field: edit
distance ≤ 2, ties broken by frequency), written as the passages write it.
Japanese has no spelling in this sense (a wrong kanji is another word), so
Japanese queries get no suggestion.
"""

from __future__ import annotations

from whoosh import query as Q

from indexer.analysis import analyze, detect_lang
from indexer.keyword_index import FRENCH_EXACT_FIELD

# A query with fewer keyword matches than this gets a suggestion when one of its words is unknown.
FEW_MATCHES = 3
MAX_EDITS = 2


def _surface(searcher, index, field: str, term: str) -> str:
    """``term`` (folded) as a passage writes it, lowercased: ``seisme`` → ``séisme``."""
    for docnum in searcher.docs_for_query(Q.Term(field, term)):
        text = index.store.passages[int(index.row_of_docnum[docnum])].text
        for token in analyze(text, "fr_exact"):
            if token.text == term:
                return text[token.start:token.end].lower()
    return term


def suggest(searcher, index, query: str) -> str | None:
    """The query with each unknown French word replaced by its closest known word; ``None`` if none.

    Parameters
    ----------
    searcher:
        An open Whoosh searcher of the index.
    index:
        The opened index (passages and the Whoosh document → row map).
    query:
        The query as typed.
    """
    if detect_lang(query) != "fr":
        return None
    field = FRENCH_EXACT_FIELD
    corrector = searcher.corrector(field)
    out, last, changed = [], 0, False
    for token in analyze(query, "fr_exact"):
        if len(token.text) < 4 or searcher.doc_frequency(field, token.text) > 0:
            continue
        candidates = corrector.suggest(token.text, limit=1, maxdist=MAX_EDITS)
        if not candidates:
            continue
        out.append(query[last:token.start])
        out.append(_surface(searcher, index, field, candidates[0]))
        last, changed = token.end, True
    if not changed:
        return None
    out.append(query[last:])
    return "".join(out)
