"""Build a new generation of an index from a corpus, reusing what has not changed.

Each build writes a complete generation into a staging folder, under the
index's write lock, and publishes it by replacing the ``CURRENT`` pointer
(:mod:`indexer.index_format`); a failed or killed build leaves the previous
generation serving, and its leftovers are removed by the next build.

Incremental: when the previous generation is intact and was built by the
same analyzer (fingerprint) and the same model and backend,

* Whoosh: its segments are copied, the documents of changed and removed
  declarations deleted and only the passages of changed or new ones analysed
  and added (a declaration is "changed" when the checksum of its indexed
  passages differs);
* vectors: a passage (or sentence) whose text is unchanged keeps its vector;
  only new texts go through the encoder;
* the passage store is rewritten (a few hundred ms for 100k passages) and the
  citations recomputed whole: echo scores weigh terms by idf over *all*
  passages, so adding one declaration changes pairs that do not involve it;
  over the manifest's declarations this costs well under a second.
"""

from __future__ import annotations

import hashlib
import shutil
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from indexer import index_format as fmt
from indexer.corpus import Corpus
from indexer.corpus_passages import build_passages
from indexer.embedding.encoder import Encoder as PassageEncoder
from indexer.manifest import DEFAULT_BACKEND, IndexManifest, IndexUnusable, ModelInfo
from indexer.passage import Passage
from indexer.vectors import multi_sentence_spans

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


def model_info(encoder: PassageEncoder) -> ModelInfo:
    return ModelInfo(
        encoder.model_id,
        int(encoder.dimension),
        dict(encoder.prompts),
        str(getattr(encoder, "backend", DEFAULT_BACKEND)),
    )


def document_checksums(passages: Sequence[Passage]) -> dict[str, str]:
    """doc id → sha256 of the fields its passages put in the keyword index."""
    digests: dict[str, Any] = {}
    for p in passages:
        digest = digests.setdefault(p.doc_id, hashlib.sha256())
        # Unit and record separators cannot occur in reflowed text; half the cost of json.dumps here
        # (0.18 vs 0.37 s for 20k passages).
        digest.update("\x1f".join((p.passage_id, p.lang, p.kind, p.section, p.text, "\x1e")).encode())
    return {doc: d.hexdigest() for doc, d in digests.items()}


@dataclass
class Previous:
    """What a build may take from the generation it replaces."""

    layout: fmt.Layout
    manifest: IndexManifest
    texts: list[str]  # passage texts by row (all a build needs of the previous store)
    vectors: np.ndarray | None
    sentences: tuple[np.ndarray, list[tuple[int, int, int]]] | None


def load_previous(index_dir: Path, progress: Progress) -> Previous | None:
    """The current generation if it is intact (sha256 of every file) and of this analyzer, else None."""
    try:
        generation = fmt.open_generation(index_dir, verify="full")
    except IndexUnusable as err:
        if (index_dir / fmt.POINTER_FILE).exists():
            progress(f"previous generation not reusable ({err}): building everything")
        return None
    try:
        manifest, layout = generation.manifest, generation.layout
        if manifest.analyzer_fingerprint != fmt.analyzer_fingerprint():
            progress("analyzer changed since the previous generation: analysing everything again")
            return None
        ids, texts = fmt.read_passage_texts(generation)
        vectors = sentences = None
        if manifest.model is not None:
            vectors = fmt.read_vectors(generation, ids)
            sentences = fmt.read_sentence_vectors(generation)
        return Previous(layout, manifest, texts, vectors, sentences)
    except IndexUnusable as err:
        progress(f"previous generation unreadable ({err}): building everything")
        return None
    finally:
        generation.release()  # the write lock keeps it from being removed while we copy from it


def _keyword_part(
    layout: fmt.Layout,
    passages: list[Passage],
    checksums: dict[str, str],
    previous: Previous | None,
    progress: Progress,
) -> int:
    """Write the Whoosh index; returns how many passages were kept from the previous generation."""
    if previous is None:
        fmt.write_keyword(layout, passages, lambda n: progress(f"keyword index: {n} passages"))
        return 0
    old = previous.manifest.document_checksums
    changed = {doc for doc, digest in checksums.items() if old.get(doc) != digest}
    remove = {doc for doc in old if doc not in checksums or doc in changed}
    added = [p for p in passages if p.doc_id in changed]
    fmt.write_keyword(
        layout,
        added,
        lambda n: progress(f"keyword index: {n} new passages"),
        previous=previous.layout,
        remove_docs=remove,
    )
    return len(passages) - len(added)


def _encode_reusing(
    texts: list[str], known: dict[str, int], known_matrix: np.ndarray | None, encoder: PassageEncoder
) -> tuple[np.ndarray, int]:
    """Vectors of ``texts``; a text with a row in ``known`` (of ``known_matrix``) is not encoded again."""
    if not known:  # a full build: every text, in order (the benchmark's composed encoder relies on it)
        return np.asarray(encoder.encode_passages(texts, show_progress=True), dtype=np.float32).reshape(
            len(texts), encoder.dimension
        ), 0
    matrix = np.zeros((len(texts), encoder.dimension), np.float32)
    reuse = [(i, known[t]) for i, t in enumerate(texts) if t in known]
    if reuse and known_matrix is not None:
        new_rows, old_rows = map(list, zip(*reuse, strict=True))
        matrix[new_rows] = known_matrix[old_rows]
    missing = list(dict.fromkeys(t for t in texts if t not in known))
    if missing:
        fresh = np.asarray(encoder.encode_passages(missing, show_progress=len(missing) > 256), dtype=np.float32)
        row_of = {t: i for i, t in enumerate(missing)}
        targets = [i for i, t in enumerate(texts) if t not in known]
        matrix[targets] = fresh[[row_of[texts[i]] for i in targets]]
    return matrix, len(reuse)


def _vector_part(
    layout: fmt.Layout,
    passages: list[Passage],
    encoder: PassageEncoder,
    previous: Previous | None,
    sentence_vectors: bool,
    progress: Progress,
) -> tuple[np.ndarray, tuple[np.ndarray, list[tuple[int, int, int]]] | None, dict[str, int]]:
    info = model_info(encoder)
    known: dict[str, int] = {}
    known_sentences: dict[str, int] = {}
    old_vectors = old_sentences = None
    if previous is not None and previous.manifest.model == info and previous.vectors is not None:
        old_vectors = previous.vectors
        known = {text: i for i, text in enumerate(previous.texts)}
        if previous.sentences is not None:
            old_sentences, spans = previous.sentences
            known_sentences = {previous.texts[row][s:e]: i for i, (row, s, e) in enumerate(spans)}
    texts = [p.text for p in passages]
    progress(
        f"embedding {len(set(texts) - known.keys())} new passages with {encoder.model_id} ({len(passages)} in all)"
    )
    vectors, reused = _encode_reusing(texts, known, old_vectors, encoder)
    fmt.write_vectors(layout, passages, vectors)
    counts = {"vectors": reused}
    sentences = None
    if sentence_vectors:
        spans = multi_sentence_spans(passages)
        sentence_texts = [passages[row].text[s:e] for row, s, e in spans]
        progress(f"embedding the new sentences for semantic highlighting ({len(spans)} in all)")
        sentence_matrix, counts["sentence_vectors"] = _encode_reusing(
            sentence_texts, known_sentences, old_sentences, encoder
        )
        fmt.write_sentence_vectors(layout, spans, sentence_matrix)
        sentences = (sentence_matrix, spans)
    return vectors, sentences, counts


def write_generation(
    root: Path,
    number: int,
    corpus: Corpus,
    passages: list[Passage],
    encoder: PassageEncoder | None,
    previous: Previous | None,
    *,
    sentence_vectors: bool = True,
    progress: Progress = _quiet,
) -> IndexManifest:
    """Write every part of generation ``number`` into the empty folder ``root``."""
    started = time.perf_counter()
    layout = fmt.Layout(root)
    fmt.write_store(layout, corpus, passages)
    progress(f"passage store: {len(passages)} passages")
    checksums = document_checksums(passages)
    kept = _keyword_part(layout, passages, checksums, previous, progress)
    progress(
        f"keyword index: done ({kept} passages kept from the previous generation)"
        if previous
        else "keyword index: done"
    )
    vectors, n_sentences, reused, sentences = None, 0, {"keyword": kept}, None
    if encoder is not None:
        vectors, sentences, counts = _vector_part(layout, passages, encoder, previous, sentence_vectors, progress)
        n_sentences = 0 if sentences is None else len(sentences[1])
        reused.update(counts)
    # Echoes only when vectors exist; they compare sentences, so they take the sentence vectors too.
    citations = fmt.write_citations(layout, corpus, passages, vectors, sentences)
    progress(
        f"citations: {len(citations.references)} references, "
        f"{'no' if citations.echoes is None else sum(map(len, citations.echoes.values()))} echoes"
    )
    manifest = IndexManifest(
        schema_version=fmt.SCHEMA_VERSION,
        built_at=datetime.now(UTC).isoformat(timespec="seconds"),
        build_seconds=round(time.perf_counter() - started, 3),
        corpus_checksum=corpus.checksum(),
        passages=len(passages),
        documents=dict(Counter(p.doc_id for p in passages)),
        model=None if encoder is None else model_info(encoder),
        sentences=n_sentences,
        generation=number,
        analyzer_fingerprint=fmt.analyzer_fingerprint(),
        document_checksums=checksums,
        files=fmt.file_digests(root),
        reused=reused if previous is not None else {},
    )
    fmt.write_manifest(layout, manifest)
    return manifest


def build_index(
    corpus: Corpus,
    target: Path,
    encoder: PassageEncoder | None,
    *,
    passages: list[Passage] | None = None,
    sentence_vectors: bool = True,
    progress: Progress = _quiet,
    wait: bool = False,
    incremental: bool = True,
) -> IndexManifest:
    """Build the index of ``corpus`` (or of the given ``passages``) as a new generation at ``target``.

    Parameters
    ----------
    wait
        When another process holds the write lock: wait for it (True) or
        raise :class:`~indexer.index_format.IndexBusy` at once.
    incremental
        Reuse the previous generation's Whoosh segments and vectors where the
        documents are unchanged (False: build everything).

    Raises
    ------
    IndexBusy
        Another writer holds the lock and ``wait`` is False.
    """
    passages = build_passages(corpus) if passages is None else passages
    target = Path(target)
    with fmt.writer_lock(target, wait=wait, progress=progress):
        fmt.remove_debris(target, progress)
        previous = load_previous(target, progress) if incremental else None
        staging, number = fmt.new_staging(target)
        try:
            manifest = write_generation(
                staging,
                number,
                corpus,
                passages,
                encoder,
                previous,
                sentence_vectors=sentence_vectors,
                progress=progress,
            )
            name = fmt.publish(staging, target, number)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        removed = fmt.remove_unused_generations(target, keep=name)
        if removed:
            progress(f"removed unused generations: {', '.join(removed)}")
    return manifest
