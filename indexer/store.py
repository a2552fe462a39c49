"""The passage store (``passages.sqlite``): passages, documents and editions of an index."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from pathlib import Path

from indexer.corpus import Corpus, Document, Edition
from indexer.passage import Passage

_SCHEMA = """
CREATE TABLE passages (
    row INTEGER PRIMARY KEY, passage_id TEXT UNIQUE NOT NULL, doc_id TEXT NOT NULL, lang TEXT NOT NULL,
    ordinal INTEGER NOT NULL, kind TEXT NOT NULL, section TEXT NOT NULL, text TEXT NOT NULL,
    start INTEGER NOT NULL, "end" INTEGER NOT NULL, aligned TEXT NOT NULL, confidence REAL
);
CREATE TABLE documents (position INTEGER PRIMARY KEY, body TEXT NOT NULL);
CREATE TABLE editions (number INTEGER PRIMARY KEY, body TEXT NOT NULL);
"""


def write_store(path: Path, corpus: Corpus, passages: Iterable[Passage]) -> None:
    con = sqlite3.connect(path)
    try:
        con.executescript(_SCHEMA)
        con.executemany(
            "INSERT INTO passages VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                (
                    row,
                    p.passage_id,
                    p.doc_id,
                    p.lang,
                    p.ordinal,
                    p.kind,
                    p.section,
                    p.text,
                    p.start,
                    p.end,
                    json.dumps(list(p.aligned_passage_ids)),
                    p.alignment_confidence,
                )
                for row, p in enumerate(passages)
            ),
        )
        con.executemany(
            "INSERT INTO documents VALUES (?,?)",
            ((i, json.dumps(d.__dict__, ensure_ascii=False)) for i, d in enumerate(corpus.documents)),
        )
        con.executemany(
            "INSERT INTO editions VALUES (?,?)",
            ((e.number, json.dumps(e.__dict__, ensure_ascii=False)) for e in corpus.editions),
        )
        con.commit()
    finally:
        con.close()


class PassageStore:
    """All passages of an index, in memory, by id and by row (the row is the vector index)."""

    def __init__(self, path: Path) -> None:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            columns = {row[1] for row in con.execute("PRAGMA table_info(passages)")}
            confidence = "confidence" if "confidence" in columns else "NULL"  # older stores: hand links only
            rows = con.execute(
                'SELECT passage_id, doc_id, lang, ordinal, kind, section, text, start, "end", aligned, '
                f"{confidence} FROM passages ORDER BY row"
            ).fetchall()
            self.documents: tuple[Document, ...] = tuple(
                Document(**json.loads(body)) for (body,) in con.execute("SELECT body FROM documents ORDER BY position")
            )
            self.editions: tuple[Edition, ...] = tuple(
                Edition(**json.loads(body)) for (body,) in con.execute("SELECT body FROM editions ORDER BY number")
            )
        finally:
            con.close()
        self.passages: list[Passage] = [
            Passage(doc_id, lang, ordinal, kind, section, text, start, end, tuple(json.loads(aligned)), confidence)
            for (_pid, doc_id, lang, ordinal, kind, section, text, start, end, aligned, confidence) in rows
        ]
        self.row_of: dict[str, int] = {p.passage_id: i for i, p in enumerate(self.passages)}
        self._by_doc: dict[str, list[Passage]] = {}
        for p in self.passages:
            self._by_doc.setdefault(p.doc_id, []).append(p)

    def __len__(self) -> int:
        return len(self.passages)

    def get(self, pid: str) -> Passage | None:
        row = self.row_of.get(pid)
        return None if row is None else self.passages[row]

    def of_document(self, doc_id: str) -> list[Passage]:
        return self._by_doc.get(doc_id, [])

    def document(self, doc_id: str) -> Document | None:
        return next((d for d in self.documents if d.id == doc_id), None)

    def edition(self, number: int) -> Edition | None:
        return next((e for e in self.editions if e.number == number), None)

    def translations_of(self, doc_id: str) -> list[Document]:
        """Documents that are translations of ``doc_id``, or its original and siblings if it is one."""
        doc = self.document(doc_id)
        if doc is None:
            return []
        family = doc.translation_of or doc.id
        return [d for d in self.documents if d.id != doc_id and (d.id == family or d.translation_of == family)]
