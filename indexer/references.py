"""Explicit references between declarations: extraction from passages and resolution.

A reference is a phrase that names an edition of the Rencontres or its
declaration: « déclarations finales de Nancy et de Kanazawa », « premières
rencontres », « la troisième édition », 金沢宣言, 第2回日仏自治体交流会議…
Each is resolved through the manifest's editions (ordinal → edition number,
city → edition) to the documents of that edition in both languages, or, when
the corpus has no text of it (Nancy 2008, Takamatsu 2014), reported as an
edition without text: a mention is never dropped.

Decisions (see also tests/test_references.py):

* Only city names governed by a word for the meeting or its text count
  (« rencontres de Nancy », « déclaration de Kanazawa », ナンシー宣言). A city
  on its own — « réunis à Kanazawa », « les maires de Nancy », « villes de
  Kanazawa et de Nancy » — is a place or a town, not a reference.
* A mention of the passage's own edition is kept with relation ``"self"``;
  earlier editions are ``"cites"``, later ones ``"announces"`` (Kanazawa
  announcing Chartres, Chartres announcing Takamatsu). Citation views list
  ``self`` apart and never count it as citing.
* Coordinated forms yield one reference per target, each with the span of the
  whole phrase (``start``/``end``) and of its own city or ordinal
  (``mention_start``/``mention_end``).

Offsets are into ``Passage.text`` (what is displayed and highlighted).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

from indexer.corpus import Document, Edition
from indexer.errors import JumelageError
from indexer.passage import Passage

RESOLVED = "document"  # the edition has at least one document in the corpus
NO_TEXT = "edition_without_text"
UNKNOWN = "unknown_edition"  # an ordinal beyond the manifest's editions

_ORDINALS_FR = {
    1: r"premi[eè]re?s?|1\s?(?:er|[eè]?re|ᵉʳ|ʳᵉ)s?",
    2: r"deuxi[eè]mes?|seconde?s?",
    3: r"troisi[eè]mes?",
    4: r"quatri[eè]mes?",
    5: r"cinqui[eè]mes?",
    6: r"sixi[eè]mes?",
    7: r"septi[eè]mes?",
    8: r"huiti[eè]mes?",
    9: r"neuvi[eè]mes?",
    10: r"dixi[eè]mes?",
}
# « 4e », « 4ème », « 4èmes », « 5 e » (a superscript lost in a PDF copy), « 5ᵉ ».
_NUMERIC_ORDINAL_FR = r"(?P<num>[2-9]|[1-9][0-9])\s?(?:e|è|[eè]me|ᵉ|i[eè]me)s?"
# « tenues pour la première fois à Nancy (France) en octobre 2008 »: a city and the year of its edition.
_CITY_YEAR_GAP = r"(?:\s*\([^)]{0,30}\))?[^.;:!?]{0,60}?"
_KANJI_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
# Words for "the meeting" or "its text" that make a following « de CITY » a reference.
_NOUN_FR = r"rencontres?|[ée]ditions?|d[ée]clarations?(?:\s+finales?)?"
_ORDINAL_NOUN_FR = r"rencontres?|[ée]ditions?"
# Filler allowed between the noun and « de CITY »: « rencontres franco-japonaises de la coopération … de Nancy ».
_FILLER_FR = r"(?:\s+franco-japonaises?)?(?:\s+de\s+la\s+coop[ée]ration\s+d[ée]centralis[ée]e(?:\s+franco-japonaise)?)?"
_NOUN_JA = r"(?:最終)?宣言|(?:日仏)?(?:自治体)?(?:交流)?会議|ランコントル|大会"
_LINK_JA = r"(?:と|および|及び|並びに|、|・)"
_LABEL_CITY_JA = re.compile(r"[（(]([^、,，）)]+)")


class ReferenceError(JumelageError, ValueError):
    """The editions given to the extractor are unusable (e.g. two share a city)."""


@dataclass(frozen=True)
class Reference:
    """One explicit mention of an edition or its declaration in a passage."""

    passage_id: str
    doc_id: str
    lang: str
    start: int
    end: int
    text: str
    mention_start: int
    mention_end: int
    edition: int
    relation: str
    status: str
    targets: tuple[str, ...]
    label: str

    def to_json(self) -> dict:
        data = asdict(self)
        data["targets"] = list(self.targets)
        return data

    @classmethod
    def from_json(cls, data: dict) -> Reference:
        return cls(**{**data, "targets": tuple(data["targets"])})


@dataclass(frozen=True)
class _Mention:
    start: int
    end: int
    mention_start: int
    mention_end: int
    edition: int


def japanese_city(edition: Edition) -> str:
    """The city's Japanese name, read from ``label_ja`` (…（ナンシー、2008年10月）)."""
    match = _LABEL_CITY_JA.search(edition.label_ja)
    return match.group(1).strip() if match else edition.city


def _fold_number(text: str) -> int | None:
    text = unicodedata.normalize("NFKC", text)
    if text.isdigit():
        return int(text)
    if text == "十":
        return 10
    if len(text) == 1 and text in _KANJI_DIGITS:
        return _KANJI_DIGITS[text]
    return None


def _city_alternation(names: Iterable[str]) -> str:
    # Longest first so that no name is cut by a shorter prefix.
    return "|".join(re.escape(n) for n in sorted(set(names), key=lambda n: (-len(n), n)))


def _french_mentions(text: str, editions: Sequence[Edition]) -> list[_Mention]:
    """Ordinal forms (« premières rencontres ») and city forms (« déclarations de Nancy et de Kanazawa »)."""
    out: list[_Mention] = []
    ordinal = "|".join(f"(?P<o{n}>{rx})" for n, rx in _ORDINALS_FR.items())
    ordinal_rx = re.compile(rf"\b(?:{ordinal}|{_NUMERIC_ORDINAL_FR})\s+(?:{_ORDINAL_NOUN_FR})\b", re.IGNORECASE)
    for match in ordinal_rx.finditer(text):
        key, value = next((k, v) for k, v in match.groupdict().items() if v is not None)
        if key == "num":
            number = int(value)
            ordinal_word = re.match(_NUMERIC_ORDINAL_FR, match.group(0), re.IGNORECASE)
            word_end = match.start() + (len(ordinal_word.group(0)) if ordinal_word else len(value))
        else:
            number, word_end = int(key[1:]), match.start() + len(value)
        out.append(_Mention(match.start(), match.end(), match.start(), word_end, number))
    by_city = {e.city.lower(): e.number for e in editions}
    cities = _city_alternation(e.city for e in editions)
    city_rx = re.compile(
        rf"\b(?:{_NOUN_FR}){_FILLER_FR}\s+(?:de\s+|d')(?:{cities})\b"
        rf"(?:\s*(?:,|et)\s*(?:(?:de\s+|d')?)(?:{cities})\b)*",
        re.IGNORECASE,
    )
    name_rx = re.compile(rf"\b(?:{cities})\b", re.IGNORECASE)
    for match in city_rx.finditer(text):
        for name in name_rx.finditer(text, match.start(), match.end()):
            out.append(_Mention(match.start(), match.end(), name.start(), name.end(), by_city[name.group(0).lower()]))
    out.extend(_city_year_mentions(text, editions, {m.edition for m in out}))
    return out


def _city_year_mentions(text: str, editions: Sequence[Edition], already: set[int]) -> list[_Mention]:
    """« à Nancy … en 2008 »: a city followed, within the clause, by the year of its edition.

    Counted only for an edition the passage names in no other way, so that
    « les premières Rencontres, organisées à Nancy en 2008 » stays one reference.
    """
    out: list[_Mention] = []
    for edition in editions:
        if edition.number in already:
            continue
        rx = re.compile(
            rf"\b(?:à|a|de)\s+(?P<city>{re.escape(edition.city)})\b{_CITY_YEAR_GAP}\b{edition.year}\b", re.IGNORECASE
        )
        match = rx.search(text)
        if match:
            out.append(
                _Mention(match.start("city"), match.end(), match.start("city"), match.end("city"), edition.number)
            )
    return out


def edition_in_text(texts: Sequence[str], lang: str, editions: Sequence[Edition] = ()) -> int | None:
    """The edition a declaration says it comes from, read from its opening passages.

    « 4èmes Rencontres », « 5 e Rencontres », 第4回日仏自治体交流会議: the opening
    names the meeting itself and, at most, earlier ones (« Après le succès des
    premières rencontres… »), so the highest ordinal there is the document's
    own edition. Returns None when the opening names none.
    """
    numbers: list[int] = []
    for text in texts:
        found = _japanese_mentions(text, editions) if lang == "ja" else _french_mentions(text, editions)
        numbers.extend(
            m.edition for m in found if m.mention_end - m.mention_start and not _is_city_mention(text, m, editions)
        )
    return max(numbers) if numbers else None


def _is_city_mention(text: str, mention: _Mention, editions: Sequence[Edition]) -> bool:
    names = {e.city.lower() for e in editions} | {japanese_city(e) for e in editions}
    return text[mention.mention_start : mention.mention_end].lower() in names


def _japanese_mentions(text: str, editions: Sequence[Edition]) -> list[_Mention]:
    """第N回… forms and CITY(と CITY)…宣言/会議 forms."""
    out: list[_Mention] = []
    ordinal_rx = re.compile(r"第\s*([0-9０-９]+|[一二三四五六七八九十])\s*回(?:目)?(?:の)?(?:" + _NOUN_JA + ")?")
    for match in ordinal_rx.finditer(text):
        number = _fold_number(match.group(1))
        if number is not None:
            ordinal_end = text.index("回", match.start()) + 1  # the mention is « 第N回 », the span the whole name
            out.append(_Mention(match.start(), match.end(), match.start(), ordinal_end, number))
    by_city = {japanese_city(e): e.number for e in editions}
    cities = _city_alternation(by_city)
    city_rx = re.compile(
        rf"(?:{cities})(?:\s*{_LINK_JA}\s*(?:{cities}))*"
        rf"(?:で(?:開催さ|開か)れた|での|における|で|の)?(?:第\s*\S{{1,2}}\s*回(?:目)?(?:の)?)?"
        rf"(?:{_NOUN_JA})"
    )
    name_rx = re.compile(cities)
    for match in city_rx.finditer(text):
        for name in name_rx.finditer(text, match.start(), match.end()):
            out.append(_Mention(match.start(), match.end(), name.start(), name.end(), by_city[name.group(0)]))
    return out


def _merge(mentions: list[_Mention]) -> list[_Mention]:
    """One mention per (phrase, edition): « ナンシーでの第1回会議 » is matched twice, once by each form."""
    kept: list[_Mention] = []
    for m in sorted(mentions, key=lambda m: (m.start, -(m.end - m.start), m.mention_start)):
        same = next((k for k in kept if k.edition == m.edition and m.start < k.end and k.start < m.end), None)
        if same is None:
            kept.append(m)
        elif m.end > same.end:  # overlapping forms of one reference: keep their union
            kept[kept.index(same)] = _Mention(same.start, m.end, same.mention_start, same.mention_end, same.edition)
    return sorted(kept, key=lambda m: (m.start, m.mention_start))


def _relation(edition: int, own_edition: int) -> str:
    if edition == own_edition:
        return "self"
    return "cites" if edition < own_edition else "announces"


def _label(edition: Edition | None, number: int, lang: str) -> str:
    if edition is None:
        return f"édition n° {number} (inconnue du corpus)" if lang == "fr" else f"第{number}回（コーパス外）"
    return edition.label_ja if lang == "ja" else edition.label_fr


def extract_references(
    passages: Sequence[Passage], editions: Sequence[Edition], documents: Sequence[Document]
) -> list[Reference]:
    """Every explicit reference in ``passages``, resolved, in passage then text order.

    Parameters
    ----------
    passages
        Passages of any documents listed in ``documents`` (French and Japanese).
    editions, documents
        The manifest's editions and documents; ordinals and cities resolve through them.

    Returns
    -------
    list[Reference]
        Deterministic for the same input. References to editions without text
        have ``status == "edition_without_text"`` and no targets; ordinals the
        manifest does not know have ``status == "unknown_edition"``.

    Raises
    ------
    ReferenceError
        When two editions share a city, which would make a city form ambiguous.
    """
    cities = [e.city.lower() for e in editions]
    if len(cities) != len(set(cities)):
        raise ReferenceError("two [[edition]] entries share a city: references by city would be ambiguous")
    by_number = {e.number: e for e in editions}
    docs_of: dict[int, tuple[str, ...]] = {}
    for doc in documents:
        docs_of[doc.edition] = (*docs_of.get(doc.edition, ()), doc.id)
    own = {doc.id: doc.edition for doc in documents}
    out: list[Reference] = []
    for p in passages:
        if p.doc_id not in own:
            raise ReferenceError(f"passage {p.passage_id} belongs to no listed document")
        found = _japanese_mentions(p.text, editions) if p.lang == "ja" else _french_mentions(p.text, editions)
        for m in _merge(found):
            edition = by_number.get(m.edition)
            targets = tuple(sorted(docs_of.get(m.edition, ())))
            status = RESOLVED if targets else (NO_TEXT if edition is not None else UNKNOWN)
            out.append(
                Reference(
                    passage_id=p.passage_id,
                    doc_id=p.doc_id,
                    lang=p.lang,
                    start=m.start,
                    end=m.end,
                    text=p.text[m.start : m.end],
                    mention_start=m.mention_start,
                    mention_end=m.mention_end,
                    edition=m.edition,
                    relation=_relation(m.edition, own[p.doc_id]),
                    status=status,
                    targets=targets,
                    label=_label(edition, m.edition, p.lang),
                )
            )
    return out
