"""The passage: the unit of search and of display, and the typed values it carries.

:class:`Lang` and :class:`Kind` are ``StrEnum`` s: they compare, hash, sort and
serialise (JSON, SQLite, Jinja) exactly like the strings ``"fr"`` or
``"heading"`` they stand for, so stored indexes and JSON outputs are unchanged,
while the groupings the code needs (which kinds are structure, which hold
commitments, which open a section) are defined once, here.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum

LOW_CONFIDENCE = 0.5
"""Automatic alignment links below this confidence are flagged for review (indexer.align)."""


class Lang(StrEnum):
    """A language of the corpus; its value is also the name of its analyzer."""

    FR = "fr"
    JA = "ja"

    @property
    def other(self) -> Lang:
        """The other language of the pair (the translation side of an original, and back)."""
        return Lang.FR if self is Lang.JA else Lang.JA

    @classmethod
    def analyzer_of(cls, lang: str) -> Lang:
        """The analyzer for a language code: Japanese for ``"ja"``, French for anything else."""
        return cls.JA if lang == cls.JA else cls.FR


class Kind(StrEnum):
    """What a passage is in its document's layout."""

    TITLE = "title"
    HEADING = "heading"
    CAPTION = "caption"
    PARAGRAPH = "paragraph"
    LIST_ITEM = "list_item"
    TABLE_HEADER = "table_header"
    TABLE_ROW = "table_row"

    @property
    def is_structural(self) -> bool:
        """Titles, headings, table captions and header rows: short and generic.

        As vectors they sit close to every query ("hubs"), so semantic ranking
        and the quotation finder's semantic fallback leave them to keyword search.
        """
        return self in _STRUCTURAL

    @property
    def opens_section(self) -> bool:
        """Titles, headings and captions: their text names the section of what follows."""
        return self in _SECTION_OPENERS

    @property
    def is_prose(self) -> bool:
        """Paragraphs and list items: where commitments are made, hence what echoes compare."""
        return self in _PROSE


STRUCTURAL_KINDS = frozenset({Kind.TITLE, Kind.HEADING, Kind.CAPTION, Kind.TABLE_HEADER})
_STRUCTURAL = STRUCTURAL_KINDS
_SECTION_OPENERS = frozenset({Kind.TITLE, Kind.HEADING, Kind.CAPTION})
_PROSE = frozenset({Kind.PARAGRAPH, Kind.LIST_ITEM})


@dataclass(frozen=True)
class Passage:
    """One paragraph, heading, list item or table row of a declaration.

    ``start``/``end`` are character offsets into the source file as read
    (UTF-8 decoded); ``text`` is the cleaned, reflowed text that is indexed,
    displayed and highlighted. ``lang`` and ``kind`` given as plain strings
    (from SQLite, from a parser) are turned into :class:`Lang` and :class:`Kind`.
    ``alignment_confidence`` is set when ``aligned_passage_ids`` come from the
    automatic aligner (``None`` for hand-written markers, which are certain).
    """

    doc_id: str
    lang: Lang
    ordinal: int
    kind: Kind
    section: str
    text: str
    start: int
    end: int
    aligned_passage_ids: tuple[str, ...] = field(default=())
    alignment_confidence: float | None = None

    def __post_init__(self) -> None:
        if type(self.lang) is not Lang:
            object.__setattr__(self, "lang", Lang(self.lang))
        if type(self.kind) is not Kind:
            object.__setattr__(self, "kind", Kind(self.kind))

    @property
    def passage_id(self) -> str:
        return passage_id(self.doc_id, self.ordinal)

    @property
    def is_structural(self) -> bool:
        return self.kind.is_structural

    def with_alignment(self, ids: tuple[str, ...]) -> Passage:
        return replace(self, aligned_passage_ids=ids)

    @property
    def alignment_doubtful(self) -> bool:
        """An automatic link a reader should check (confidence below :data:`LOW_CONFIDENCE`)."""
        return self.alignment_confidence is not None and self.alignment_confidence < LOW_CONFIDENCE

    def to_json(self) -> dict:
        out = {
            "passage_id": self.passage_id,
            "doc_id": self.doc_id,
            "lang": str(self.lang),
            "kind": str(self.kind),
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
