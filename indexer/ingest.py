"""Adding a delivered declaration to the corpus, and removing one: every check first, then the writes.

:func:`plan_addition` reads and checks everything that needs no model (file,
format, encoding, text, passages, language, id, translation, edition) and
changes nothing; :func:`apply_addition` then stores the text under
``corpus/<lang>/<id>.txt`` and appends the manifest entry, and
:func:`undo_addition` puts both back if a later step (the index) fails.

The original file is not copied into the corpus: the manifest records its
format, name and sha256 (``source_format``, ``source_name``,
``source_sha256``). The corpus stays plain text that diffs and reviews well,
a 2 MB PDF is not duplicated into every clone, and the sha256 still proves
which original a stored text came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from indexer.corpus import (
    LANGS,
    MANIFEST_NAME,
    STATUS_ALIASES,
    Corpus,
    CorpusError,
    load_corpus,
)
from indexer.corpus_edit import append_document, remove_document
from indexer.extract import extract
from indexer.language import language_mismatch
from indexer.normalize import normalize_document
from indexer.passage import Passage
from indexer.references import edition_in_text

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$")
_DATE = re.compile(r"^(\d{4})(?:-(0[1-9]|1[0-2])(?:-(0[1-9]|[12]\d|3[01]))?)?$")
_ORDINAL_FR = {
    1: "premières",
    2: "deuxièmes",
    3: "troisièmes",
    4: "quatrièmes",
    5: "cinquièmes",
    6: "sixièmes",
    7: "septièmes",
    8: "huitièmes",
    9: "neuvièmes",
    10: "dixièmes",
}
_OPENING_PASSAGES = 6
_MONTHS_FR = {
    m: i
    for i, names in enumerate(
        (
            ("janvier",),
            ("février", "fevrier"),
            ("mars",),
            ("avril",),
            ("mai",),
            ("juin",),
            ("juillet",),
            ("août", "aout"),
            ("septembre",),
            ("octobre",),
            ("novembre",),
            ("décembre", "decembre"),
        ),
        start=1,
    )
    for m in names
}
# The signing line: "Fait à Chartres, le 30 août 2012" / "Fait le 13 mai 2010, à Kanazawa" /
# "2012年8月30日、シャルトル（フランス）にて作成". Only that line: a declaration cites other dates
# (earlier meetings, "11 mars 2011") that are not its own.
_SIGNED_FR = re.compile(
    r"^\s*fait\b[^\n]{0,80}?\ble\s+(1er|\d{1,2})\s+(" + "|".join(_MONTHS_FR) + r")\s+(\d{4})", re.IGNORECASE
)
_SIGNED_JA = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日[^\n]{0,40}?(?:作成|署名|採択)")


class IngestError(CorpusError):
    """A document cannot be added or removed; the message says why and how to fix it."""


@dataclass(frozen=True)
class Addition:
    """Everything ``add`` will write, decided before anything is written."""

    root: Path
    entry: dict
    new_edition: dict | None
    text: str
    passages: list[Passage] = field(repr=False)

    @property
    def text_path(self) -> Path:
        return self.root / self.entry["path"]


def _check_id(corpus: Corpus, doc_id: str, lang: str) -> str:
    if not _ID.match(doc_id):
        raise IngestError(
            f"bad --id {doc_id!r}: use letters, digits, dots, underscores and hyphens, e.g. 2016-tours-{lang}"
        )
    if any(d.id == doc_id for d in corpus.documents):
        raise IngestError(
            f"document id {doc_id!r} is already in {corpus.root / MANIFEST_NAME}; choose another --id "
            f"or run `jumelage remove {doc_id}` first"
        )
    path = f"{lang}/{doc_id}.txt"
    if (corpus.root / path).exists():
        raise IngestError(
            f"{corpus.root / path} already exists although no document lists it; move it away or choose another --id"
        )
    return path


def _check_translation(corpus: Corpus, translation_of: str | None, lang: str) -> None:
    if translation_of is None:
        return
    known = {d.id: d for d in corpus.documents}
    if translation_of not in known:
        raise IngestError(
            f"--translation-of {translation_of!r} is not a document of {corpus.root / MANIFEST_NAME}; "
            f"known: {', '.join(sorted(known))}"
        )
    if known[translation_of].lang == lang:
        raise IngestError(
            f"--translation-of {translation_of!r} is also in {lang}: a translation is in the other language"
        )


def _status(status: str | None, translation_of: str | None) -> str:
    if status is None:
        return "参考訳" if translation_of else "official"
    if status not in STATUS_ALIASES:
        raise IngestError(f"bad --status {status!r}: use official or working-translation")
    return STATUS_ALIASES[status]


def signed_date(passages: list[Passage], lang: str) -> str | None:
    """The date of the declaration's signing line (``YYYY-MM-DD``), or ``None`` when it has none.

    ``add`` takes it as the document's date when ``--date`` is not given (it used the edition's
    first day: 2010-05-12 for a declaration "Fait le 13 mai 2010"). The last signing line wins.
    """
    found: str | None = None
    for passage in passages:
        for line in passage.text.splitlines():
            match = (_SIGNED_FR if lang == "fr" else _SIGNED_JA).search(line)
            if not match:
                continue
            if lang == "fr":
                day = 1 if match.group(1) == "1er" else int(match.group(1))
                month, year = _MONTHS_FR[match.group(2).lower()], int(match.group(3))
            else:
                year, month, day = (int(g) for g in match.groups())
            if 1 <= day <= 31:
                found = f"{year:04d}-{month:02d}-{day:02d}"
    return found


def _year(date: str | None) -> int | None:
    if date is None:
        return None
    match = _DATE.match(date)
    if not match:
        raise IngestError(f"bad --date {date!r}: use YYYY-MM-DD (or YYYY-MM, YYYY)")
    return int(match.group(1))


def _edition(
    corpus: Corpus,
    number: int | None,
    passages: list[Passage],
    lang: str,
    path: Path,
    city: str | None,
    country: str | None,
    date: str | None,
) -> tuple[int, dict | None]:
    if number is None:
        number = edition_in_text([p.text for p in passages[:_OPENING_PASSAGES]], lang, corpus.editions)
        if number is None:
            raise IngestError(
                f"{path} does not say which edition it is from (no « 4èmes Rencontres » or 第4回 in its "
                "opening): pass --edition N"
            )
    if number < 1:
        raise IngestError(f"bad --edition {number}: editions are numbered from 1")
    if corpus.edition(number) is not None:
        return number, None
    year = _year(date)
    if city is None or year is None:
        known = ", ".join(f"{e.number} {e.city} {e.year}" for e in corpus.editions)
        raise IngestError(
            f"edition {number} is not in {corpus.root / MANIFEST_NAME} (known: {known}); "
            "pass --city and --date so that it can be added, or another --edition"
        )
    if any(e.city.lower() == city.lower() for e in corpus.editions):
        raise IngestError(f"--city {city} already hosts another edition in {MANIFEST_NAME}; check --edition")
    country = country or ("France" if number % 2 else "Japon")  # the Rencontres alternate, France first
    ordinal = _ORDINAL_FR.get(number, f"{number}èmes")
    return number, {
        "number": number,
        "city": city,
        "country": country,
        "year": year,
        "dates": date,
        "label_fr": f"{ordinal} Rencontres, {city} ({year})",
        "label_ja": f"第{number}回日仏自治体交流会議（{city}、{year}年）",
    }


def plan_addition(
    root: Path | str,
    file: Path | str,
    *,
    doc_id: str,
    lang: str,
    edition: int | None = None,
    title: str | None = None,
    city: str | None = None,
    country: str | None = None,
    date: str | None = None,
    translation_of: str | None = None,
    status: str | None = None,
    encoding: str | None = None,
    force_lang: bool = False,
) -> Addition:
    """Check a document to add; nothing is written.

    Raises
    ------
    IngestError, indexer.extract.ExtractError, indexer.corpus.CorpusError
        One line naming the file or option at fault and the fix.
    """
    if lang not in LANGS:
        raise IngestError(f"bad --lang {lang!r}: use one of {', '.join(LANGS)}")
    corpus = load_corpus(root)
    path = _check_id(corpus, doc_id, lang)
    _check_translation(corpus, translation_of, lang)
    doc_status = _status(status, translation_of)
    _year(date)
    extracted = extract(file, encoding)
    _check_not_added_already(corpus, extracted.sha256, file)
    passages = normalize_document(extracted.text, doc_id, lang)
    if not passages:
        raise IngestError(
            f"{file} gives no passage once cleaned (only page numbers, headers or markup?): nothing to add"
        )
    if not force_lang:
        why = language_mismatch(" ".join(p.text for p in passages), lang)
        if why:
            raise IngestError(f"{file} is declared --lang {lang} but {why}; fix --lang, or pass --force-lang")
    number, new_edition = _edition(corpus, edition, passages, lang, Path(file), city, country, date)
    known = corpus.edition(number)
    original = corpus.document(translation_of) if translation_of else None
    if original is not None and original.edition == number:  # a translation shares its original's meeting and date
        default_city, default_country, default_date = original.city, original.country, original.date
    elif known is not None:
        default_city, default_country, default_date = known.city, known.country, known.dates.split("/")[0]
    else:
        assert new_edition is not None
        default_city, default_country = str(new_edition["city"]), str(new_edition["country"])
        default_date = str(new_edition["year"])
    signed = signed_date(passages, lang)
    if signed is not None and signed[:4] == default_date[:4]:  # the text's own date, if it is the edition's year
        default_date = signed
    entry = {
        "id": doc_id,
        "title": title or next((p.text for p in passages if p.kind == "title"), passages[0].text)[:200],
        "edition": number,
        "city": city or default_city,
        "country": country or default_country,
        "date": date or default_date,
        "lang": lang,
        "path": path,
        "status": doc_status,
        "translation_of": translation_of,
        "source_format": extracted.format,
        "source_name": extracted.source_name,
        "source_sha256": extracted.sha256,
    }
    if new_edition is not None and lang == "ja":
        new_edition["label_ja"] = f"第{number}回日仏自治体交流会議（{city}、{new_edition['year']}年）"
    return Addition(Path(root), entry, new_edition, extracted.text, passages)


def apply_addition(addition: Addition) -> Corpus:
    """Store the text and append the manifest entry; returns the new corpus (checked)."""
    target = addition.text_path
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "x", encoding="utf-8", newline="") as out:  # "x": never overwrite a text
        out.write(addition.text)
    manifest = addition.root / MANIFEST_NAME
    before = manifest.read_bytes()
    try:
        append_document(addition.root, addition.entry, addition.new_edition)
        return load_corpus(addition.root)
    except BaseException:
        manifest.write_bytes(before)
        target.unlink(missing_ok=True)
        raise


def sidecar_path(text_path: Path) -> Path:
    """The automatic-alignment links stored beside a translation (``x.txt`` → ``x.align.tsv``)."""
    from indexer.corpus import ALIGNMENT_SUFFIX

    return text_path.with_name(text_path.stem + ALIGNMENT_SUFFIX)


def undo_addition(addition: Addition) -> None:
    """Take back what :func:`apply_addition` wrote, and the alignment links (after a failed index update)."""
    remove_document(addition.root, addition.entry["id"])
    addition.text_path.unlink(missing_ok=True)
    sidecar_path(addition.text_path).unlink(missing_ok=True)


@dataclass(frozen=True)
class Removal:
    root: Path
    doc_id: str
    path: Path

    @property
    def files(self) -> tuple[Path, ...]:
        """What ``remove`` deletes: the stored text and, for a translation, its alignment links."""
        return (self.path, sidecar_path(self.path))


def _check_not_added_already(corpus: Corpus, sha256: str, file: Path | str) -> None:
    """The same file added twice under two ids would give every result twice."""
    for doc in corpus.documents:
        if doc.source_sha256 == sha256:
            raise IngestError(
                f"{file} is already in the corpus as {doc.id} (same sha256): remove that one first "
                f"(`jumelage remove {doc.id}`) to add it again under another id"
            )


def plan_removal(root: Path | str, doc_id: str, *, force: bool = False) -> Removal:
    """Check that ``doc_id`` can be removed; nothing is written.

    A document that ``jumelage add`` did not bring (no ``source_sha256`` in its
    entry: a bundled or hand-written text) is removed only with ``force``: its
    text would be deleted with it, and nothing could add it back.
    """
    corpus = load_corpus(root)
    doc = corpus.document(doc_id)
    dependants = sorted(d.id for d in corpus.documents if d.translation_of == doc_id)
    if dependants:
        raise IngestError(
            f"{', '.join(dependants)} {'is a translation' if len(dependants) == 1 else 'are translations'} "
            f"of {doc_id}: remove {'it' if len(dependants) == 1 else 'them'} first"
        )
    if doc.source_sha256 is None and not force:
        raise IngestError(
            f"{doc_id} was not added by `jumelage add` (its text {doc.path} would be deleted for good): "
            "pass --force to remove it anyway"
        )
    if len(corpus.documents) == 1:
        raise IngestError(f"{doc_id} is the last document of {corpus.root / MANIFEST_NAME}; a corpus needs one")
    return Removal(Path(root), doc_id, Path(root) / doc.path)


def apply_removal(removal: Removal) -> tuple[Corpus, bytes, dict[Path, bytes]]:
    """Remove the manifest entry, the stored text and its links; returns the new corpus and what to restore."""
    manifest = removal.root / MANIFEST_NAME
    before = manifest.read_bytes()
    files = {path: path.read_bytes() for path in removal.files if path.is_file()}
    remove_document(removal.root, removal.doc_id)
    try:
        corpus = load_corpus(removal.root)
    except BaseException:
        manifest.write_bytes(before)
        raise
    for path in files:
        path.unlink(missing_ok=True)
    return corpus, before, files


def restore_removal(removal: Removal, manifest: bytes, files: dict[Path, bytes]) -> None:
    """Put back a removed document (after a failed index update)."""
    for path, data in files.items():
        path.write_bytes(data)
    (removal.root / MANIFEST_NAME).write_bytes(manifest)


__all__ = [
    "Addition",
    "IngestError",
    "Removal",
    "apply_addition",
    "apply_removal",
    "plan_addition",
    "plan_removal",
    "restore_removal",
    "undo_addition",
]
