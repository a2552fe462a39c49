"""Clean raw PDF extractions of the French declarations into passages.

The seeds are kept verbatim; everything here works on the text as read and
records, for each passage, the character offsets of its span in that text.

Two layouts occur and are told apart from the text itself:

* *PDF-line* layout (Kanazawa): every PDF line is followed by an empty line,
  paragraphs are separated by lines holding only spaces, a bullet lost in
  extraction leaves a line that starts with a space, page numbers stand alone.
* *Paragraph* layout (Chartres): one paragraph per line, blank lines between
  paragraphs, tab-separated table rows, ``<u>`` tags and ``3^{ème}``
  superscripts, and a page break that can cut a paragraph in two.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from indexer.passage import Kind, Lang, Passage

_MARKUP = re.compile(r"</?u>|\^\{([^}]*)\}")
_PAGE_NUMBER = re.compile(r"^\s*\d{1,3}\s*$")
_SPACES = re.compile(r"[ \u00a0]{2,}")
_DASH_BULLET = re.compile(r"^[-–•]\s+")
# What may end a line and still leave the sentence unfinished is anything else.
_CLAUSE_END = (".", ":", ";", "!", "?")
_SENTENCE_END = (".", "!", "?", "»", '"', ")")

_MAX_PDF_HEADING_WORDS = 5
_MAX_PARAGRAPH_HEADING_WORDS = 14


def strip_markup(text: str) -> str:
    """Remove ``<u>``/``</u>`` tags and unwrap ``^{…}`` superscripts (``3^{ème}`` → ``3ème``)."""
    return _MARKUP.sub(lambda m: m.group(1) or "", text)


@dataclass
class _Line:
    start: int
    raw: str

    @property
    def text(self) -> str:
        return strip_markup(self.raw).strip()

    @property
    def indented(self) -> bool:
        return self.raw[:1] in (" ", "\t")

    @property
    def span(self) -> tuple[int, int]:
        lead = len(self.raw) - len(self.raw.lstrip())
        return self.start + lead, self.start + len(self.raw.rstrip())


@dataclass
class _Unit:
    kind: str
    lines: list[_Line] = field(default_factory=list)
    colon_list: bool = False

    @property
    def last_text(self) -> str:
        return self.lines[-1].text


def _split_lines(raw: str) -> list[_Line]:
    lines, pos = [], 0
    for chunk in raw.split("\n"):
        lines.append(_Line(pos, chunk))
        pos += len(chunk) + 1
    return lines


def _is_pdf_line_layout(lines: list[_Line]) -> bool:
    """True when empty lines mark PDF line ends and space-only lines mark paragraphs."""
    if not any(line.raw and not line.raw.strip() for line in lines):
        return False
    content = [i for i, line in enumerate(lines) if line.raw.strip()]
    followed = sum(1 for i in content if i + 1 < len(lines) and lines[i + 1].raw == "")
    return followed >= 0.8 * len(content)


def _blocks(lines: list[_Line], pdf_layout: bool) -> list[list[_Line]]:
    blocks: list[list[_Line]] = [[]]
    for line in lines:
        if _PAGE_NUMBER.match(line.raw):
            continue
        separator = (line.raw and not line.raw.strip()) if pdf_layout else not line.raw.strip()
        if separator:
            blocks.append([])
        elif line.raw.strip():
            blocks[-1].append(line)
    return [b for b in blocks if b]


def _continues(previous: list[_Line], following: list[_Line]) -> bool:
    """A page break cut a paragraph: no closing punctuation, then a lowercase start."""
    last, first = previous[-1].text, following[0].text
    return (
        "\t" not in previous[-1].raw
        and not last.endswith(_CLAUSE_END + _SENTENCE_END)
        and first[:1].islower()
    )


def _merge_page_breaks(blocks: list[list[_Line]]) -> list[list[_Line]]:
    merged: list[list[_Line]] = []
    for block in blocks:
        if merged and _continues(merged[-1], block):
            merged[-1] = merged[-1] + block
        else:
            merged.append(block)
    return merged


def _is_pdf_heading(block: list[_Line]) -> bool:
    text = block[0].text
    return (
        len(text.split()) <= _MAX_PDF_HEADING_WORDS
        and not text.endswith(_CLAUSE_END + _SENTENCE_END + (",",))
        and text[:1].isupper()
    )


def _is_paragraph_heading(block: list[_Line]) -> bool:
    if len(block) != 1 or "\t" in block[0].raw:
        return False
    text = block[0].text
    body = text.rstrip(".: ")
    return (
        (text[:1].isupper() or text[:1].isdigit())
        and "," not in text
        and ". " not in body
        and len(text.split()) <= _MAX_PARAGRAPH_HEADING_WORDS
        and (text.endswith((".", ":")) or text[-1:].isalnum())
    )


def _units_of_block(block: list[_Line], pdf_layout: bool) -> list[_Unit]:
    """Cut a block into headings, paragraphs, list items and table rows."""
    units: list[_Unit] = []
    lines = block
    if (_is_pdf_heading(block) if pdf_layout else _is_paragraph_heading(block)):
        units.append(_Unit("heading", [block[0]]))
        lines = block[1:]
    table_started = False
    for line in lines:
        current = units[-1] if units else None
        if "\t" in line.raw:
            units.append(_Unit("table_row" if table_started else "table_header", [line]))
            table_started = True
            continue
        table_started = False
        if _DASH_BULLET.match(line.text):
            units.append(_Unit("list_item", [line]))
        elif pdf_layout and line.indented and (
            current is None or current.kind == "heading" or current.last_text.endswith(_CLAUSE_END)
        ):
            opens_list = current is not None and current.last_text.endswith((":", ";"))
            units.append(_Unit("list_item", [line], colon_list=opens_list))
        elif (
            current is None
            or current.kind in ("heading", "table_row", "table_header")
            or (current.kind == "list_item" and current.colon_list and current.last_text.endswith("."))
        ):
            units.append(_Unit("paragraph", [line]))
        else:
            current.lines.append(line)
    return units


def _unit_text(unit: _Unit) -> str:
    if unit.kind in ("table_row", "table_header"):
        cells = [strip_markup(c).strip() for c in unit.lines[0].raw.split("\t")]
        return " — ".join(c for c in cells if c)
    joined = ""
    for line in unit.lines:
        piece = line.text
        if joined.endswith("-") and joined[-2:-1].isalpha() and piece[:1].islower():
            joined += piece  # a word hyphenated across lines: keep the hyphen, drop the break
        else:
            joined = f"{joined} {piece}" if joined else piece
    if unit.kind == "list_item":
        joined = _DASH_BULLET.sub("", joined)
    return _SPACES.sub(" ", joined).strip()


def _clean_heading(text: str) -> str:
    return text.rstrip(" .:").strip()


class _SectionTracker:
    """Which heading a passage falls under.

    A heading directly followed by list items covers only that list: the
    Kanazawa sections (Culture, Economie, …) are bullet lists, and the plain
    paragraphs after the last one belong to the declaration as a whole.
    """

    def __init__(self) -> None:
        self.title = ""
        self.heading = ""
        self.caption = ""
        self.list_headed = False
        self.block_of_heading = -1

    def label(self) -> str:
        parts = [p for p in (self.heading or self.title, self.caption) if p]
        return " › ".join(parts)

    def enter(self, kind: str, text: str, block_no: int, next_kind: str | None) -> str:
        if kind == "title":
            self.title = self.title or _clean_heading(text)
        elif kind == "heading":
            self.heading, self.caption = _clean_heading(text), ""
            self.list_headed = next_kind == "list_item"
            self.block_of_heading = block_no
        elif kind == "caption":
            self.caption = _clean_heading(text)
        elif kind not in ("table_row", "table_header"):
            self.caption = ""
            if kind == "paragraph" and self.list_headed and block_no != self.block_of_heading:
                self.heading, self.list_headed = "", False
        return self.label()


def _classify_headings(units: list[tuple[int, _Unit]]) -> None:
    """Turn leading headings into the title and headings over tables into captions."""
    for i, (_, unit) in enumerate(units):
        if unit.kind != "heading":
            continue
        if all(u.kind in ("title", "heading") for _, u in units[: i + 1]):
            unit.kind = "title"
        elif i + 1 < len(units) and units[i + 1][1].kind == "table_header":
            unit.kind = "caption"


def normalize_french(raw: str, doc_id: str) -> list[Passage]:
    """Turn a raw French declaration into its passages, in reading order.

    Parameters
    ----------
    raw:
        The file's text exactly as stored (UTF-8 decoded, not stripped).
    doc_id:
        Document id used to build passage ids ``{doc_id}:{ordinal}``.

    Returns
    -------
    list of Passage
        Ordinals start at 0 and follow reading order; the same text always
        yields the same passages.
    """
    lines = _split_lines(raw)
    pdf_layout = _is_pdf_line_layout(lines)
    blocks = _blocks(lines, pdf_layout)
    if not pdf_layout:
        blocks = _merge_page_breaks(blocks)
    units = [(n, unit) for n, block in enumerate(blocks) for unit in _units_of_block(block, pdf_layout)]
    _classify_headings(units)

    sections = _SectionTracker()
    passages: list[Passage] = []
    for i, (block_no, unit) in enumerate(units):
        text = _unit_text(unit)
        if not text:
            continue
        next_kind = units[i + 1][1].kind if i + 1 < len(units) else None
        section = sections.enter(unit.kind, text, block_no, next_kind)
        start, end = unit.lines[0].span[0], unit.lines[-1].span[1]
        passages.append(Passage(doc_id, Lang.FR, len(passages), Kind(unit.kind), section, text, start, end))
    return passages
