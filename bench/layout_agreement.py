"""Layout invariance of `jumelage add`: render each bundled declaration, add it back, compare passages.

Run from the repository root::

    python -m bench.layout_agreement            # the table of docs/design.md
    python -m bench.layout_agreement --widths   # wrapped text at 60–100 columns

Agreement = passages reproduced with identical (whitespace-normalised) text,
matched in order by difflib, divided by the longer of the two lists.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from indexer.corpus import load_corpus
from indexer.corpus_passages import build_passages
from indexer.extract import extract
from indexer.extract.html import html_text
from indexer.extract.text import markdown_text
from indexer.normalize import normalize_document
from tests.renderings import (
    FRENCH_DOCS,
    JAPANESE_DOCS,
    agreement,
    render_docx,
    render_html,
    render_japanese_wrapped,
    render_markdown,
    render_pdf,
    render_wrapped,
)


def _score(file: Path, lang: str, expected) -> float:
    got = normalize_document(extract(file).text, "x", lang)
    return agreement([p.text for p in expected], [p.text for p in got])


def _texts_score(stored: str, expected) -> float:
    got = normalize_document(stored, "x", "fr")
    return agreement([p.text for p in expected], [p.text for p in got])


def table(corpus_dir: Path) -> list[tuple[str, str, float]]:
    passages = build_passages(load_corpus(corpus_dir))
    rows = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        for doc in FRENCH_DOCS:
            mine = [p for p in passages if p.doc_id == doc]
            text = render_wrapped(mine, 80)
            (tmp / "a.txt").write_text(text, encoding="utf-8")
            (tmp / "b.txt").write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
            rows += [
                (doc, "pdf", _score(render_pdf(mine, tmp / "a.pdf"), "fr", mine)),
                (doc, "docx", _score(render_docx(mine, tmp / "a.docx"), "fr", mine)),
                (doc, "html", _texts_score(html_text(render_html(mine).encode(), tmp / "a.html"), mine)),
                (doc, "markdown", _texts_score(markdown_text(render_markdown(mine)), mine)),
                (doc, "txt-80", _score(tmp / "a.txt", "fr", mine)),
                (doc, "crlf-bom-80", _score(tmp / "b.txt", "fr", mine)),
            ]
        for doc in JAPANESE_DOCS:
            mine = [p for p in passages if p.doc_id == doc]
            (tmp / "j.txt").write_text(render_japanese_wrapped(mine, 40), encoding="utf-8")
            rows += [
                (doc, "ja-40", _score(tmp / "j.txt", "ja", mine)),
                (doc, "pdf", _score(render_pdf(mine, tmp / "j.pdf", japanese=True), "ja", mine)),
            ]
    return rows


def widths(corpus_dir: Path) -> list[tuple[int, list[float]]]:
    passages = build_passages(load_corpus(corpus_dir))
    out = []
    for width in (60, 66, 72, 76, 80, 85, 90, 100):
        scores = []
        for doc in FRENCH_DOCS:
            mine = [p for p in passages if p.doc_id == doc]
            got = normalize_document(render_wrapped(mine, width), "x", "fr")
            scores.append(agreement([p.text for p in mine], [p.text for p in got]))
        for doc in JAPANESE_DOCS:
            mine = [p for p in passages if p.doc_id == doc]
            got = normalize_document(render_japanese_wrapped(mine, width // 2), "x", "ja")
            scores.append(agreement([p.text for p in mine], [p.text for p in got]))
        out.append((width, scores))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default="corpus")
    parser.add_argument("--widths", action="store_true", help="wrapped text at several widths instead")
    args = parser.parse_args()
    if args.widths:
        print("width  " + "  ".join(FRENCH_DOCS + JAPANESE_DOCS))
        for width, scores in widths(Path(args.corpus)):
            print(f"{width:5d}  " + "  ".join(f"{s:6.1%}" for s in scores))
        return
    for doc, rendering, score in table(Path(args.corpus)):
        print(f"{doc:18s} {rendering:12s} {score:6.1%}")


if __name__ == "__main__":
    main()
