"""A large synthetic corpus recombined from the sentences of the real passages.

Each synthetic passage is one to three sentences drawn at random from real
passages of one language (structural passages such as headings are copied
whole). Vectors for the synthetic passages are composed from the embeddings of
the distinct pieces (the L2-normalised mean of the piece vectors), so only a few
hundred texts go through the model; :func:`sample_embedding_rate` times the real
encoder on actual synthetic passages so the full cost can be extrapolated.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from indexer.passage import Passage
from indexer.vectors import sentence_spans

STRUCTURAL_KINDS = frozenset({"title", "heading", "caption", "table_header"})
PASSAGES_PER_DOC = 1000
SENTENCES_PER_PASSAGE = (1, 2, 3)
SENTENCE_WEIGHTS = (0.5, 0.3, 0.2)


@dataclass
class SyntheticCorpus:
    """Synthetic passages plus, for each, the indices of the distinct pieces it is made of."""

    passages: list[Passage]
    pieces: list[str]
    composition: list[tuple[int, ...]]
    langs: dict[str, int] = field(default_factory=dict)

    def subset(self, n: int) -> SyntheticCorpus:
        """The first ``n`` passages (same pieces), e.g. for a 10,000-passage comparison."""
        passages = self.passages[:n]
        langs: dict[str, int] = {}
        for p in passages:
            langs[p.lang] = langs.get(p.lang, 0) + 1
        return SyntheticCorpus(passages, self.pieces, self.composition[:n], langs)


def _pools(real: list[Passage], lang: str) -> tuple[list[str], list[Passage]]:
    sentences: list[str] = []
    for p in real:
        if p.lang == lang and p.kind not in STRUCTURAL_KINDS:
            sentences.extend(p.text[s:e].strip() for s, e in sentence_spans(p.text))
    templates = [p for p in real if p.lang == lang]
    return list(dict.fromkeys(s for s in sentences if s)), templates


def generate(real: list[Passage], n: int, seed: int = 20240601) -> SyntheticCorpus:
    """Make ``n`` synthetic passages from the real ones, keeping their language mix.

    Parameters
    ----------
    real
        The bundled corpus' passages (French, and Japanese when the translations exist).
    n
        How many passages to generate.
    seed
        Seed of the random generator: the same inputs give the same corpus.

    Returns
    -------
    SyntheticCorpus
        Passages with ids ``synth-NNN-{lang}:{ordinal}``, 1,000 per synthetic document.
    """
    rng = random.Random(seed)
    langs = sorted({p.lang for p in real})
    share = {lang: sum(p.lang == lang for p in real) / len(real) for lang in langs}
    pieces: list[str] = []
    piece_id: dict[str, int] = {}

    def intern(text: str) -> int:
        if text not in piece_id:
            piece_id[text] = len(pieces)
            pieces.append(text)
        return piece_id[text]

    pools = {lang: _pools(real, lang) for lang in langs}
    passages: list[Passage] = []
    composition: list[tuple[int, ...]] = []
    counts = {lang: 0 for lang in langs}
    for _ in range(n):
        lang = rng.choices(langs, weights=[share[x] for x in langs])[0]
        sentences, templates = pools[lang]
        template = rng.choice(templates)
        if template.kind in STRUCTURAL_KINDS or not sentences:
            parts = [template.text]
        else:
            k = rng.choices(SENTENCES_PER_PASSAGE, weights=SENTENCE_WEIGHTS)[0]
            parts = rng.sample(sentences, min(k, len(sentences)))
        text = ("" if lang == "ja" else " ").join(parts)
        ordinal = counts[lang]
        counts[lang] += 1
        doc_id = f"synth-{ordinal // PASSAGES_PER_DOC:03d}-{lang}"
        passages.append(
            Passage(doc_id, lang, ordinal % PASSAGES_PER_DOC, template.kind, template.section, text, 0, len(text))
        )
        composition.append(tuple(intern(part) for part in parts))
    return SyntheticCorpus(passages, pieces, composition, counts)


class ComposedEncoder:
    """A passage encoder for a :class:`SyntheticCorpus` that embeds each distinct piece once.

    ``encode_passages`` must be called with the texts of the corpus' passages in
    order (as :func:`indexer.build.build_index` does); a passage's vector is the
    normalised mean of its pieces' vectors.

    Parameters
    ----------
    model
        The real encoder (``EmbeddingModel``): supplies ``model_id``, ``dimension``,
        ``prompts`` and the piece embeddings.
    corpus
        The synthetic corpus whose passages will be encoded.
    progress
        Called with a line of text on long steps.
    """

    def __init__(self, model, corpus: SyntheticCorpus, progress: Callable[[str], None] = lambda _m: None) -> None:
        self.model = model
        self.corpus = corpus
        self.model_id = model.model_id
        self.dimension = model.dimension
        self.prompts = dict(model.prompts)
        self.backend = getattr(model, "backend", "torch")
        self.progress = progress
        self.timings: dict[str, float] = {}

    def encode_passages(
        self, texts: list[str], batch_size: int | None = None, show_progress: bool = False
    ) -> np.ndarray:
        """Vectors of ``texts``, which must be the corpus' passage texts in order."""
        if len(texts) != len(self.corpus.passages) or (texts and texts[0] != self.corpus.passages[0].text):
            raise ValueError("ComposedEncoder only encodes the passages of its own synthetic corpus, in order")
        self.progress(f"embedding {len(self.corpus.pieces)} distinct pieces with the real model")
        started = time.perf_counter()
        piece_vectors = self.model.encode_passages(self.corpus.pieces, batch_size=batch_size)
        self.timings["embed_pieces_s"] = round(time.perf_counter() - started, 3)
        started = time.perf_counter()
        out = np.zeros((len(texts), self.dimension), np.float32)
        for row, parts in enumerate(self.corpus.composition):
            out[row] = piece_vectors[list(parts)].mean(axis=0)
        out /= np.linalg.norm(out, axis=1, keepdims=True)
        self.timings["compose_s"] = round(time.perf_counter() - started, 3)
        return out


def sample_embedding_rate(
    model, corpus: SyntheticCorpus, sample: int = 64, rounds: int = 2, seed: int = 7
) -> dict[str, float]:
    """Embed ``sample`` real synthetic passages ``rounds`` times and extrapolate to the whole corpus.

    The best round is used (the machine is shared: the slowest round mostly
    measures other people's jobs); every round's time is returned too.

    Returns
    -------
    dict
        ``sample``, ``rounds_s``, ``passages_per_s`` (best round) and
        ``extrapolated_full_s`` (the time the real model would take to embed every passage).
    """
    rng = random.Random(seed)
    picked = rng.sample(corpus.passages, min(sample, len(corpus.passages)))
    texts = [p.text for p in picked]
    rounds_s = []
    for _ in range(rounds):
        started = time.perf_counter()
        model.encode_passages(texts)
        rounds_s.append(round(time.perf_counter() - started, 3))
    best = min(rounds_s)
    rate = len(picked) / best if best > 0 else float("inf")
    return {
        "sample": len(picked),
        "rounds_s": rounds_s,
        "passages_per_s": round(rate, 1),
        "extrapolated_full_s": round(len(corpus.passages) / rate, 1),
    }
