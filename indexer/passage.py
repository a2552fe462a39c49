"""The passage: the unit of search and of display."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

LOW_CONFIDENCE = 0.5
"""Automatic alignment links below this confidence are flagged for review (indexer.align)."""

PASSAGE_KINDS = ("title", "heading", "caption", "paragraph", "list_item", "table_header", "table_row")


@dataclass(frozen=True)
class Passage:
    """One paragraph, heading, list item or table row of a declaration.

    ``start``/``end`` are character offsets into the source file as read
    (UTF-8 decoded); ``text`` is the cleaned, reflowed text that is indexed,
    displayed and highlighted. ``alignment_confidence`` is set when
    ``aligned_passage_ids`` come from the automatic aligner (``None`` for
    hand-written markers, which are certain).
    """

    doc_id: str
    lang: str
    ordinal: int
    kind: str
    section: str
    text: str
    start: int
    end: int
    aligned_passage_ids: tuple[str, ...] = field(default=())
    alignment_confidence: float | None = None

    @property
    def passage_id(self) -> str:
        return passage_id(self.doc_id, self.ordinal)

    def with_alignment(self, ids: tuple[str, ...]) -> "Passage":
        return replace(self, aligned_passage_ids=ids)

    @property
    def alignment_doubtful(self) -> bool:
        """An automatic link a reader should check (confidence below :data:`LOW_CONFIDENCE`)."""
        return self.alignment_confidence is not None and self.alignment_confidence < LOW_CONFIDENCE

    def to_json(self) -> dict:
        out = {
            "passage_id": self.passage_id,
            "doc_id": self.doc_id,
            "lang": self.lang,
            "kind": self.kind,
            "section": self.section,
            "ordinal": self.ordinal,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "aligned_passage_ids": list(self.aligned_passage_ids),
        }
        if self.alignment_confidence is not None:  # automatic links only
            out["confidence"] = self.alignment_confidence
            out["confidence_low"] = self.alignment_doubtful
        return out


def passage_id(doc_id: str, ordinal: int) -> str:
    return f"{doc_id}:{ordinal}"


def split_passage_id(pid: str) -> tuple[str, int]:
    """Return ``(doc_id, ordinal)`` or raise ValueError for a malformed id."""
    doc_id, sep, ordinal = pid.rpartition(":")
    if not sep or not doc_id or not ordinal.isdigit():
        raise ValueError(f"malformed passage id {pid!r}: expected DOC_ID:ORDINAL, e.g. 2010-kanazawa-fr:12")
    return doc_id, int(ordinal)
