"""Echoes: passages of other declarations that take up the same commitment.

Two passages echo each other when they are close in meaning (cosine of their
e5 passage vectors) *and* share key terms (analyzer terms weighted by inverse
document frequency, so « collectivités » or « coopération », present
everywhere, weigh almost nothing). The two are combined into one score::

    score = semantic + LEXICAL_WEIGHT * lexical

and a pair must share at least one key (non-generic) term; where ``lexical`` is the cosine of the two passages' idf-weighted term sets.
The threshold was calibrated on ``tests/data/echo_pairs.jsonl`` (hand-labelled
pairs, see tests/test_echoes.py).

Echoes are computed between the passages of *original* documents (the
official French texts) and projected onto their translations through the
explicit alignment, so a Japanese passage echoes the Japanese translations of
the passages its French original echoes, with the same score and the key
terms the two Japanese texts share. A passage's own translation is never an
echo: only passages of another edition's declaration qualify.

Only paragraphs and list items are commitments; titles, headings, captions
and table rows (talk titles) neither echo nor are echoed.
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np

from indexer.analysis import analyze
from indexer.corpus import Document
from indexer.passage import Passage

# Calibrated on tests/data/echo_pairs.jsonl (26 echoes, 35 non-echoes, labelled by reading the
# texts, a third of the negatives chosen because they share words): weights 0.25–3 and thresholds
# 0.86–1.05 were tried. Best F1 is 0.885 (w 1.0, t 0.935: P 0.885, R 0.885); we take the
# precision-leaning 1.0 / 0.955 (P 0.955, R 0.808): an echo shown should be one.
LEXICAL_WEIGHT = 1.0
ECHO_THRESHOLD = 0.955
MAX_ECHOES = 8               # per passage, best first
GENERIC_SHARE = 0.15         # a term in more than this share of passages is never a "key" term
MAX_SHARED_TERMS = 8


# Words the French analyzer keeps (they are not stop words for search) but that say nothing about
# what a commitment is about; left out of the term sets, so they neither score nor show as shared.
NON_KEY_WORDS_FR = frozenset("""
sommes sont est etre ete ont avons avoir avait avaient fait faits faire font encore toute toutes tout tous
pourquoi apres egalement particulierement ainsi notamment deux mise mises mis prise prises pris effet enfin
aussi afin chaque comme cette ces cet leurs leur nos notre votre nouvelle nouvelles nouveaux nouveau
concernant suite fois dont elles ils part autre autres doit doivent peut peuvent permis permet tres plus
""".split())


def _unaccent(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))


class EchoError(ValueError):
    """The vectors given do not fit the passages."""


@dataclass(frozen=True)
class Echo:
    """``passage_id`` echoes ``other_id``; ``shared_terms`` are surface forms from ``passage_id``."""

    passage_id: str
    other_id: str
    score: float
    semantic: float
    lexical: float
    shared_terms: tuple[str, ...]

    def to_json(self) -> dict:
        data = asdict(self)
        data["shared_terms"] = list(self.shared_terms)
        return data

    @classmethod
    def from_json(cls, data: dict) -> "Echo":
        return cls(**{**data, "shared_terms": tuple(data["shared_terms"])})


@dataclass(frozen=True)
class TermTable:
    """Per passage, its analyzer terms (→ first surface form), and the idf of every term."""

    terms: dict[str, dict[str, str]]
    idf: dict[str, float]
    generic: frozenset[str]


def term_table(passages: Sequence[Passage]) -> TermTable:
    """Analyse every passage with its language's analyzer and weigh the terms by idf.

    Document frequencies are counted per language over the commitment passages
    (:attr:`Kind.is_prose <indexer.passage.Kind.is_prose>`) only: the many short table rows would otherwise make
    every word look rare.
    """
    terms: dict[str, dict[str, str]] = {}
    df: dict[str, Counter] = {}
    sizes: Counter = Counter()
    for p in passages:
        found: dict[str, str] = {}
        for token in analyze(p.text, p.lang):
            surface = p.text[token.start : token.end].lower()
            if p.lang != "ja" and (len(token.text) < 2 or _unaccent(surface) in NON_KEY_WORDS_FR):
                continue
            found.setdefault(token.text, surface)
        terms[p.passage_id] = found
        if p.kind.is_prose:
            df.setdefault(p.lang, Counter()).update(found.keys())
            sizes[p.lang] += 1
    idf: dict[str, float] = {}
    generic: set[str] = set()
    for lang, counts in df.items():
        n = sizes[lang]
        for term, count in counts.items():
            idf[f"{lang}:{term}"] = math.log((n + 1) / (count + 0.5))  # unseen terms get the default below
            if count > GENERIC_SHARE * n:
                generic.add(f"{lang}:{term}")
    return TermTable(terms, idf, frozenset(generic))


def lexical_overlap(a: Passage, b: Passage, table: TermTable) -> tuple[float, tuple[str, ...]]:
    """Cosine of the idf-weighted term sets of ``a`` and ``b``, and their shared key terms.

    Shared terms are ``a``'s surface forms, rarest first; generic terms are left out.
    """
    ta, tb = table.terms[a.passage_id], table.terms[b.passage_id]
    unseen = math.log(2 * len(table.terms) + 2)  # a term of no commitment passage: as rare as can be
    weight = {t: table.idf.get(f"{a.lang}:{t}", unseen) for t in ta.keys() | tb.keys()}
    shared = ta.keys() & tb.keys()
    num = sum(weight[t] ** 2 for t in shared)
    den = math.sqrt(sum(weight[t] ** 2 for t in ta) * sum(weight[t] ** 2 for t in tb))
    key = sorted((t for t in shared if f"{a.lang}:{t}" not in table.generic), key=lambda t: (-weight[t], t))
    return (num / den if den else 0.0), tuple(ta[t] for t in key[:MAX_SHARED_TERMS])


def echo_score(semantic: float, lexical: float) -> float:
    """The combined score the threshold applies to."""
    return semantic + LEXICAL_WEIGHT * lexical


def is_echo(echo: Echo, threshold: float = ECHO_THRESHOLD) -> bool:
    """Similar meaning and shared key terms: the score reaches the threshold and a key term is shared."""
    return bool(echo.shared_terms) and echo.score >= threshold


def _families(documents: Sequence[Document]) -> dict[str, str]:
    """doc id → id of the original it translates (itself for an original)."""
    return {d.id: d.translation_of or d.id for d in documents}


def pair_features(a: Passage, b: Passage, vectors: dict[str, np.ndarray], table: TermTable) -> Echo:
    """Score one pair (no threshold): what calibration and :func:`compute_echoes` share."""
    semantic = float(np.dot(vectors[a.passage_id], vectors[b.passage_id]))
    lexical, shared = lexical_overlap(a, b, table)
    return Echo(a.passage_id, b.passage_id, round(echo_score(semantic, lexical), 4), round(semantic, 4),
                round(lexical, 4), shared)


def compute_echoes(
    passages: Sequence[Passage],
    documents: Sequence[Document],
    vectors: np.ndarray,
    threshold: float = ECHO_THRESHOLD,
) -> dict[str, list[Echo]]:
    """Echoes of every passage, best first (at most :data:`MAX_ECHOES` each).

    Parameters
    ----------
    passages
        All passages of the index, originals and translations.
    documents
        The manifest's documents (to tell declarations and translations apart).
    vectors
        One L2-normalised vector per passage, in the order of ``passages``.
    threshold
        Minimum :func:`echo_score` of an echo.

    Returns
    -------
    dict[str, list[Echo]]
        Keyed by passage id; passages without echoes are absent. Deterministic.

    Raises
    ------
    EchoError
        When ``vectors`` does not have one row per passage.
    """
    if len(vectors) != len(passages):
        raise EchoError(f"{len(vectors)} vectors for {len(passages)} passages")
    family = _families(documents)
    # Only declarations of the manifest have echoes; analysing anything else (a benchmark's
    # synthetic passages) would cost minutes for nothing.
    listed = [i for i, p in enumerate(passages) if p.doc_id in family]
    passages = [passages[i] for i in listed]
    by_id = {p.passage_id: p for p in passages}
    vec = {p.passage_id: np.asarray(vectors[i], dtype=np.float32) for i, p in zip(listed, passages)}
    table = term_table(passages)
    originals = [p for p in passages if p.kind.is_prose and family.get(p.doc_id) == p.doc_id]
    found: dict[str, list[Echo]] = {}
    for a in originals:
        for b in originals:
            if family[a.doc_id] == family[b.doc_id]:
                continue
            echo = pair_features(a, b, vec, table)
            if is_echo(echo, threshold):
                found.setdefault(a.passage_id, []).append(echo)
    # Project onto translations: a translated passage echoes the translations of what its original echoes.
    for p in passages:
        if family.get(p.doc_id, p.doc_id) == p.doc_id or not p.kind.is_prose:
            continue
        projected: dict[str, Echo] = {}
        for original_id in p.aligned_passage_ids:
            for echo in found.get(original_id, []):
                for q_id in by_id[echo.other_id].aligned_passage_ids:
                    q = by_id.get(q_id)
                    if q is None or q.doc_id == p.doc_id or q.lang != p.lang:
                        continue
                    _, shared = lexical_overlap(p, q, table)
                    candidate = Echo(p.passage_id, q_id, echo.score, echo.semantic, echo.lexical, shared)
                    if q_id not in projected or candidate.score > projected[q_id].score:
                        projected[q_id] = candidate
        if projected:
            found[p.passage_id] = list(projected.values())
    return {pid: sorted(echoes, key=lambda e: (-e.score, e.other_id))[:MAX_ECHOES]
            for pid, echoes in sorted(found.items())}
