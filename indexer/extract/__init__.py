"""Turn a delivered file (PDF, DOCX, HTML, TXT, Markdown) into the text stored under ``corpus/<lang>/``.

One module per format; each returns plain text in one shape the normalizer
reads: blocks (paragraphs, headings, list items) separated by a blank line,
list items starting with ``- ``, table rows with their cells separated by a
tab. Plain text and Markdown keep their own line structure (the normalizer
recovers paragraphs from it), with the BOM dropped and line ends made ``\\n``.

Every failure is an :class:`ExtractError` whose one-line message names the
file and says how to fix it; heavy libraries are imported only for their
format, so checking a text file never pays for the PDF stack.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from indexer.extract.errors import ExtractError

FORMATS = {
    ".pdf": "pdf",
    ".docx": "docx",
    ".html": "html",
    ".htm": "html",
    ".txt": "txt",
    ".text": "txt",
    ".md": "md",
    ".markdown": "md",
}

__all__ = ["FORMATS", "ExtractError", "Extracted", "detect_format", "extract"]


@dataclass(frozen=True)
class Extracted:
    """The text of one delivered file, with what identifies the original."""

    text: str
    format: str
    sha256: str
    source_name: str


def detect_format(path: Path) -> str:
    """The format named by the file's extension.

    Raises
    ------
    ExtractError
        For an extension that is not one of :data:`FORMATS` (``.doc`` gets its own hint).
    """
    suffix = path.suffix.lower()
    if suffix in FORMATS:
        return FORMATS[suffix]
    if suffix == ".doc":
        raise ExtractError(f"{path}: old Word .doc files are not read; save it as .docx (or PDF) and add that")
    known = ", ".join(sorted(set(FORMATS)))
    raise ExtractError(f"{path}: unknown format {suffix or '(no extension)'!r}; jumelage reads {known}")


_SIGNATURES = ((b"%PDF-", "pdf", ".pdf"), (b"PK\x03\x04", "docx", ".docx"), (b"\xd0\xcf\x11\xe0", "doc", ".doc"))


def _check_content_matches(data: bytes, fmt: str, path: Path) -> None:
    """A PDF or Word file under a text extension gets a clear message instead of a decoding error."""
    if fmt not in ("txt", "md", "html"):
        return
    head = data.lstrip()[:8]
    for magic, kind, suffix in _SIGNATURES:
        if head.startswith(magic):
            what = {"pdf": "a PDF", "docx": "a zip archive (a .docx?)", "doc": "an old Word .doc"}[kind]
            raise ExtractError(f"{path} is {what}, not {fmt} text; give it the {suffix} extension")


def _check_encoding_applies(encoding: str, fmt: str, path: Path) -> None:
    """An ``encoding`` must be a text encoding, and only a text format has one to override (PDF and DOCX
    carry their own): either mistake was silently ignored before, and the file added as if it were right."""
    from indexer.extract.text import check_encoding

    check_encoding(encoding, path)
    if fmt not in ("txt", "md", "html"):
        raise ExtractError(
            f"{path} is {fmt.upper()}, which records its own encoding: leave --encoding out "
            "(it applies to .txt, .md and .html files)"
        )


def extract(path: Path | str, encoding: str | None = None) -> Extracted:
    """Read ``path`` and return its text in the normalizer's shape.

    Parameters
    ----------
    path
        The delivered file.
    encoding
        For text formats (TXT, Markdown, HTML without a declared charset):
        the encoding to use instead of UTF-8 (e.g. ``cp1252``).

    Raises
    ------
    ExtractError
        Missing file, unknown format, undecodable or damaged content, no text.
    """
    path = Path(path)
    if not path.exists():
        raise ExtractError(f"{path}: no such file")
    if not path.is_file():
        raise ExtractError(f"{path}: not a regular file")
    fmt = detect_format(path)
    if encoding is not None:
        _check_encoding_applies(encoding, fmt, path)
    try:
        data = path.read_bytes()
    except OSError as err:
        raise ExtractError(f"{path}: cannot be read ({err.strerror}); check its permissions") from None
    if not data.strip():
        raise ExtractError(f"{path} is empty: nothing to add")
    _check_content_matches(data, fmt, path)
    if fmt == "pdf":
        from indexer.extract.pdf import pdf_text

        text = pdf_text(data, path)
    elif fmt == "docx":
        from indexer.extract.docx import docx_text

        text = docx_text(data, path)
    elif fmt == "html":
        from indexer.extract.html import html_text

        text = html_text(data, path, encoding)
    else:
        from indexer.extract.text import decode_text, markdown_text

        text = decode_text(data, path, encoding)
        if fmt == "md":
            text = markdown_text(text)
    if not text.strip():
        raise ExtractError(f"{path} holds no text once extracted (only whitespace or markup): nothing to add")
    return Extracted(text, fmt, hashlib.sha256(data).hexdigest(), path.name)
