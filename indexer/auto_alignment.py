"""Automatic links of a translation without markers, kept in a reviewable sidecar file.

A Japanese text with ``@`` markers is aligned by them (:mod:`indexer.alignment`);
markers always win. A Japanese text without markers is aligned by the
embedding aligner (:mod:`indexer.align`), and the links are written next to
the text, in ``<text>.align.tsv`` (``corpus/ja/2014-takamatsu.txt`` →
``corpus/ja/2014-takamatsu.align.tsv``)::

    # jumelage automatic alignment: 2014-takamatsu-ja → 2014-takamatsu-fr
    # fr	ja	confidence	fr_fingerprint	ja_fingerprint
    0	0	0.982	f4c81929	1a2b3c4d
    1	1,2	0.731	b9584341	0e0f1a2b,77aa0c1d
    2	-	0.210	06685aba	-

Why a sidecar rather than markers written into the text: the text stays the
text as delivered (an official Japanese version is not ours to edit), a link
keeps its confidence, a reviewer reads one line per link and can correct it
(set its confidence to 1 once checked), and rebuilding the index needs no
model — the links are data, like the markers, so every build of an unchanged
corpus yields the same passages. Fingerprints of both passages guard against
a text that changed after alignment: loading then fails and says to re-run
``jumelage align FR JA --write``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

import numpy as np

from indexer.align import AlignmentResult, Link, align_passages
from indexer.alignment import AlignmentError, fingerprint
from indexer.corpus import Corpus, CorpusError, load_corpus
from indexer.errors import CannotWrite
from indexer.normalize import normalize_document
from indexer.passage import Passage

GLOSSARY_FILE = "glossary.tsv"
_HEADER = "# fr\tja\tconfidence\tfr_fingerprint\tja_fingerprint"
_MARKER_LINE = re.compile(r"^@\s", re.MULTILINE)


class PassageEncoder(Protocol):
    def encode_passages(
        self, texts: list[str], batch_size: int | None = None, show_progress: bool = False
    ) -> np.ndarray: ...


@dataclass(frozen=True)
class DocumentAlignment:
    """The automatic alignment of one document pair, with the passages it links."""

    fr_id: str
    ja_id: str
    french: tuple[Passage, ...]
    japanese: tuple[Passage, ...]
    result: AlignmentResult
    has_markers: bool
    sidecar: Path | None = None  # where it was written, if it was


def has_markers(raw: str) -> bool:
    """True when a translation's text aligns itself with ``@ FRENCH_ID`` marker lines."""
    return bool(_MARKER_LINE.search(raw))


def document_passages(raw: str, doc_id: str, lang: str) -> list[Passage]:
    """The passages of a text without markers (the normaliser handles both languages' layouts)."""
    return normalize_document(raw, doc_id, lang)


def load_glossary(corpus_root: Path) -> list[tuple[str, str]]:
    """``(French, Japanese)`` rows of ``glossary.tsv``; none when the corpus has no glossary."""
    path = corpus_root / GLOSSARY_FILE
    if not path.is_file():
        return []
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    return [(row[0], row[1]) for row in rows[1:] if len(row) >= 2 and row[0] and row[1]]


# --- the sidecar file -----------------------------------------------------------------


def format_sidecar(
    fr_id: str,
    ja_id: str,
    french: Sequence[Passage],
    japanese: Sequence[Passage],
    result: AlignmentResult,
    note: str = "",
) -> str:
    out = io.StringIO()
    out.write(f"# jumelage automatic alignment: {ja_id} → {fr_id}\n")
    out.write("# written by `jumelage align FR JA --write`; one line per link, ordinals of each document.\n")
    out.write("# '-' = no counterpart. Correct a line by hand and set its confidence to 1 once checked.\n")
    if note:
        out.write(f"# {note}\n")
    out.write(_HEADER + "\n")
    for link in result.links:
        fr = ",".join(str(i) for i in link.source) or "-"
        ja = ",".join(str(j) for j in link.target) or "-"
        fr_fp = ",".join(fingerprint(french[i].text) for i in link.source) or "-"
        ja_fp = ",".join(fingerprint(japanese[j].text) for j in link.target) or "-"
        out.write(f"{fr}\t{ja}\t{link.confidence:.3f}\t{fr_fp}\t{ja_fp}\n")
    return out.getvalue()


def _ordinals(field: str, where: str) -> tuple[int, ...]:
    if field == "-":
        return ()
    try:
        return tuple(int(x) for x in field.split(","))
    except ValueError:
        raise AlignmentError(f"{where}: bad ordinal list {field!r}; write 3 or 3,4 or -") from None


def parse_sidecar(text: str, french: Sequence[Passage], japanese: Sequence[Passage], path: str) -> list[Link]:
    """The links of a sidecar, checked against the passages they name.

    Raises
    ------
    AlignmentError
        When a line is malformed, names a passage that does not exist or whose
        fingerprint changed, or when a passage is linked twice or not at all.
    """
    rerun = "re-run `jumelage align FR_ID JA_ID --write`"
    links: list[Link] = []
    seen_fr: set[int] = set()
    seen_ja: set[int] = set()
    for lineno, line in enumerate(text.split("\n"), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        where = f"{path}:{lineno}"
        fields = line.split("\t")
        if len(fields) != 5:
            raise AlignmentError(
                f"{where}: expected 5 tab-separated fields (fr, ja, confidence, fingerprints); {rerun}"
            )
        src, tgt = _ordinals(fields[0], where), _ordinals(fields[1], where)
        try:
            confidence = float(fields[2])
        except ValueError:
            raise AlignmentError(f"{where}: confidence {fields[2]!r} is not a number between 0 and 1") from None
        if not 0.0 <= confidence <= 1.0 or not (src or tgt):
            raise AlignmentError(f"{where}: a link needs a passage on one side at least and a confidence in [0, 1]")
        for side, ordinals, passages, prints, seen in (
            ("French", src, french, fields[3], seen_fr),
            ("Japanese", tgt, japanese, fields[4], seen_ja),
        ):
            expected = prints.split(",") if prints != "-" else []
            if len(expected) != len(ordinals):
                raise AlignmentError(f"{where}: {len(ordinals)} {side} ordinals but {len(expected)} fingerprints")
            for ordinal, fp in zip(ordinals, expected, strict=False):
                if ordinal >= len(passages):
                    raise AlignmentError(
                        f"{where}: {side} passage {ordinal} does not exist "
                        f"(the text has {len(passages)} passages); {rerun}"
                    )
                if fingerprint(passages[ordinal].text) != fp:
                    raise AlignmentError(
                        f"{where}: {side} passage {passages[ordinal].passage_id} changed since it "
                        f"was aligned ({passages[ordinal].text[:40]!r}…); {rerun}"
                    )
                if ordinal in seen:
                    raise AlignmentError(f"{where}: {side} passage {passages[ordinal].passage_id} is linked twice")
                seen.add(ordinal)
        links.append(Link(src, tgt, confidence))
    missing = [p.passage_id for i, p in enumerate(french) if i not in seen_fr]
    missing += [p.passage_id for j, p in enumerate(japanese) if j not in seen_ja]
    if missing:
        raise AlignmentError(f"{path}: passage(s) in no link: {', '.join(missing[:8])}; {rerun}")
    return links


def apply_links(
    french: Sequence[Passage], japanese: Sequence[Passage], links: Sequence[Link]
) -> tuple[list[Passage], list[Passage]]:
    """Both documents' passages with ``aligned_passage_ids`` and ``alignment_confidence`` set."""
    fr_out, ja_out = list(french), list(japanese)
    for link in links:
        ja_ids = tuple(japanese[j].passage_id for j in link.target)
        fr_ids = tuple(french[i].passage_id for i in link.source)
        for i in link.source:
            fr_out[i] = replace(fr_out[i], aligned_passage_ids=ja_ids, alignment_confidence=link.confidence)
        for j in link.target:
            ja_out[j] = replace(ja_out[j], aligned_passage_ids=fr_ids, alignment_confidence=link.confidence)
    return fr_out, ja_out


def read_auto_alignment(
    raw: str, links_path: Path, doc_id: str, lang: str, french: Sequence[Passage]
) -> tuple[list[Passage], list[Passage]]:
    """Passages of a translation without markers, linked by its sidecar when there is one.

    Returns ``(french, japanese)``: the French passages with their links added,
    the translation's passages. Without a sidecar both come back unlinked.
    """
    japanese = document_passages(raw, doc_id, lang)
    path = links_path
    if not path.is_file():
        return list(french), japanese
    links = parse_sidecar(path.read_text(encoding="utf-8"), french, japanese, str(path))
    return apply_links(french, japanese, links)


# --- aligning a pair ------------------------------------------------------------------


def _vectors(texts: list[str], encoder: PassageEncoder | None, known: Mapping[str, np.ndarray]) -> np.ndarray:
    missing = [t for t in dict.fromkeys(texts) if t not in known]
    fresh: dict[str, np.ndarray] = {}
    if missing:
        if encoder is None:
            raise AlignmentError(f"{len(missing)} passages have no vector and no model was given")
        fresh = dict(zip(missing, encoder.encode_passages(missing), strict=False))
    return np.array([known[t] if t in known else fresh[t] for t in texts], dtype=np.float32)


def align_translation(
    corpus_dir: Path | str,
    fr_id: str,
    ja_id: str,
    encoder: PassageEncoder | None,
    *,
    write: bool = False,
    known_vectors: Mapping[str, np.ndarray] | None = None,
    corpus: Corpus | None = None,
) -> DocumentAlignment:
    """Align ``ja_id`` with ``fr_id`` by embeddings; with ``write``, store the links in the sidecar.

    Parameters
    ----------
    corpus_dir
        The corpus folder (with ``declarations.toml`` and ``glossary.tsv``).
    encoder
        Anything with ``encode_passages`` (the e5 model); may be ``None`` when
        ``known_vectors`` holds a vector for every passage text.
    known_vectors
        Passage text → e5 passage vector, e.g. from an index, so that only new
        texts are embedded.

    Raises
    ------
    indexer.corpus.CorpusError
        When an id is unknown or the two documents are not French and Japanese.
    AlignmentError
        When ``write`` is asked for a text with explicit markers (they win).
    """
    corpus = corpus or load_corpus(corpus_dir)
    fr_doc, ja_doc = corpus.document(fr_id), corpus.document(ja_id)
    if fr_doc.lang != "fr" or ja_doc.lang != "ja":
        raise CorpusError(
            f"align FR_ID JA_ID: {fr_id} is {fr_doc.lang!r} and {ja_id} is {ja_doc.lang!r}; "
            "give the French document first, then the Japanese one"
        )
    if fr_doc.translation_of is not None:
        raise CorpusError(f"{fr_id} is itself a translation; align a translation with its original")
    french = normalize_document(corpus.read_text(fr_doc), fr_id, fr_doc.lang)
    raw = corpus.read_text(ja_doc)
    marked = has_markers(raw)
    if write and marked:  # checked before any embedding: fails at once, changes nothing
        raise AlignmentError(
            f"{ja_doc.path} has explicit '@' markers, which always win: nothing written "
            "(remove the markers to align it automatically)"
        )
    if marked:
        stripped = "\n".join(line for line in raw.split("\n") if not line.startswith(("@", "#")))
        japanese = document_passages(stripped, ja_id, "ja")
    else:
        japanese = document_passages(raw, ja_id, "ja")
    known = dict(known_vectors or {})
    both = _vectors([p.text for p in french] + [p.text for p in japanese], encoder, known)  # one batch
    fr_vecs, ja_vecs = both[: len(french)], both[len(french) :]
    result = align_passages(
        [p.text for p in french], [p.text for p in japanese], fr_vecs, ja_vecs, glossary=load_glossary(corpus.root)
    )
    written = None
    if write:
        written = corpus.alignment_path(ja_doc)
        tmp = written.with_name(written.name + ".tmp")
        try:
            tmp.write_text(format_sidecar(fr_id, ja_id, french, japanese, result), encoding="utf-8")
            tmp.replace(written)
        except OSError as err:
            raise CannotWrite(
                f"cannot write the alignment file {written}: {err.strerror or err}; "
                "check that the corpus folder is writable"
            ) from None
    return DocumentAlignment(fr_id, ja_id, tuple(french), tuple(japanese), result, marked, written)
