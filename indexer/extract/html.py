"""HTML pages through lxml: block elements become blocks, navigation and scripts are dropped.

lxml (already a python-docx dependency) parses any real-world HTML; trafilatura
would add a boilerplate remover the declarations (single-article pages) do not
need. When the page has a ``<main>`` or ``<article>``, only that is read.
"""

from __future__ import annotations

import re
from pathlib import Path

from indexer.extract.errors import ExtractError

_DROP = ("script", "style", "noscript", "nav", "header", "footer", "aside", "form", "template", "head")
_BLOCK = {
    "p",
    "div",
    "section",
    "article",
    "main",
    "blockquote",
    "pre",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "dt",
    "dd",
    "tr",
    "table",
    "ul",
    "ol",
    "dl",
    "figcaption",
    "address",
    "body",
    "center",
}
_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?([A-Za-z0-9_-]+)", re.IGNORECASE)


def _decode(data: bytes, path: Path, encoding: str | None) -> str:
    from indexer.extract.text import decode_text

    if encoding is None:
        declared = _CHARSET.search(data[:4096])
        if declared and declared.group(1).lower().replace(b"-", b"") not in (b"utf8",):
            encoding = declared.group(1).decode("ascii")
    return decode_text(data, path, encoding)


def _inline_text(element) -> str:
    return " ".join("".join(element.itertext()).split())


def _walk(element, out: list[str]) -> None:
    tag = element.tag if isinstance(element.tag, str) else ""
    if tag in _DROP:
        return
    if tag == "table":
        rows = []
        for row in element.iter("tr"):
            cells = [_inline_text(c) for c in row if isinstance(c.tag, str) and c.tag in ("td", "th")]
            if any(cells):
                rows.append("\t".join(cells))
        if rows:
            out.append("\n".join(rows))
        return
    if tag == "li":
        text = _inline_text(element)
        if text:
            out.append(f"- {text}")
        return
    if tag in ("p", "h1", "h2", "h3", "h4", "h5", "h6", "dt", "dd", "figcaption", "pre") or (
        tag in _BLOCK and not any(isinstance(c.tag, str) and c.tag in _BLOCK for c in element)
    ):
        text = _inline_text(element)
        if text:
            out.append(text)
        return
    if element.text and element.text.strip() and tag:
        out.append(" ".join(element.text.split()))
    for child in element:
        _walk(child, out)
        if child.tail and child.tail.strip():
            out.append(" ".join(child.tail.split()))


def html_text(data: bytes, path: Path, encoding: str | None = None) -> str:
    """The readable text of an HTML page, one block per paragraph, heading, list item or table row."""
    import lxml.html

    text = _decode(data, path, encoding)
    try:
        root = lxml.html.document_fromstring(text)
    except (ValueError, lxml.etree.ParserError) as err:
        raise ExtractError(f"{path} is not readable HTML ({err}); check the file") from None
    for br in root.iter("br"):
        br.tail = " " + (br.tail or "")
    main = root.find(".//main")
    if main is None:
        main = root.find(".//article")
    blocks: list[str] = []
    _walk(main if main is not None else root, blocks)
    return "\n\n".join(blocks) + "\n"
