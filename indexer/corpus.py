"""The corpus manifest (``corpus/declarations.toml``) and the texts it lists."""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path

from indexer.errors import JumelageError

DEFAULT_CORPUS_DIR = Path("corpus")
MANIFEST_NAME = "declarations.toml"
ALIGNMENT_SUFFIX = ".align.tsv"  # automatic links of a translation, beside its text (indexer.auto_alignment)
LANGS = ("fr", "ja")
STATUSES = ("official", "参考訳")
# What a user may type for the working-translation status (the manifest stores 参考訳).
STATUS_ALIASES = {
    "official": "official",
    "参考訳": "参考訳",
    "working-translation": "参考訳",
    "working_translation": "参考訳",
}

_DOCUMENT_KEYS = ("id", "title", "edition", "city", "country", "date", "lang", "path", "status")


class CorpusError(JumelageError, ValueError):
    """The corpus manifest or one of its texts is unusable; the message says how to fix it."""


@dataclass(frozen=True)
class Edition:
    number: int
    city: str
    country: str
    year: int
    dates: str
    label_fr: str
    label_ja: str


@dataclass(frozen=True)
class Document:
    id: str
    title: str
    edition: int
    city: str
    country: str
    date: str
    lang: str
    path: str
    status: str
    translation_of: str | None = None
    source_format: str | None = None  # what `jumelage add` read: pdf, docx, html, txt, md
    source_sha256: str | None = None  # sha256 of that original file

    @property
    def is_translation(self) -> bool:
        return self.translation_of is not None

    def to_json(self) -> dict:
        return {
            "doc_id": self.id,
            "title": self.title,
            "edition": self.edition,
            "city": self.city,
            "country": self.country,
            "date": self.date,
            "lang": self.lang,
            "status": self.status,
            "translation_of": self.translation_of,
        }


@dataclass(frozen=True)
class Corpus:
    root: Path
    editions: tuple[Edition, ...]
    documents: tuple[Document, ...]

    def document(self, doc_id: str) -> Document:
        for doc in self.documents:
            if doc.id == doc_id:
                return doc
        raise CorpusError(f"unknown document id {doc_id!r}; known: {', '.join(d.id for d in self.documents)}")

    def edition(self, number: int) -> Edition | None:
        return next((e for e in self.editions if e.number == number), None)

    def alignment_path(self, doc: Document) -> Path:
        """Where the automatic links of translation ``doc`` live: ``ja/x.txt`` → ``ja/x.align.tsv``."""
        path = self.root / doc.path
        return path.with_name(path.stem + ALIGNMENT_SUFFIX)

    def read_text(self, doc: Document) -> str:
        """The text of ``doc``; :class:`CorpusError` naming the file when it is missing or not UTF-8."""
        path = self.root / doc.path
        try:
            return path.read_text(encoding="utf-8")
        except UnicodeDecodeError as err:
            raise CorpusError(
                f"{path} (document {doc.id}) is not UTF-8 text (byte {err.start}): save it as UTF-8"
            ) from None
        except OSError as err:
            raise CorpusError(
                f"cannot read {path} (document {doc.id}): {err.strerror or err}; fix its path in {MANIFEST_NAME}"
            ) from None

    def checksum(self) -> str:
        """sha256 over the manifest and every listed text: changes when anything indexed changes."""
        digest = hashlib.sha256()
        digest.update((self.root / MANIFEST_NAME).read_bytes())
        for doc in sorted(self.documents, key=lambda d: d.id):
            digest.update(doc.id.encode())
            digest.update((self.root / doc.path).read_bytes())
            links = self.alignment_path(doc)
            if doc.translation_of is not None and links.is_file():  # the links are indexed data too
                digest.update(links.read_bytes())
        return digest.hexdigest()


def _edition(entry: dict, where: str) -> Edition:
    try:
        return Edition(
            number=int(entry["number"]),
            city=str(entry["city"]),
            country=str(entry["country"]),
            year=int(entry["year"]),
            dates=str(entry.get("dates", entry["year"])),
            label_fr=str(entry.get("label_fr", entry["city"])),
            label_ja=str(entry.get("label_ja", entry["city"])),
        )
    except KeyError as missing:
        raise CorpusError(f"{where}: [[edition]] lacks the key {missing}") from None


def _document(entry: dict, where: str) -> Document:
    missing = [key for key in _DOCUMENT_KEYS if key not in entry]
    if missing:
        raise CorpusError(f"{where}: [[document]] {entry.get('id', '?')!r} lacks {', '.join(missing)}")
    return Document(
        id=str(entry["id"]),
        title=str(entry["title"]),
        edition=int(entry["edition"]),
        city=str(entry["city"]),
        country=str(entry["country"]),
        date=str(entry["date"]),
        lang=str(entry["lang"]),
        path=str(entry["path"]),
        status=str(entry["status"]),
        translation_of=entry.get("translation_of"),
        source_format=entry.get("source_format"),
        source_sha256=entry.get("source_sha256"),
    )


def _validate(corpus: Corpus, where: str) -> None:
    ids = [doc.id for doc in corpus.documents]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise CorpusError(f"{where}: duplicate document id(s) {', '.join(duplicates)}")
    numbers = [e.number for e in corpus.editions]
    if len(numbers) != len(set(numbers)):
        raise CorpusError(f"{where}: two [[edition]] entries share a number")
    for doc in corpus.documents:
        if doc.lang not in LANGS:
            raise CorpusError(f"{where}: document {doc.id!r} has lang {doc.lang!r}; use one of {', '.join(LANGS)}")
        if doc.status not in STATUSES:
            raise CorpusError(
                f"{where}: document {doc.id!r} has status {doc.status!r}; use one of {', '.join(STATUSES)}"
            )
        if corpus.edition(doc.edition) is None:
            raise CorpusError(
                f"{where}: document {doc.id!r} refers to edition {doc.edition}, which no [[edition]] lists"
            )
        if not (corpus.root / doc.path).is_file():
            raise CorpusError(f"{where}: document {doc.id!r}: text file {doc.path} does not exist")
        if doc.translation_of is not None:
            if doc.translation_of not in ids:
                raise CorpusError(
                    f"{where}: document {doc.id!r} is a translation of unknown document {doc.translation_of!r}"
                )
            if doc.translation_of == doc.id:
                raise CorpusError(f"{where}: document {doc.id!r} names itself as translation_of")


def load_corpus(root: Path | str = DEFAULT_CORPUS_DIR) -> Corpus:
    """Read and validate ``declarations.toml`` under ``root``.

    Raises
    ------
    CorpusError
        With a one-line message naming the file and what is wrong in it.
    """
    root = Path(root)
    manifest = root / MANIFEST_NAME
    if not manifest.is_file():
        raise CorpusError(
            f"no corpus manifest at {manifest}: pass --corpus DIR pointing at a folder with {MANIFEST_NAME}"
        )
    try:
        data = tomllib.loads(manifest.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise CorpusError(f"{manifest} is not valid TOML: {err}") from None
    corpus = Corpus(
        root=root,
        editions=tuple(_edition(e, str(manifest)) for e in data.get("edition", [])),
        documents=tuple(_document(d, str(manifest)) for d in data.get("document", [])),
    )
    if not corpus.documents:
        raise CorpusError(f"{manifest} lists no [[document]]")
    _validate(corpus, str(manifest))
    return corpus
