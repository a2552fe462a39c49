"""Presentation of passages and documents: what the templates show about each.

Small view objects built from ``search`` data, so the templates hold no
look-up logic and the pages stay consistent with one another.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from search import lookup
from search.citations import CitationService
from search.highlight import Snippet, trimmed
from search.index_reader import OpenIndex
from search.results import CitedReference
from web.i18n import Labels


@dataclass(frozen=True)
class DocumentView:
    id: str
    title: str
    lang: str
    edition_label: str
    date: str
    city: str
    official: bool
    status_label: str
    passages: int

    @property
    def short_label(self) -> str:
        """Title and language, e.g. ``Déclaration de Kanazawa · FR``: unique across the corpus."""
        return f"{self.title} · {self.lang.upper()}"


@dataclass(frozen=True)
class PassageView:
    id: str
    doc_id: str
    lang: str
    ordinal: int
    kind: str
    kind_label: str
    section: str
    snippet: Snippet  # the whole text, the query's hits marked; templates render it with the `snippet` macro


@dataclass(frozen=True)
class CitationTarget:
    """A document or passage a citation line links to."""

    href: str
    label: str
    lang: str


@dataclass(frozen=True)
class CitationItem:
    """One line of the passage page's citation lists: a marked snippet, a note and where it points.

    ``id`` is the passage the line is about (``None`` when it is the current
    passage, which is not linked to itself); ``targets`` are the cited
    declarations (document level) as links.
    """

    id: str | None
    lang: str
    snippet: Snippet | None
    note: str
    targets: tuple[CitationTarget, ...] = ()


def document_view(index: OpenIndex, doc: lookup.Document, t: Labels) -> DocumentView:
    """The document as the interface names it, in the interface language."""
    edition = lookup.edition_of(index, doc)
    edition_label = t.pick({"fr": edition.label_fr, "ja": edition.label_ja}) if edition else str(doc.edition)
    official = doc.status == "official"
    return DocumentView(
        id=doc.id,
        title=doc.title,
        lang=doc.lang,
        edition_label=edition_label,
        date=doc.date,
        city=doc.city,
        official=official,
        status_label=t("official") if official else t("working_translation"),
        passages=len(index.store.of_document(doc.id)),
    )


def all_documents(index: OpenIndex, t: Labels) -> list[DocumentView]:
    """Every document of the index, in corpus order."""
    return [document_view(index, d, t) for d in index.store.documents]


def passage_view(p: lookup.Passage, t: Labels, query: str | None = None) -> PassageView:
    """``p`` with its text escaped and, when a query is given, its hits marked."""
    return PassageView(
        id=p.passage_id,
        doc_id=p.doc_id,
        lang=p.lang,
        ordinal=p.ordinal,
        kind=p.kind,
        kind_label=t.get(f"kind_{p.kind}", p.kind),
        section=p.section,
        snippet=lookup.marked_text(p, query),
    )


def translation_views(
    index: OpenIndex, p: lookup.Passage, t: Labels, query: str | None = None, trim: bool = False
) -> list[PassageView]:
    """The passages aligned to ``p``, each marked for ``query``; ``trim``: cut like a result's snippet.

    Beside a result the translation was shown whole (10 lines under a 4-line
    snippet): with ``trim`` it gets the window a result in its language would
    show, around its marks, cut at a word boundary.
    """
    views = [passage_view(q, t, query) for q in lookup.translations(index, p)]
    return [replace(v, snippet=trimmed(v.snippet, v.lang)) for v in views] if trim else views


#: What each list of the passage page relates: the citing side is always a passage (the mention is
#: in one); the cited side is a whole declaration, because references name editions, not paragraphs.
CITATION_LEVELS = {
    "cites": {"from": "passage", "to": "document"},
    "cited_by": {"from": "passage", "to": "document"},
    "echoes": {"from": "passage", "to": "passage"},
}


def _targets(cited: CitedReference, t: Labels) -> tuple[tuple[CitationTarget, ...], str]:
    """The cited declarations as links, or a note when the edition has no text in the corpus."""
    ref = cited.reference
    if ref.status == "document":
        docs = sorted(cited.target_documents, key=lambda d: d.doc_id)
        return tuple(CitationTarget(f"/documents/{d.doc_id}", d.title, str(d.lang or "fr")) for d in docs), ""
    return (), t("edition_without_text") if ref.status == "edition_without_text" else t("edition_unknown")


def _edition_label(cited: CitedReference, t: Labels) -> str:
    """The cited edition in the interface language (the reference's own label is French)."""
    edition = cited.edition
    return t.pick({"fr": edition.label_fr, "ja": edition.label_ja}) if edition else cited.reference.label


def _cites(answer_cites: list[CitedReference], t: Labels) -> list[CitationItem]:
    """What the passage cites: one line per mention, listing every edition it names once.

    "déclarations finales de Nancy et de Kanazawa" is one mention naming two
    editions: one line, the mention marked once, both editions after it.
    """
    groups: dict[tuple, list[CitedReference]] = {}
    for cited in answer_cites:
        ref = cited.reference  # one marked span per mention, even when each edition has its own offsets
        key = tuple((m.start, m.end) for m in cited.snippet.marks) if cited.snippet else (ref.start, ref.end)
        groups.setdefault(key, []).append(cited)
    out: list[CitationItem] = []
    for refs in groups.values():
        notes: list[str] = []
        targets: list[CitationTarget] = []
        for cited in refs:
            found, note = _targets(cited, t)
            text = f"{_edition_label(cited, t)} {note}".strip()
            if text not in notes:
                notes.append(text)
            targets += [x for x in found if x not in targets]
        out.append(CitationItem(None, refs[0].reference.lang, refs[0].snippet, " · ".join(notes), tuple(targets)))
    return out


def _cited_by(answer_cited_by: list[CitedReference], t: Labels) -> list[CitationItem]:
    """The passages citing this passage's declaration: one line per citing passage."""
    out: dict[str, CitationItem] = {}
    for cited in answer_cited_by:
        ref = cited.reference
        if ref.passage_id not in out:
            out[ref.passage_id] = CitationItem(ref.passage_id, ref.lang, cited.snippet, _edition_label(cited, t))
    return list(out.values())


def citations_view(citations: CitationService, p: lookup.Passage, t: Labels) -> dict[str, list[CitationItem]]:
    """``{"cites": [...], "cited_by": [...], "echoes": [...]}`` for the passage page, without duplicates."""
    answer = citations.of_passage(p.passage_id)
    cited_by = [r for r in answer.cited_by if r.reference.lang == p.lang] or answer.cited_by
    echoes = [
        CitationItem(e.echo.other_id, e.other.lang if e.other else p.lang, e.snippet, f"({e.echo.score:.2f})")
        for e in answer.echoes
    ]
    return {"cites": _cites(answer.cites, t), "cited_by": _cited_by(cited_by, t), "echoes": echoes}
