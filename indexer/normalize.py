"""Turn a stored declaration text into passages, whatever its layout, with exact offsets.

The seeds are kept verbatim; everything here works on the text as read and
records, for each passage, the character offsets of its span in that text.

Three layouts are told apart from the text itself:

* *PDF-line* layout (Kanazawa): every PDF line is followed by an empty line,
  paragraphs are separated by lines holding only spaces, a bullet lost in
  extraction leaves a line that starts with a space, page numbers stand alone.
* *Paragraph* layout (Chartres): one paragraph per line, blank lines between
  paragraphs, tab-separated table rows, ``<u>`` tags and ``3^{ème}``
  superscripts, and a page break that can cut a paragraph in two. Texts
  extracted by :mod:`indexer.extract` from PDF, DOCX and HTML have this shape.
* *Wrapped* layout (text copied from a PDF or saved by a mail client): lines
  wrapped at a fixed width, paragraphs separated by a single newline. Where a
  paragraph ends is recovered line by line (:func:`_hard_break`): the next
  word would have fitted on the line, a bullet or a numbered heading starts
  the next line, an indented first line, a table row.

Running headers and footers (a line repeated next to page breaks, digits
ignored) and page numbers are skipped in every layout. Japanese lines are
joined without spaces. Passages longer than the embedding window are split
at sentence ends (:mod:`indexer.passage_length`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise

from indexer.extract.lines import is_cjk, join_lines, vocabulary
from indexer.passage import Kind, Lang, Passage
from indexer.passage_length import split_long_passages

_MARKUP = re.compile(r"</?u>|\^\{([^}]*)\}")
_PAGE_NUMBER = re.compile(
    r"^\s*(?:\d{1,3}|(?:page|p\.)\s*\d{1,4}(?:\s*(?:/|sur|of)\s*\d{1,4})?|[-–—]\s*\d{1,4}\s*[-–—]|\d{1,4}\s*/\s*\d{1,4})\s*$",
    re.IGNORECASE,
)
_SPACES = re.compile(r"[ \u00a0]{2,}")
# A bullet glyph (dropped from the passage text) …
_DASH_BULLET = re.compile(r"^(?:[-–—*](?=\s)|[•◦▪■●○►▸・①-⑳])\s*")
# … or a numbering (kept: « 1. », « I. », « A) », « 第1章 », « 一、 » are part of the text).
_NUMBERING = re.compile(
    r"^(?:\(?\d{1,2}[.)]|\(?[A-Ha-h][.)]|[IVXLC]{1,6}[.)]|第[0-9０-９一二三四五六七八九十百]+[章節条項部]"
    r"|[一二三四五六七八九十]+[、.．]|[（(][0-9０-９一二三四五六七八九十]+[)）])(?=\s|[^\x00-\x7f])\s*"
)
# What may end a line and still leave the sentence unfinished is anything else.
_CLAUSE_END = (".", ":", ";", "!", "?", "。", "！", "？", "：", "；")
_SENTENCE_END = (".", "!", "?", "»", '"', ")", "。", "！", "？", "」", "』", "）")
_FULL_STOP = (".", "!", "?", "»", "。", "！", "？", "」")
_MAX_CJK_HEADING_CHARS = 40
_MAX_STRICT_HEADING_WORDS = 6
_UNWRAPPED_WIDTH = {"fr": 150, "ja": 100}  # wider "wrapped" lines are one paragraph each

_MAX_PDF_HEADING_WORDS = 5
_MAX_PARAGRAPH_HEADING_WORDS = 14


def strip_markup(text: str) -> str:
    """Remove ``<u>``/``</u>`` tags and unwrap ``^{…}`` superscripts (``3^{ème}`` → ``3ème``)."""
    return _MARKUP.sub(lambda m: m.group(1) or "", text)


@dataclass
class _Line:
    start: int
    raw: str
    in_item: bool = False  # in a wrapped text: this line belongs to a list item (hanging indent allowed)

    @property
    def text(self) -> str:
        return strip_markup(self.raw).strip()

    @property
    def indent(self) -> int:
        body = self.raw.replace("\f", "")
        return len(body) - len(body.lstrip(" \u3000"))

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


def is_list_start(text: str) -> bool:
    """True when ``text`` opens a list item or a numbered heading (a bullet glyph or a numbering)."""
    return bool(_DASH_BULLET.match(text) or _NUMBERING.match(text))


_DIGITS = re.compile(r"\d+")
_MIN_PAGE_LINES = 12


def _running_lines(lines: list[_Line]) -> set[int]:
    """Indexes of running headers/footers: a line repeated ≥ 3 times (digits ignored) next to page breaks.

    A page break is a form feed or a page-number line; without any, a repeated
    line counts only when its number grows from one occurrence to the next
    (« Déclaration de Tours — 3 », « … — 4 »). Repeated sentences of the text
    itself (« Interventions - Collectivités japonaises : ») are neither.
    """
    breaks = [
        i for i, line in enumerate(lines) if "\f" in line.raw or (line.raw.strip() and _PAGE_NUMBER.match(line.raw))
    ]
    seen: dict[str, list[int]] = {}
    for i, line in enumerate(lines):
        text = line.text
        if text and len(text) <= 120 and not _PAGE_NUMBER.match(line.raw):
            seen.setdefault(_DIGITS.sub("#", " ".join(text.split()).lower()), []).append(i)
    out: set[int] = set()
    for key, where in seen.items():
        if len(where) < 3:
            continue
        near = sum(1 for i in where if any(abs(i - b) <= 3 for b in breaks))
        numbers = [[int(n) for n in _DIGITS.findall(lines[i].text)] for i in where]
        growing = (
            "#" in key
            and all(b - a >= _MIN_PAGE_LINES for a, b in pairwise(where))  # at most once a page
            and any(
                all(y[k] == x[k] + 1 for x, y in pairwise(numbers))  # a page counter
                for k in range(min(len(n) for n in numbers))
            )
        )
        if near >= 0.67 * len(where) or growing:
            out.update(where)
    return out


def _blocks(lines: list[_Line], pdf_layout: bool, skip: frozenset[int] | set[int] = frozenset()) -> list[list[_Line]]:
    blocks: list[list[_Line]] = [[]]
    for i, line in enumerate(lines):
        if _PAGE_NUMBER.match(line.raw) or i in skip:
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
    return "\t" not in previous[-1].raw and not last.endswith(_CLAUSE_END + _SENTENCE_END) and first[:1].islower()


def _merge_page_breaks(blocks: list[list[_Line]]) -> list[list[_Line]]:
    merged: list[list[_Line]] = []
    for block in blocks:
        if merged and _continues(merged[-1], block):
            merged[-1] = merged[-1] + block
        else:
            merged.append(block)
    return merged


def _is_wrapped_layout(lines: list[_Line]) -> bool:
    """Single newlines between paragraphs: hardly any blank line among many text lines."""
    content = sum(1 for line in lines if line.raw.strip())
    blank = sum(1 for line in lines if not line.raw.strip()) - (1 if lines and not lines[-1].raw else 0)
    return content >= 3 and blank < 0.2 * content


def _wrap_width(lines: list[_Line]) -> int:
    """The width the text was wrapped at: the longest line, or the second longest when one sticks out."""
    lengths = sorted(
        (len(line.raw.rstrip()) for line in lines if line.raw.strip() and "\t" not in line.raw), reverse=True
    )
    if not lengths:
        return 0
    if len(lengths) >= 20 and lengths[0] > 1.15 * lengths[1]:
        return lengths[1]
    return lengths[0]


def _next_token(previous: str, line: str) -> str:
    """What a wrapper would have had to fit on the previous line: a word, or one Japanese character."""
    body = line.strip()
    if is_cjk(body[:1]) and previous and is_cjk(previous[-1:]):
        return body[:1]
    return body.split()[0] if body else ""


def _hard_break(
    a: _Line, b: _Line, width: int, unwrapped: bool, c: _Line | None = None, prefer_break: bool = False
) -> bool:
    """True when line ``b`` starts a new paragraph after line ``a`` in a wrapped text."""
    a_text, b_text = a.text, b.text
    if "\t" in a.raw or "\t" in b.raw or is_list_start(b_text):
        return True
    if a_text.endswith("-") and a_text[-2:-1].isalpha() and b_text[:1].islower():
        return False  # a word cut or a compound broken at the line end
    if unwrapped:
        return True
    a_item = is_list_start(a_text)
    if _hanging(a) and b.indent > 0 and b.indent >= a.indent and not a_text.endswith(_FULL_STOP):
        return False  # the indented continuation of a list item
    if b.indent > a.indent and not a_item and not (a.indent == 0 and b.indent <= 4 and _hanging(a)):
        return True  # an indented first line
    if b.indent < a.indent and not a_item and a.indent > 0 and b.indent == 0 and not _hanging(a):
        return True
    token = _next_token(a.raw.rstrip(), b.raw)
    gap = 0 if (is_cjk(a_text[-1:]) and is_cjk(b_text[:1])) else 1
    if len(a.raw.rstrip()) + gap + len(token) <= width:
        return True  # the next word would have fitted
    # A full line: the wrapper decided nothing. A sentence end followed by a capitalised
    # line that is a paragraph on its own (« Fait le 13 mai 2010 à Kanazawa, Japon. ») is
    # taken as a paragraph end; followed by a longer paragraph it is ambiguous and decided
    # by the document's own habit (prefer_break, see _prefers_break).
    if ends_sentence_before_capital(a_text, b_text) and (
        prefer_break
        or (not is_cjk(b_text[:1]) and not a.in_item and (c is None or _hard_break(b, c, width, unwrapped)))
    ):
        return True
    return a_text.endswith((*_SENTENCE_END, ":")) and _looks_like_heading(b_text)


def _looks_like_heading(text: str) -> bool:
    """A short capitalised line without closing punctuation (or ending with a colon): a heading or a caption."""
    if is_cjk(text[:1]):
        return len(text) <= 25 and not text.endswith(("。", "、"))
    words = text.split()
    return (
        0 < len(words) <= 8
        and (text[:1].isupper() or text[:1].isdigit())
        and (text[-1:].isalnum() or text.endswith(":"))
        and "," not in text
    )


def _hanging(line: _Line) -> bool:
    return line.in_item


_INNER_SENTENCE_END = re.compile(r"[.!?»][\s\u00a0]+[A-ZÀ-Ý«\"“]|[。！？](?=.)")


def _prefers_break(blocks: list[list[_Line]]) -> bool:
    """Does this document end paragraphs more often than it ends sentences inside them?

    A sentence that ends exactly at a full line is either a paragraph end whose last
    line happens to be full, or a sentence end inside a paragraph that happens to
    fall at a line end. For greedy wrapping both chances are about one in a line's
    word count, so the likelier reading is the one the document uses more often:
    paragraph ends at a sentence end (counted on the clear breaks) against sentence
    ends inside paragraphs (counted inside lines).
    """
    return prefers_break([[line.text for line in b] for b in blocks if "\t" not in b[0].raw])


def prefers_break(blocks: list[list[str]]) -> bool:
    """:func:`_prefers_break` on blocks given as their line texts (also used by the PDF extractor)."""
    prose = [b for b in blocks if b and not is_list_start(b[0])]
    paragraph_ends = sum(1 for b in prose if b[-1].endswith(_FULL_STOP))
    # Sentence ends inside list items count too: a paragraph wrongly joined to the item
    # before it in the first pass still shows how long this document's paragraphs run.
    inner = sum(len(_INNER_SENTENCE_END.findall(line)) for b in blocks for line in b)
    return paragraph_ends > inner


def ends_sentence_before_capital(previous: str, following: str) -> bool:
    """A line ending a sentence, and one starting a new one: a paragraph end the wrapping cannot show."""
    return previous.endswith(_FULL_STOP) and (
        following[:1].isupper() or following[:1] in '«"“' or is_cjk(following[:1])
    )


def _wrapped_blocks(lines: list[_Line], lang: str, skip: set[int]) -> list[list[_Line]]:
    """Paragraph blocks of a wrapped text, from the line-level signals of :func:`_hard_break`."""
    kept = [line for i, line in enumerate(lines) if i not in skip and not _PAGE_NUMBER.match(line.raw)]
    width = _wrap_width(kept)
    unwrapped = width > _UNWRAPPED_WIDTH.get(lang, 150)
    first = _wrapped_pass(kept, width, unwrapped, prefer_break=False)
    return _wrapped_pass(kept, width, unwrapped, prefer_break=True) if _prefers_break(first) else first


def _wrapped_pass(kept: list[_Line], width: int, unwrapped: bool, prefer_break: bool) -> list[list[_Line]]:
    blocks: list[list[_Line]] = [[]]
    previous: _Line | None = None
    for n, line in enumerate(kept):
        if not line.raw.replace("\f", "").strip():
            blocks.append([])
            previous = None
            continue
        following = kept[n + 1] if n + 1 < len(kept) and kept[n + 1].raw.strip() else None
        if previous is not None and _hard_break(previous, line, width, unwrapped, following, prefer_break):
            blocks.append([])
        in_item = is_list_start(line.text) or (bool(blocks[-1]) and _hanging(blocks[-1][-1]))
        line.in_item = in_item
        blocks[-1].append(line)
        previous = line
    return [b for b in blocks if b]


def _is_pdf_heading(block: list[_Line]) -> bool:
    text = block[0].text
    return (
        len(text.split()) <= _MAX_PDF_HEADING_WORDS
        and not text.endswith(_CLAUSE_END + _SENTENCE_END + (",",))
        and text[:1].isupper()
    )


def _is_paragraph_heading(block: list[_Line], strict: bool = False) -> bool:
    """A one-line block that reads as a heading.

    ``strict`` (wrapped texts, where every short line is its own block): a line
    ending with a full stop is a heading only when it has at most
    :data:`_MAX_STRICT_HEADING_WORDS` words (« Innovations culturelles. »), not a
    short sentence (« Nous favoriserons les circuits communs entre nos régions. »).
    """
    if strict and block and block[0].text.endswith(".") and len(block[0].text.split()) > _MAX_STRICT_HEADING_WORDS:
        return False
    if len(block) != 1 or "\t" in block[0].raw:
        return False
    text = block[0].text
    if _DASH_BULLET.match(text):
        return False
    if is_cjk(text[:1]) or (_NUMBERING.match(text) and is_cjk(_NUMBERING.sub("", text)[:1])):
        return (
            len(text) <= _MAX_CJK_HEADING_CHARS
            and not text.endswith(("。", "、", "，", ",", "」", "）", ")"))
            and "。" not in text
        )
    numbered = _NUMBERING.match(text)
    if numbered:
        text = text[numbered.end() :] or text
    body = text.rstrip(".: ")
    return (
        (text[:1].isupper() or text[:1].isdigit())
        and "," not in text
        and ". " not in body
        and len(text.split()) <= _MAX_PARAGRAPH_HEADING_WORDS
        and (text.endswith((".", ":", "：")) or text[-1:].isalnum())
    )


def _units_of_block(block: list[_Line], pdf_layout: bool, strict: bool = False) -> list[_Unit]:
    """Cut a block into headings, paragraphs, list items and table rows."""
    units: list[_Unit] = []
    lines = block
    if _is_pdf_heading(block) if pdf_layout else _is_paragraph_heading(block, strict):
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
        if is_list_start(line.text):
            units.append(_Unit("list_item", [line]))
        elif (
            pdf_layout
            and line.indented
            and (current is None or current.kind == "heading" or current.last_text.endswith(_CLAUSE_END))
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


def _unit_text(unit: _Unit, words: set[str] | None = None, lang: str = "fr") -> str:
    if unit.kind in ("table_row", "table_header"):
        cells = [strip_markup(c).strip() for c in unit.lines[0].raw.split("\t")]
        return " — ".join(c for c in cells if c)
    # Lines join with a space, or none around Japanese; a hyphen at a line end is kept
    # (compounds: franco-japonaise) unless the document spells the word whole elsewhere.
    joined = join_lines((line.text for line in unit.lines), words, lang)
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


def detect_layout(raw: str) -> str:
    """``"pdf-line"``, ``"paragraph"`` or ``"wrapped"`` (see the module docstring)."""
    lines = _split_lines(raw)
    if _is_pdf_line_layout(lines):
        return "pdf-line"
    return "wrapped" if _is_wrapped_layout(lines) else "paragraph"


def normalize_document(raw: str, doc_id: str, lang: str = "fr") -> list[Passage]:
    """Turn a stored declaration text into its passages, in reading order.

    Parameters
    ----------
    raw:
        The file's text exactly as stored (UTF-8 decoded, not stripped).
    doc_id:
        Document id used to build passage ids ``{doc_id}:{ordinal}``.
    lang:
        ``"fr"`` or ``"ja"``: the passages' language (Japanese lines join without spaces).

    Returns
    -------
    list of Passage
        Ordinals start at 0 and follow reading order; the same text always
        yields the same passages; none is longer than the embedding window.
    """
    lines = _split_lines(raw)
    layout = detect_layout(raw)
    skip = _running_lines(lines)
    pdf_layout = layout == "pdf-line"
    if layout == "wrapped":
        blocks = _wrapped_blocks(lines, lang, skip)
    else:
        blocks = _blocks(lines, pdf_layout, skip)
        if not pdf_layout:
            blocks = _merge_page_breaks(blocks)
    units = [
        (n, unit) for n, block in enumerate(blocks) for unit in _units_of_block(block, pdf_layout, layout == "wrapped")
    ]
    _classify_headings(units)

    words = vocabulary(strip_markup(raw))
    sections = _SectionTracker()
    passages: list[Passage] = []
    for i, (block_no, unit) in enumerate(units):
        text = _unit_text(unit, words, lang)
        if not text:
            continue
        next_kind = units[i + 1][1].kind if i + 1 < len(units) else None
        section = sections.enter(unit.kind, text, block_no, next_kind)
        start, end = unit.lines[0].span[0], unit.lines[-1].span[1]
        passages.append(Passage(doc_id, Lang(lang), len(passages), Kind(unit.kind), section, text, start, end))
    return split_long_passages(passages, raw)


def normalize_french(raw: str, doc_id: str) -> list[Passage]:
    """The passages of a French text (:func:`normalize_document` with ``lang="fr"``)."""
    return normalize_document(raw, doc_id, "fr")
