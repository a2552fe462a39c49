"""PDF text through pdfplumber, with the page geometry deciding paragraphs.

pdfplumber (MIT, over pdfminer.six) gives every word with its box and font;
that is what tells paragraphs apart when the text alone cannot: a vertical gap
larger than the line spacing, a change of font size or weight, a first-line
indent, a bullet, or a line that stops short although the next word would
have fitted. Lines repeated at the top or bottom of most pages (running
headers and footers, digits ignored) and page numbers are dropped. Words far
apart on one line are table cells and are separated by a tab.

The stored text has one paragraph per line and a blank line between
paragraphs (table rows of one table on consecutive lines), the shape the
normalizer reads as its *paragraph* layout. PyMuPDF would be faster but is
AGPL; pypdfium2 gives characters but no words or fonts in its Python API.
"""

from __future__ import annotations

import io
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

from indexer.extract.errors import ExtractError
from indexer.extract.lines import is_cjk, join_lines, vocabulary
from indexer.normalize import ends_sentence_before_capital, is_list_start, prefers_break

_PAGE_NUMBER = re.compile(r"^(?:page\s*)?[-–—(]?\s*\d{1,4}\s*(?:/\s*\d{1,4}|sur\s+\d{1,4})?\s*[-–—)]?$", re.IGNORECASE)
_DIGITS = re.compile(r"\d+")
_MARGIN_ZONE = 0.12  # top and bottom share of the page where running headers and footers live
_CELL_GAP_EM = 2.0  # a horizontal gap wider than this many font sizes separates table cells


@dataclass
class _Line:
    page: int
    words: list[dict] = field(default_factory=list)
    continued: list[str] = field(default_factory=list)  # wrapped continuation of the last table cell
    continued_bottom: float = 0.0

    @property
    def x0(self) -> float:
        return self.words[0]["x0"]

    @property
    def x1(self) -> float:
        return self.words[-1]["x1"]

    @property
    def top(self) -> float:
        return min(w["top"] for w in self.words)

    @property
    def bottom(self) -> float:
        return max(w["bottom"] for w in self.words)

    @property
    def size(self) -> float:
        return statistics.median(float(w.get("size", 10.0)) for w in self.words)

    @property
    def bold(self) -> bool:
        flags = [("bold" in str(w.get("fontname", "")).lower()) for w in self.words]
        return sum(flags) > len(flags) / 2

    @property
    def text(self) -> str:
        out = ""
        previous = None
        for word in self.words:
            if previous is None:
                out = word["text"]
            else:
                gap = word["x0"] - previous["x1"]
                if gap > _CELL_GAP_EM * max(self.size, 1.0):
                    out += "\t" + word["text"]
                elif gap < 0.1 * max(self.size, 1.0) and (
                    word["text"][:1].isalpha() and previous["text"][-1:].isalnum()
                ):
                    out += word["text"]  # superscript or kerning split: « 3ème »
                else:
                    out += " " + word["text"]
            previous = word
        return " ".join([out, *self.continued])

    @property
    def last_cell_x0(self) -> float:
        x0 = self.words[0]["x0"]
        for before, word in pairwise(self.words):
            if word["x0"] - before["x1"] > _CELL_GAP_EM * max(self.size, 1.0):
                x0 = word["x0"]
        return x0

    @property
    def first_word_width(self) -> float:
        return self.words[0]["x1"] - self.words[0]["x0"]


def _open(data: bytes, path: Path):
    import pdfplumber

    if not data.lstrip()[:5] == b"%PDF-":
        raise ExtractError(f"{path} is not a PDF (it does not start with %PDF-); check the file or its extension")
    if b"%%EOF" not in data[-2048:]:
        raise ExtractError(f"{path} is a truncated PDF (no %%EOF at its end); get a complete copy")
    try:
        return pdfplumber.open(io.BytesIO(data))
    except Exception as err:  # noqa: BLE001 - pdfminer raises unrelated types (PDFSyntaxError, KeyError, struct.error…) on damage
        raise _damaged(path, err) from None


def _damaged(path: Path, err: Exception) -> ExtractError:
    name = err.__class__.__name__
    inner = " ".join(type(x).__name__ for x in (*err.args, err.__context__) if x is not None)
    if any(word in f"{name} {inner}" for word in ("Password", "Encrypt")):
        return ExtractError(f"{path} is an encrypted PDF; save an unprotected copy and add that")
    return ExtractError(f"{path} is a damaged or truncated PDF ({name}); get a complete copy")


def _page_lines(page, number: int) -> list[_Line]:
    words = page.extract_words(extra_attrs=["size", "fontname"], keep_blank_chars=False, use_text_flow=False)
    lines: list[_Line] = []
    for word in sorted(words, key=lambda w: (round(w["top"], 1), w["x0"])):
        centre = (word["top"] + word["bottom"]) / 2
        line = next((ln for ln in reversed(lines[-3:]) if ln.top - 0.5 <= centre <= ln.bottom + 0.5), None)
        if line is None:
            lines.append(_Line(number, [word]))
        else:
            line.words.append(word)
    for line in lines:
        line.words.sort(key=lambda w: w["x0"])
    return sorted(lines, key=lambda ln: ln.top)


def _running_lines(pages: list[list[_Line]], heights: list[float]) -> set[int]:
    """ids of lines that are page numbers or repeated headers/footers."""
    drop: set[int] = set()
    keyed: Counter[str] = Counter()
    zone_lines: list[tuple[str, _Line]] = []
    for lines, height in zip(pages, heights, strict=True):
        for line in lines[:2] + lines[-2:]:
            in_zone = line.top < _MARGIN_ZONE * height or line.bottom > (1 - _MARGIN_ZONE) * height
            if not in_zone:
                continue
            if _PAGE_NUMBER.match(line.text.strip()):
                drop.add(id(line))
                continue
            key = _DIGITS.sub("#", " ".join(line.text.split()).lower())
            zone_lines.append((key, line))
    for text_key, _page in {(k, ln.page) for k, ln in zone_lines}:
        keyed[text_key] += 1  # pages on which the line occurs
    if len(pages) >= 2:
        for key, line in zone_lines:
            if keyed[key] >= max(2, -(-3 * len(pages) // 5)):  # on at least 60 % of the pages
                drop.add(id(line))
    return drop


def _merge_cell_continuations(lines: list[_Line], left: float) -> list[_Line]:
    """A table cell wrapped onto a line of its own (starting under the cell, not at the margin) joins its row."""
    out: list[_Line] = []
    for line in lines:
        row = out[-1] if out else None
        if (
            row is not None
            and "\t" in row.text
            and "\t" not in line.text
            and row.page == line.page
            and line.x0 > left + 2 * line.size
            and abs(line.x0 - row.last_cell_x0) < line.size
            and line.top - max(row.bottom, row.continued_bottom) < 1.2 * line.size
        ):
            row.continued.append(line.text)
            row.continued_bottom = line.bottom
            continue
        out.append(line)
    return out


def _breaks(a: _Line, b: _Line, leading: float, right: float, left: float) -> bool | None:
    """True when line ``b`` starts a new block after line ``a``; None when only the text can tell.

    None: ``a`` is full and ends a sentence, ``b`` starts one, nothing in the
    geometry (no gap, same font, no indent) separates them.
    """
    a_text, b_text = a.text, b.text
    if "\t" in a_text or "\t" in b_text:
        return True
    if is_list_start(b_text):
        return True
    if abs(a.size - b.size) > 0.8 or a.bold != b.bold:
        return True
    if a.page == b.page and (b.top - a.bottom) > leading + 0.45 * a.size:
        return True
    a_bullet = is_list_start(a_text)
    if b.x0 > a.x0 + 0.9 * a.size and not a_bullet and a.x0 <= left + 0.9 * a.size:
        return True  # a first-line indent
    if a_text.endswith("-") and b_text[:1].islower():
        return False
    space = 0.28 * a.size
    if a.x1 + space + b.first_word_width < right - 0.5 * a.size:
        return True  # the next word would have fitted
    return None if ends_sentence_before_capital(a_text, b_text) else False


def _cut(lines: list[_Line], cuts: list[bool]) -> list[list[_Line]]:
    """Blocks of ``lines``, a new one before ``lines[i + 1]`` wherever ``cuts[i]``."""
    blocks: list[list[_Line]] = [[lines[0]]]
    for line, cut in zip(lines[1:], cuts, strict=True):
        if cut:
            blocks.append([line])
        else:
            blocks[-1].append(line)
    return blocks


def _leading(lines: list[_Line]) -> float:
    gaps = [b.top - a.bottom for a, b in pairwise(lines) if a.page == b.page and abs(a.size - b.size) < 0.5]
    gaps = [g for g in gaps if g >= 0]
    return statistics.median(gaps) if gaps else 2.0


def pdf_text(data: bytes, path: Path) -> str:
    """The text of a PDF, one paragraph per line, blank lines between paragraphs.

    Raises
    ------
    ExtractError
        For a file that is not a PDF, a damaged or truncated one, an encrypted
        one, or one with no text layer (scanned images).
    """
    pdf = _open(data, path)
    try:
        try:
            pages = [_page_lines(page, n) for n, page in enumerate(pdf.pages)]
            heights = [float(page.height) for page in pdf.pages]
        except Exception as err:  # noqa: BLE001 - damage found while reading a page, same variety
            raise _damaged(path, err) from None
    finally:
        pdf.close()
    if not any(pages):
        raise ExtractError(f"{path} has no text layer (scanned images?); run OCR on it first, or give the text as .txt")
    drop = _running_lines(pages, heights)
    lines = [ln for page in pages for ln in page if id(ln) not in drop and ln.text.strip()]
    if not lines:
        raise ExtractError(f"{path} holds only page numbers or running headers: nothing to add")
    left = Counter(round(ln.x0) for ln in lines).most_common(1)[0][0]
    lines = _merge_cell_continuations(lines, left)
    leading = _leading(lines)
    body_right = sorted(ln.x1 for ln in lines if "\t" not in ln.text) or sorted(ln.x1 for ln in lines)
    right = body_right[int(0.98 * (len(body_right) - 1))]
    decisions = [_breaks(a, b, leading, right, left) for a, b in pairwise(lines)]
    prefer = prefers_break([[ln.text for ln in block] for block in _cut(lines, [d is True for d in decisions])])
    # An ambiguous line end breaks when the document habitually ends paragraphs at a full
    # line's sentence end, or when the next line is a paragraph on its own.
    # (Not for Japanese: any line starts like a sentence, and a paragraph's short last line would split off.)
    cuts = [
        d is True
        or (
            d is None
            and (
                prefer or (not is_cjk(lines[i + 1].text[:1]) and (i + 1 == len(decisions) or decisions[i + 1] is True))
            )
        )
        for i, d in enumerate(decisions)
    ]
    blocks = _cut(lines, cuts)
    words = vocabulary(" ".join(ln.text for ln in lines))
    out: list[str] = []
    for block in blocks:
        if all("\t" in ln.text for ln in block) and out and "\t" in out[-1].split("\n")[-1]:
            out[-1] += "\n" + "\n".join(ln.text for ln in block)  # next row of the same table
        elif all("\t" in ln.text for ln in block):
            out.append("\n".join(ln.text for ln in block))
        else:
            out.append(join_lines((ln.text for ln in block), words))
    return "\n\n".join(out) + "\n"
