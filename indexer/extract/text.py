"""Plain text and Markdown: decoding (BOM, CRLF, legacy encodings) and Markdown markup.

UTF-8 is the only encoding accepted silently: a file in another encoding is
refused with the name of the encoding charset-normalizer finds, so that the
user confirms it with ``--encoding`` instead of getting mojibake indexed.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from indexer.extract.errors import ExtractError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Control characters other than tab, newline and form feed (page break) are extraction debris.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def normalize_newlines(text: str) -> str:
    """CRLF and lone CR become LF; U+2028/2029 too; other control characters go."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n\n")
    return _CONTROL.sub("", text)


_FRENCH_NON_ASCII = set("àâäçéèêëîïôöùûüÿœæÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸŒÆ«»’‘“”–—…€°\u00a0")


def _guess(data: bytes) -> str | None:
    """The likely encoding: cp1252 when that decodes to French letters only, else charset-normalizer's guess.

    On short French texts charset-normalizer hesitates between the Windows code
    pages (``Déclaration … réunis`` came out as cp1250); cp1252 is what French
    Windows software writes.
    """
    try:
        decoded = data.decode("cp1252")
    except UnicodeDecodeError:
        decoded = None
    if decoded is not None and all(c.isascii() or c in _FRENCH_NON_ASCII for c in decoded):
        return "cp1252"
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    return best.encoding if best is not None else None


def check_encoding(encoding: str, path: Path) -> None:
    """Refuse a name that is not a text encoding Python knows (``bogus``; ``base64`` is a codec, not one).

    Checked for every format before anything else, so that ``--encoding bogus``
    is an error even where the BOM or the file's own charset would have won.

    Raises
    ------
    ExtractError
        Naming the value and an example of a good one.
    """
    try:
        codecs.lookup(encoding)
        b"a".decode(encoding)  # LookupError for bytes-to-bytes codecs (base64, zlib, rot13); b"" is let through
    except UnicodeDecodeError:  # a real text encoding that one byte does not complete (utf-16)
        pass
    except LookupError:
        raise ExtractError(
            f"unknown encoding {encoding!r} for {path}: use a Python codec name such as cp1252 or shift_jis"
        ) from None


def decode_text(data: bytes, path: Path, encoding: str | None = None) -> str:
    """Decode a text file: a BOM wins, then ``encoding``, then strict UTF-8.

    Raises
    ------
    ExtractError
        When the bytes are not UTF-8 (the message names the likely encoding and
        the ``--encoding`` option), or not in the encoding given.
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return normalize_newlines(data.decode(codec, errors="strict"))
    if encoding:
        check_encoding(encoding, path)
        try:
            return normalize_newlines(data.decode(encoding))
        except UnicodeDecodeError as err:
            raise ExtractError(
                f"{path} is not valid {encoding} (byte {err.start}); check the --encoding value"
            ) from None
    try:
        return normalize_newlines(data.decode("utf-8"))
    except UnicodeDecodeError as err:
        guess = _guess(data)
        if guess and guess.replace("_", "").lower() not in ("utf8", "ascii"):
            hint = f"looks like {guess}; save it as UTF-8 or pass --encoding {guess}"
        else:
            hint = "save it as UTF-8 or pass --encoding NAME"
        raise ExtractError(
            f"{path} is not UTF-8 (byte 0x{data[err.start]:02x} at offset {err.start}; {hint})"
        ) from None


_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_MD_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|_|`)(?=\S)(.+?)(?<=\S)\1")
_MD_BULLET = re.compile(r"^(\s*)[*+]\s+")
_MD_RULE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
_MD_QUOTE = re.compile(r"^\s{0,3}>\s?")
_MD_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


def _md_line(line: str) -> str:
    line = _MD_QUOTE.sub("", line)
    line = _MD_BULLET.sub(r"\1- ", line)
    if line.strip().startswith("|") and line.strip().endswith("|"):
        line = "\t".join(cell.strip() for cell in line.strip().strip("|").split("|"))
    line = _MD_LINK.sub(r"\1", line)
    return _MD_EMPHASIS.sub(r"\2", line)


def markdown_text(text: str) -> str:
    """Markdown to the stored plain shape: headings as their own block, ``*``/``+`` bullets as ``- ``, tables tab-separated.

    Markdown already separates paragraphs by blank lines; only the markup goes.
    """
    out: list[str] = []
    for line in text.split("\n"):
        heading = _MD_HEADING.match(line)
        if heading:
            out.extend(["", heading.group(1), ""])
        elif _MD_RULE.match(line) or _MD_TABLE_SEP.match(line):
            out.append("")
        elif _MD_SETEXT.match(line) and out and out[-1].strip():
            out.append("")  # the line above was a heading
        else:
            out.append(_md_line(line))
    joined = "\n".join(out)
    return re.sub(r"\n{3,}", "\n\n", joined).strip("\n") + "\n"
