"""Citations of a passage or a document: what it cites, what cites it, what echoes it.

Reads the citations the opened generation carries (``citations.json``, written by
:mod:`indexer.citations_file` and read through :mod:`indexer.index_format`).
An index opened without them (made by hand in a test) still answers:
references are re-extracted from the passage store (a pure function of the
texts), and echoes are reported as unavailable.

* ``cites``: references in the passage (or document) to *another* edition
  (relation ``cites`` or ``announces``), each with its span marked.
* ``mentions_self``: mentions of the passage's own edition (« réunis … pour
  les deuxièmes Rencontres » in Kanazawa), kept apart; they cite nothing.
* ``cited_by``: references elsewhere whose targets include this document
  (an edition's reference targets all its documents, both languages).
* ``echoes``: passages of other declarations taking up the same commitment,
  with their score and shared key terms marked.
"""

from __future__ import annotations

from indexer.analysis import analyze
from indexer.citations_file import Citations
from indexer.echoes import Echo
from indexer.passage import Passage
from indexer.references import Reference, extract_references
from search.errors import BadRequest
from search.highlight import make_snippet, match_spans
from search.index_reader import OpenIndex
from search.lookup import document as find_document
from search.lookup import passage as find_passage
from search.results import CitationAnswer, CitedReference, EchoMatch, TargetDocument

MAX_DOCUMENT_ECHOES = 50


class CitationService:
    """Answers citation questions over one opened index."""

    def __init__(self, index: OpenIndex) -> None:
        self.index = index
        stored = index.citations  # read with the generation, by indexer.index_format
        if stored is None:  # an OpenIndex made by hand (tests) carries none: references are a pure function
            store = index.store
            stored = Citations(extract_references(store.passages, store.editions, store.documents), None)
        self.citations = stored
        self._by_passage: dict[str, list[Reference]] = {}
        self._by_target: dict[str, list[Reference]] = {}
        for ref in stored.references:
            self._by_passage.setdefault(ref.passage_id, []).append(ref)
            if ref.relation != "self":
                for target in ref.targets:
                    self._by_target.setdefault(target, []).append(ref)

    # -- presentation ---------------------------------------------------------------------------
    def _target(self, doc_id: str) -> TargetDocument:
        doc = self.index.store.document(doc_id)
        return TargetDocument(doc_id, doc.title if doc else doc_id, doc.lang if doc else None)

    def _cited(self, ref: Reference) -> CitedReference:
        passage = self.index.store.get(ref.passage_id)
        return CitedReference(
            reference=ref,
            section=passage.section if passage else "",
            snippet=make_snippet(passage.text, [(ref.start, ref.end)]) if passage else None,
            edition=self.index.store.edition(ref.edition),
            target_documents=[self._target(t) for t in ref.targets],
        )

    def _echo(self, echo: Echo) -> EchoMatch:
        other = self.index.store.get(echo.other_id)
        if other is None:  # a stale citations.json; the reader never fails on it
            return EchoMatch(echo, None, None)
        terms = {t.text for surface in echo.shared_terms for t in analyze(surface, other.lang)}
        return EchoMatch(echo, other, make_snippet(other.text, match_spans(other.text, other.lang, terms)))

    def _answer(
        self, kind: str, ident: str, passages: list[Passage], doc_ids: set[str], echo_limit: int | None, subject: dict
    ) -> CitationAnswer:
        own = [r for p in passages for r in self._by_passage.get(p.passage_id, [])]
        cited_by = sorted(
            {id(r): r for d in doc_ids for r in self._by_target.get(d, []) if r.doc_id not in doc_ids}.values(),
            key=lambda r: (self.index.store.row_of.get(r.passage_id, 0), r.start, r.edition),
        )
        stored_echoes = self.citations.echoes
        echoes: list[Echo] = []
        if stored_echoes is not None:
            echoes = [e for p in passages for e in stored_echoes.get(p.passage_id, [])]
            echoes.sort(key=lambda e: (-e.score, e.passage_id, e.other_id))
            if echo_limit is not None:
                echoes = echoes[:echo_limit]
        return CitationAnswer(
            id=ident,
            kind=kind,
            cites=[self._cited(r) for r in own if r.relation != "self"],
            mentions_self=[self._cited(r) for r in own if r.relation == "self"],
            cited_by=[self._cited(r) for r in cited_by],
            echoes=[self._echo(e) for e in echoes],
            echoes_available=stored_echoes is not None,
            echo_threshold=self.citations.echo_threshold,
            subject=subject,
        )

    # -- queries ----------------------------------------------------------------------------------
    def of_passage(self, passage_id: str) -> CitationAnswer:
        """Citations of one passage; ``NotFound`` for an unknown id."""
        passage = find_passage(self.index, passage_id)
        return self._answer("passage", passage_id, [passage], {passage.doc_id}, None, {"passage": passage.to_json()})

    def of_document(self, doc_id: str) -> CitationAnswer:
        """Citations of every passage of a document; ``NotFound`` for an unknown id."""
        doc = find_document(self.index, doc_id)
        return self._answer(
            "document",
            doc_id,
            self.index.store.of_document(doc_id),
            {doc_id},
            MAX_DOCUMENT_ECHOES,
            {"document": doc.to_json()},
        )

    def for_passage(self, passage_id: str) -> dict:
        """:meth:`of_passage` as JSON (snippets as HTML)."""
        return self.of_passage(passage_id).to_json()

    def for_document(self, doc_id: str) -> dict:
        """:meth:`of_document` as JSON (snippets as HTML)."""
        return self.of_document(doc_id).to_json()

    def lookup(self, ident: str | None) -> dict:
        """:meth:`resolve` as JSON (snippets as HTML)."""
        return self.resolve(ident).to_json()

    def resolve(self, ident: str | None) -> CitationAnswer:
        """A passage id (``DOC:N``) or a document id.

        Raises
        ------
        BadRequest
            When ``ident`` is empty.
        NotFound
            When ``ident`` names neither a passage nor a document of the index.
        """
        ident = (ident or "").strip()
        if not ident:
            raise BadRequest("give a passage id (e.g. 2012-chartres-fr:8) or a document id (e.g. 2012-chartres-fr)")
        if self.index.store.get(ident) is not None:
            return self.of_passage(ident)
        if self.index.store.document(ident) is not None:
            return self.of_document(ident)
        if ":" in ident:
            return self.of_passage(ident)
        return self.of_document(ident)
