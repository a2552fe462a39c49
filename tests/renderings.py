"""Render bundled passages into the layouts declarations arrive in (PDF, DOCX, wrapped text).

Used by the layout-invariance tests: each bundled declaration is written out
the way a user would receive it, then `jumelage add` must give the same
passages back.
"""

from __future__ import annotations

import difflib
import textwrap
from pathlib import Path

FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/share/fonts/opentype/ipafont-gothic")
LATIN_FONT = "DejaVuSans.ttf"
LATIN_BOLD = "DejaVuSans-Bold.ttf"
JAPANESE_FONT = "ipag.ttf"
# The bundled declarations the renderings are made from, by language.
FRENCH_DOCS = ("2010-kanazawa-fr", "2012-chartres-fr")
JAPANESE_DOCS = ("2010-kanazawa-ja", "2012-chartres-ja")


def font(name: str) -> Path | None:
    for folder in FONT_DIRS:
        path = Path(folder) / name
        if path.is_file():
            return path
    return None


def _cells(text: str) -> list[str]:
    return text.split(" — ", 1)


def render_pdf(passages, path: Path, *, japanese: bool = False) -> Path:
    """A4 PDF: bold larger title and headings, justified paragraphs with space after, bullets, 2-column table rows."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=20)
    regular = font(JAPANESE_FONT if japanese else LATIN_FONT)
    bold = font(JAPANESE_FONT if japanese else LATIN_BOLD)
    pdf.add_font("body", "", str(regular))
    pdf.add_font("body", "B", str(bold))
    pdf.set_footer = None
    pdf.add_page()
    page_width = pdf.w - pdf.l_margin - pdf.r_margin
    for p in passages:
        if p.kind == "title":
            pdf.set_font("body", "B", 15)
            pdf.multi_cell(0, 8, p.text, align="C", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(4)
        elif p.kind in ("heading", "caption"):
            pdf.set_font("body", "B", 12)
            pdf.ln(2)
            pdf.multi_cell(0, 7, p.text, align="L", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
        elif p.kind in ("table_row", "table_header"):
            pdf.set_font("body", "B" if p.kind == "table_header" else "", 8)
            cells = _cells(p.text)
            pdf.cell(85, 5, cells[0], new_x="RIGHT", new_y="TOP")
            pdf.multi_cell(
                page_width - 85, 5, cells[1] if len(cells) > 1 else "", align="L", new_x="LMARGIN", new_y="NEXT"
            )
        elif p.kind == "list_item":
            pdf.set_font("body", "", 11)
            pdf.multi_cell(0, 6, f"• {p.text}", align="J", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
        else:
            pdf.set_font("body", "", 11)
            pdf.multi_cell(0, 6, p.text, align="J", new_x="LMARGIN", new_y="NEXT")
            pdf.ln(3)
    pdf.output(str(path))
    return path


def render_docx(passages, path: Path) -> Path:
    """Word document: Title and Heading styles, List Bullet items, tables for table rows."""
    import docx

    document = docx.Document()
    table = None
    for p in passages:
        if p.kind in ("table_row", "table_header"):
            if table is None:
                table = document.add_table(rows=0, cols=2)
            cells = table.add_row().cells
            values = [*_cells(p.text), ""][: len(cells)]
            for cell, value in zip(cells, values, strict=True):
                cell.text = value
            continue
        table = None
        if p.kind == "title":
            document.add_heading(p.text, level=0)
        elif p.kind in ("heading", "caption"):
            document.add_heading(p.text, level=1 if p.kind == "heading" else 2)
        elif p.kind == "list_item":
            document.add_paragraph(p.text, style="List Bullet")
        else:
            document.add_paragraph(p.text)
    document.save(str(path))
    return path


def render_wrapped(passages, width: int = 80) -> str:
    """Plain text wrapped at ``width`` columns, one newline between paragraphs, ``- `` items, tab tables."""
    lines: list[str] = []
    for p in passages:
        if p.kind in ("table_row", "table_header"):
            lines.append("\t".join(_cells(p.text)))
        elif p.kind == "list_item":
            lines.extend(textwrap.wrap(p.text, width, initial_indent="- ", subsequent_indent="  "))
        else:
            lines.extend(textwrap.wrap(p.text, width))
    return "\n".join(lines) + "\n"


def render_japanese_wrapped(passages, width: int = 40) -> str:
    """Japanese text cut every ``width`` characters, no blank lines, ・ items, tab tables."""
    lines: list[str] = []
    for p in passages:
        if p.kind in ("table_row", "table_header"):
            lines.append("\t".join(_cells(p.text)))
            continue
        text = f"・{p.text}" if p.kind == "list_item" else p.text
        lines.extend(text[i : i + width] for i in range(0, len(text), width))
    return "\n".join(lines) + "\n"


def normalised(text: str) -> str:
    return " ".join(text.split())


def agreement(expected: list[str], got: list[str]) -> float:
    """Share of passages reproduced with identical (whitespace-normalised) text, in order.

    Matched passages are counted by difflib over the two sequences and divided
    by the longer one, so both a lost and an invented split count against it.
    """
    a, b = [normalised(t) for t in expected], [normalised(t) for t in got]
    matched = sum(block.size for block in difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks())
    return matched / max(len(a), len(b), 1)


def render_html(passages) -> str:
    """An HTML page: navigation and footer around a <main> with h1/h2, p, ul/li and a table."""
    from html import escape

    body: list[str] = ["<nav><a href='/'>Accueil</a> | <a href='/contact'>Contact</a></nav>", "<main>"]
    open_list = open_table = False
    for p in passages:
        if open_list and p.kind != "list_item":
            body.append("</ul>")
            open_list = False
        if open_table and p.kind not in ("table_row", "table_header"):
            body.append("</table>")
            open_table = False
        text = escape(p.text)
        if p.kind == "title":
            body.append(f"<h1>{text}</h1>")
        elif p.kind in ("heading", "caption"):
            body.append(f"<h2>{text}</h2>")
        elif p.kind == "list_item":
            body.append(("" if open_list else "<ul>") + f"<li>{text}</li>")
            open_list = True
        elif p.kind in ("table_row", "table_header"):
            cells = "".join(f"<td>{escape(c)}</td>" for c in _cells(p.text))
            body.append(("" if open_table else "<table>") + f"<tr>{cells}</tr>")
            open_table = True
        else:
            body.append(f"<p>{text}</p>")
    body += ["</ul>" if open_list else "", "</table>" if open_table else "", "</main>", "<footer>© 2012</footer>"]
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>t</title></head><body>"
        + "\n".join(body)
        + "</body></html>"
    )


def render_markdown(passages) -> str:
    """Markdown: # title, ## headings, * items, pipe tables, blank lines between paragraphs."""
    out: list[str] = []
    previous = None
    for p in passages:
        if p.kind in ("table_row", "table_header"):
            if previous not in ("table_row", "table_header"):
                out.append("")
            out.append("| " + " | ".join(_cells(p.text)) + " |")
            if p.kind == "table_header":
                out.append("|---|---|")
        elif p.kind == "list_item":
            if previous != "list_item":
                out.append("")
            out.append(f"* {p.text}")
        elif p.kind == "title":
            out += ["", f"# {p.text}"]
        elif p.kind in ("heading", "caption"):
            out += ["", f"## {p.text}"]
        else:
            out += ["", p.text]
        previous = p.kind
    return "\n".join(out).lstrip("\n") + "\n"
