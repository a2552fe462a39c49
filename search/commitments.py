"""The commitments of the declarations, by theme and edition, with the echoes that follow them up.

One entry per commitment sentence of an original declaration, with its
translation (the aligned sentence of the Japanese 参考訳) and its echoes in
later and earlier editions (:mod:`indexer.echoes`, stored in ``citations.json``).

Themes: the declarations' own section headings, brought to one name across
editions by the word they are built on — Kanazawa's « Culture »,
« Economie », « Environnement », « Société » and Chartres' « Innovations
culturelles », « Innovations Economiques », « … sécurité de la population et
du cadre de vie » — so that a theme reads as one row of the timeline. Preamble
and conclusion commitments (organising the Rencontres, the prize, the steering
committees, cooperation at large) form the theme « Les Rencontres et la
coopération », as do the title, « Conclusion » and the prize section. Any
other section (a theme a later declaration adds) keeps its own heading.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from indexer.commitments import ACTS, Commitment
from indexer.echoes import Echo, map_sentence
from indexer.passage import Passage
from search.index_reader import OpenIndex
from search.request import InvalidInput

# (theme id, French label, Japanese label, pattern on the folded section heading)
THEMES: tuple[tuple[str, str, str, re.Pattern[str]], ...] = tuple(
    (tid, fr, ja, re.compile(pattern))
    for tid, fr, ja, pattern in (
        ("culture", "Culture et patrimoine", "文化・遺産", r"cultur|文化"),
        ("economy", "Économie et tourisme", "経済・観光", r"econom|経済"),
        (
            "environment",
            "Environnement, risques et cadre de vie",
            "環境・リスク・生活環境",
            r"environnement|securite|cadre de vie|環境|安全",
        ),
        ("society", "Société", "社会", r"societe|社会"),
    )
)
GENERAL = ("rencontres", "Les Rencontres et la coopération", "交流会議と協力")


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text.lower()) if not unicodedata.combining(c))


_GENERAL_SECTION = re.compile(r"declaration|conclusion|prix|preambule|宣言|結び|賞")


def theme_of(section: str, title: str = "") -> tuple[str, str, str]:
    """``(id, label_fr, label_ja)`` of the theme of a section heading (``title``: the document's own)."""
    folded = _fold(section)
    for tid, fr, ja, pattern in THEMES:
        if pattern.search(folded):
            return tid, fr, ja
    if not section.strip() or section.strip() == title.strip() or _GENERAL_SECTION.search(folded):
        return GENERAL
    return f"section:{section}", section, section


@dataclass(frozen=True)
class Rendering:
    passage_id: str
    lang: str
    text: str
    act: str | None  # the act detected in the translation itself


@dataclass(frozen=True)
class EchoView:
    passage_id: str
    doc_id: str
    edition: int
    year: int | None
    city: str
    text: str
    score: float
    shared_terms: tuple[str, ...]
    act: str | None
    translation: str | None


@dataclass(frozen=True)
class CommitmentEntry:
    id: str  # "{passage_id}#{start}"
    doc_id: str
    edition: int
    year: int | None
    city: str
    passage_id: str
    section: str
    theme: str
    theme_fr: str
    theme_ja: str
    act: str
    subject: str | None
    start: int
    end: int
    text: str
    translations: tuple[Rendering, ...]
    later: tuple[EchoView, ...] = field(default=())
    earlier: tuple[EchoView, ...] = field(default=())

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "doc_id": self.doc_id,
            "edition": self.edition,
            "year": self.year,
            "city": self.city,
            "passage_id": self.passage_id,
            "section": self.section,
            "theme": {"id": self.theme, "fr": self.theme_fr, "ja": self.theme_ja},
            "act": self.act,
            "subject": self.subject,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "translations": [r.__dict__ for r in self.translations],
            "echoes_later": [_echo_json(e) for e in self.later],
            "echoes_earlier": [_echo_json(e) for e in self.earlier],
        }


def _echo_json(e: EchoView) -> dict:
    return {**e.__dict__, "shared_terms": list(e.shared_terms)}


class CommitmentCatalogue:
    """Every commitment of the original declarations of one index, built once."""

    def __init__(self, index: OpenIndex) -> None:
        self.index = index
        stored = index.citations
        self.echoes_available = stored is not None and stored.echoes is not None
        self._echoes: dict[str, list[Echo]] = (stored.echoes or {}) if stored else {}
        self.entries: list[CommitmentEntry] = self._build()

    def _doc_edition(self, doc_id: str) -> tuple[int, int | None, str]:
        doc = self.index.store.document(doc_id)
        if doc is None:
            return 0, None, ""
        edition = self.index.store.edition(doc.edition)
        return doc.edition, edition.year if edition else None, doc.city

    def _translations(self, passage: Passage, c: Commitment) -> tuple[Rendering, ...]:
        out = []
        for pid in passage.aligned_passage_ids:
            other = self.index.store.get(pid)
            if other is None:
                continue
            start, end = map_sentence(passage, other, c.start, c.end)
            found = next(
                (d for d in self.index.commitments.get(pid, []) if d.start <= start < d.end or start <= d.start < end),
                None,
            )
            out.append(Rendering(pid, other.lang, other.text[start:end].strip(), found.act if found else None))
        return tuple(out)

    def _echo_view(self, e: Echo) -> EchoView | None:
        other = self.index.store.get(e.other_id)
        if other is None:  # a stale citations.json: the reader never fails on it
            return None
        edition, year, city = self._doc_edition(other.doc_id)
        translation = None
        for pid in other.aligned_passage_ids:
            t = self.index.store.get(pid)
            if t is not None:
                s, end = map_sentence(other, t, e.other_start, e.other_end)
                translation = t.text[s:end].strip()
                break
        return EchoView(
            other.passage_id,
            other.doc_id,
            edition,
            year,
            city,
            other.text[e.other_start : e.other_end],
            e.score,
            e.shared_terms,
            e.other_act,
            translation,
        )

    def _build(self) -> list[CommitmentEntry]:
        store = self.index.store
        originals = [d for d in store.documents if d.translation_of is None]
        entries = []
        for doc in sorted(originals, key=lambda d: (d.edition, d.id)):
            edition, year, city = self._doc_edition(doc.id)
            passages = store.of_document(doc.id)
            title = passages[0].text if passages else ""
            for passage in passages:
                for c in self.index.commitments.get(passage.passage_id, []):
                    theme = theme_of(passage.section, title)
                    echoes = [
                        e for e in self._echoes.get(passage.passage_id, []) if e.start < c.end and c.start < e.end
                    ]
                    views = [v for v in map(self._echo_view, echoes) if v is not None]
                    entries.append(
                        CommitmentEntry(
                            f"{passage.passage_id}#{c.start}",
                            doc.id,
                            edition,
                            year,
                            city,
                            passage.passage_id,
                            passage.section,
                            theme[0],
                            theme[1],
                            theme[2],
                            c.act,
                            c.subject,
                            c.start,
                            c.end,
                            c.text,
                            self._translations(passage, c),
                            tuple(v for v in views if v.edition > edition),
                            tuple(v for v in views if v.edition < edition),
                        )
                    )
        return entries

    def select(self, doc: str | None = None, act: str | None = None, theme: str | None = None) -> list[CommitmentEntry]:
        """Entries of one document, act and theme (each optional); unknown values are an InvalidInput (a BadRequest the web says in its language)."""
        if doc is not None and self.index.store.document(doc) is None:
            known = ", ".join(d.id for d in self.index.store.documents)
            raise InvalidInput("unknown_doc", f"unknown doc {doc!r}: use one of {known}", value=repr(doc), known=known)
        if act is not None and act not in ACTS:
            raise InvalidInput(
                "unknown_choice",
                f"unknown act {act!r}: use one of {', '.join(ACTS)}",
                name="act",
                value=repr(act),
                allowed=", ".join(ACTS),
            )
        themes = {e.theme for e in self.entries}
        if theme is not None and theme not in themes:
            raise InvalidInput(
                "unknown_choice",
                f"unknown theme {theme!r}: use one of {', '.join(sorted(themes))}",
                name="theme",
                value=repr(theme),
                allowed=", ".join(sorted(themes)),
            )
        family = None
        if doc is not None:
            d = self.index.store.document(doc)
            family = (d.translation_of or d.id) if d is not None else doc
        return [
            e
            for e in self.entries
            if (family is None or e.doc_id == family)
            and (act is None or e.act == act)
            and (theme is None or e.theme == theme)
        ]

    def counts(self) -> dict[str, int]:
        """Commitments detected per declaration, translations included (each counted in its own text)."""
        counts = {d.id: 0 for d in self.index.store.documents}
        for pid, items in self.index.commitments.items():
            doc_id = pid.rpartition(":")[0]
            if doc_id in counts:
                counts[doc_id] += len(items)
        return counts

    def themes(self) -> list[tuple[str, str, str]]:
        """Themes in a stable order: the four fields first, then the Rencontres, then any other section."""
        order = [t[0] for t in THEMES] + [GENERAL[0]]
        seen: dict[str, tuple[str, str, str]] = {}
        for e in self.entries:
            seen.setdefault(e.theme, (e.theme, e.theme_fr, e.theme_ja))
        return sorted(seen.values(), key=lambda t: (order.index(t[0]) if t[0] in order else len(order), t[1]))
