"""Spelling suggestions ("did you mean …") from the index's own vocabulary.

A French query word that no passage contains is replaced by the closest word
that passages do contain (Whoosh's corrector over the unstemmed field: edit
distance ≤ 1 for words of up to 5 letters, ≤ 2 beyond, ties broken by
frequency), written as the passages write it. When an unknown word has no
close neighbour the query is not a misspelling of anything here and gets no
suggestion ("xqzwv blorp" once became "xqzwv lors").
Japanese has no spelling in this sense (a wrong kanji is another word), so
Japanese queries get no suggestion.
"""

from __future__ import annotations

from whoosh import query as Q

from indexer.analysis import analyze, detect_lang
from indexer.keyword_index import FIELDS_BY_LANG

# A query with fewer keyword matches than this gets a suggestion when one of its words is unknown.
FEW_MATCHES = 3
MAX_EDITS = 2
SHORT_WORD = 5  # letters; words this short get one edit, or "blorp" becomes "lors"


def _surface(searcher, index, field: str, term: str) -> str:
    """``term`` (folded) as a passage writes it, lowercased: ``seisme`` → ``séisme``."""
    for docnum in searcher.docs_for_query(Q.Term(field, term)):
        text = index.store.passages[int(index.row_of_docnum[docnum])].text
        for token in analyze(text, "fr_exact"):
            if token.text == term:
                return text[token.start : token.end].lower()
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
    field = FIELDS_BY_LANG["fr"]["exact"]
    assert field is not None  # French always has its unstemmed field
    corrector = searcher.corrector(field)
    out, last, changed = [], 0, False
    for token in analyze(query, "fr_exact"):
        if len(token.text) < 4 or searcher.doc_frequency(field, token.text) > 0:
            continue
        edits = 1 if len(token.text) <= SHORT_WORD else MAX_EDITS
        candidates = corrector.suggest(token.text, limit=1, maxdist=edits)
        if not candidates:
            return None
        out.append(query[last : token.start])
        out.append(_surface(searcher, index, field, candidates[0]))
        last, changed = token.end, True
    if not changed:
        return None
    out.append(query[last:])
    return "".join(out)
