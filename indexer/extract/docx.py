"""Word (.docx) documents through python-docx: paragraph styles say what is a heading or a list item.

The body is read in document order (paragraphs and tables interleaved). A
paragraph whose style is a heading or the title becomes its own block; a
paragraph with list numbering (``w:numPr``, directly or through its style) or
a "List …" style becomes a ``- `` item; a table row becomes one line of
tab-separated cells. Each paragraph is one block: Word has no line wraps to
undo. Soft line breaks inside a paragraph (``w:br``) become spaces.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

from indexer.extract.errors import ExtractError

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _check_container(data: bytes, path: Path) -> None:
    if not zipfile.is_zipfile(io.BytesIO(data)):
        if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
            raise ExtractError(
                f"{path} is an old Word .doc file renamed .docx; save it as .docx from Word or LibreOffice"
            )
        raise ExtractError(
            f"{path} is not a Word document (a .docx is a zip archive; this is not one, or it is truncated)"
        )
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        if "word/document.xml" not in archive.namelist():
            raise ExtractError(
                f"{path} is a zip archive but not a Word document (no word/document.xml); check the file"
            )


def _is_list(paragraph) -> bool:
    ppr = paragraph._p.pPr
    if ppr is not None and ppr.numPr is not None:
        return True
    style = paragraph.style
    while style is not None:
        name = (style.name or "").lower()
        if name.startswith("list") or "bullet" in name:
            return True
        spr = style.element.pPr
        if spr is not None and spr.numPr is not None:
            return True
        style = style.base_style
    return False


def _is_heading(paragraph) -> bool:
    name = (paragraph.style.name or "").lower() if paragraph.style is not None else ""
    return name.startswith("heading") or name in ("title", "subtitle")


def _paragraph_text(paragraph) -> str:
    return " ".join(paragraph.text.replace("\t", " ").split())


def _blocks(document) -> Iterator[str]:
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    for child in document.element.body.iterchildren():
        if child.tag == f"{_W}p":
            paragraph = Paragraph(child, document)
            text = _paragraph_text(paragraph)
            if not text:
                continue
            yield f"- {text}" if _is_list(paragraph) and not _is_heading(paragraph) else text
        elif child.tag == f"{_W}tbl":
            rows = []
            for row in Table(child, document).rows:
                cells: list[str] = []
                for cell in row.cells:
                    value = " ".join(cell.text.split())
                    if not cells or value != cells[-1]:  # merged cells repeat their text
                        cells.append(value)
                if any(cells):
                    rows.append("\t".join(cells))
            if rows:
                yield "\n".join(rows)


def docx_text(data: bytes, path: Path) -> str:
    """The body text of a .docx, one block per paragraph, blank lines between blocks.

    Raises
    ------
    ExtractError
        For a file that is not a zip, a zip that is not a Word document, or a damaged one.
    """
    _check_container(data, path)
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as err:  # noqa: BLE001 - python-docx raises KeyError, ValueError, lxml errors… on damaged parts
        raise ExtractError(
            f"{path} is a damaged Word document ({err.__class__.__name__}); re-save it from Word"
        ) from None
    return "\n\n".join(_blocks(document)) + "\n"
