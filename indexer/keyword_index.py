"""The Whoosh keyword index: one document per passage, French and Japanese fields.

Documents carry their ``passage_id``, not their row in the passage store:
an incremental build keeps the segments of unchanged documents while rows
shift, so readers map Whoosh documents to rows through the passage id.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypedDict

from whoosh import index as whoosh_index
from whoosh.fields import ID, TEXT, Schema

from indexer.analysis import french_analyzer, french_exact_analyzer, japanese_analyzer
from indexer.passage import Passage


class LangFields(TypedDict):
    """The Whoosh field names of one language (``exact``: the unstemmed field, French only)."""

    text: str
    exact: str | None
    section: str


FRENCH_EXACT_FIELD = "exact_fr"  # unstemmed French: exact terms, phrases, spelling suggestions
FIELDS_BY_LANG: dict[str, LangFields] = {
    "fr": {"text": "text_fr", "exact": FRENCH_EXACT_FIELD, "section": "section_fr"},
    "ja": {"text": "text_ja", "exact": None, "section": "section_ja"},
}


def keyword_schema() -> Schema:
    return Schema(
        passage_id=ID(stored=True, unique=True),
        doc_id=ID(stored=True),
        lang=ID(stored=True),
        kind=ID(stored=True),
        text_fr=TEXT(analyzer=french_analyzer(), phrase=False),
        exact_fr=TEXT(analyzer=french_exact_analyzer(), phrase=True),
        section_fr=TEXT(analyzer=french_analyzer(), phrase=False),
        text_ja=TEXT(analyzer=japanese_analyzer(), phrase=True),
        section_ja=TEXT(analyzer=japanese_analyzer(), phrase=False),
    )


def _fields(passage: Passage) -> dict:
    fields = FIELDS_BY_LANG[passage.lang]
    doc = {
        "passage_id": passage.passage_id,
        "doc_id": passage.doc_id,
        "lang": str(passage.lang),
        "kind": str(passage.kind),
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
            writer.add_document(**_fields(passage))
            if progress and row % 1000 == 999:
                progress(row + 1)
        writer.commit()
    except BaseException:
        writer.cancel()
        raise


def update_keyword_index(
    previous: Path,
    directory: Path,
    remove_docs: Iterable[str],
    passages: Iterable[Passage],
    progress: Callable[[int], None] | None = None,
) -> None:
    """Copy the index at ``previous`` into ``directory``, delete ``remove_docs``, add ``passages``.

    Whoosh segments are write-once (a commit writes new segment files and a new
    TOC; deletions are recorded in the TOC), so copying the folder and
    committing on the copy leaves ``previous`` untouched. Kept documents are
    not analysed again.
    """
    shutil.copytree(previous, directory)
    ix = whoosh_index.open_dir(str(directory))
    writer = ix.writer(limitmb=256)
    try:
        for doc_id in sorted(set(remove_docs)):
            writer.delete_by_term("doc_id", doc_id)
        for n, passage in enumerate(passages, start=1):
            writer.add_document(**_fields(passage))
            if progress and n % 1000 == 0:
                progress(n)
        writer.commit()
    except BaseException:
        writer.cancel()
        raise


def open_keyword_index(directory: Path):
    return whoosh_index.open_dir(str(directory))
