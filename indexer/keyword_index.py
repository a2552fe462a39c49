"""The Whoosh keyword index: one document per passage, French and Japanese fields."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.fields import ID, NUMERIC, TEXT, Schema

from indexer.analysis import french_analyzer, french_exact_analyzer, japanese_analyzer
from indexer.passage import Passage

FIELDS_BY_LANG = {
    "fr": {"text": "text_fr", "exact": "exact_fr", "section": "section_fr"},
    "ja": {"text": "text_ja", "exact": None, "section": "section_ja"},
}


def keyword_schema() -> Schema:
    return Schema(
        passage_id=ID(stored=True, unique=True),
        doc_id=ID(stored=True),
        lang=ID(stored=True),
        kind=ID(stored=True),
        row=NUMERIC(stored=True),
        text_fr=TEXT(analyzer=french_analyzer(), phrase=False),
        exact_fr=TEXT(analyzer=french_exact_analyzer(), phrase=True),
        section_fr=TEXT(analyzer=french_analyzer(), phrase=False),
        text_ja=TEXT(analyzer=japanese_analyzer(), phrase=True),
        section_ja=TEXT(analyzer=japanese_analyzer(), phrase=False),
    )


def _fields(row: int, passage: Passage) -> dict:
    fields = FIELDS_BY_LANG[passage.lang]
    doc = {
        "passage_id": passage.passage_id,
        "doc_id": passage.doc_id,
        "lang": str(passage.lang),
        "kind": str(passage.kind),
        "row": row,
        fields["text"]: passage.text,
        fields["section"]: passage.section,
    }
    if fields["exact"]:
        doc[fields["exact"]] = passage.text
    return doc


def write_keyword_index(
    directory: Path, passages: Iterable[Passage], progress: Callable[[int], None] | None = None
) -> None:
    """Create a Whoosh index in ``directory`` (which must be empty) holding ``passages``."""
    directory.mkdir(parents=True, exist_ok=True)
    ix = whoosh_index.create_in(str(directory), keyword_schema())
    writer = ix.writer(limitmb=256)
    try:
        for row, passage in enumerate(passages):
            writer.add_document(**_fields(row, passage))
            if progress and row % 1000 == 999:
                progress(row + 1)
        writer.commit()
    except BaseException:
        writer.cancel()
        raise


def open_keyword_index(directory: Path):
    return whoosh_index.open_dir(str(directory))
