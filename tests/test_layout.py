"""Layout recovery on synthetic layouts: wrapped lines, headers/footers, numbering, bullets, tables, Japanese, length."""

from __future__ import annotations

import re
import textwrap

from indexer.extract.html import html_text
from indexer.extract.text import decode_text, markdown_text
from indexer.normalize import detect_layout, normalize_document
from indexer.passage_length import MAX_TOKENS, TARGET_TOKENS, estimate_tokens

PARAGRAPHS = [
    (
        "Nous, les représentants de quarante collectivités territoriales françaises et japonaises, réunis à Tours "
        "pour les cinquièmes Rencontres, adoptons la déclaration suivante."
    ),
    (
        "Les échanges entre nos collectivités se sont poursuivis depuis Takamatsu et ont porté sur le développement "
        "économique, le tourisme culturel et la prévention des risques naturels, dans un esprit d'amitié."
    ),
    (
        "Nous proposons de renforcer la coopération entre nos universités, nos entreprises et nos associations, "
        "afin que les jeunes générations prennent part à ces échanges."
    ),
]


def _texts(passages):
    return [p.text for p in passages]


def _wrap(paragraphs, width=90):
    return "\n".join(line for p in paragraphs for line in textwrap.wrap(p, width)) + "\n"


def test_single_newline_paragraphs_wrapped_at_90_columns_come_apart():
    raw = _wrap(PARAGRAPHS)
    assert detect_layout(raw) == "wrapped"
    assert _texts(normalize_document(raw, "t-fr")) == PARAGRAPHS


def test_the_issue_layout_page_number_dash_items_and_numbered_headings():
    raw = (
        _wrap(["Déclaration de Tours"])
        + _wrap(PARAGRAPHS[:2])
        + "1. Industrie\n"
        + _wrap([PARAGRAPHS[2]])
        + "  3\n"
        + "- Nous soutenons les pôles de compétitivité.\n"
        + "- Nous encourageons les stages croisés d'étudiants\n  et de jeunes artisans.\n"
        + "2. Tourisme\n"
        + _wrap(["Nous favoriserons les circuits touristiques communs entre nos régions."])
    )
    passages = normalize_document(raw, "t-fr")
    by_text = {p.text: p for p in passages}
    assert by_text["1. Industrie"].kind == "heading" and by_text["2. Tourisme"].kind == "heading"
    assert "Nous encourageons les stages croisés d'étudiants et de jeunes artisans." in by_text
    assert by_text["Nous soutenons les pôles de compétitivité."].kind == "list_item"
    assert by_text["Nous soutenons les pôles de compétitivité."].section == "1. Industrie"
    assert not any(re.fullmatch(r"\d+", t) for t in by_text)
    assert len(passages) == 9


def test_running_headers_and_footers_between_pages_are_dropped():
    header = "Rencontres franco-japonaises — Tours 2016"
    pages = [_wrap([p]) for p in PARAGRAPHS]
    raw = "".join(f"{header}\n{page}Page {n} / 3\n\f" for n, page in enumerate(pages, 1))
    passages = normalize_document(raw, "t-fr")
    assert _texts(passages) == PARAGRAPHS
    assert header not in " ".join(_texts(passages))


def test_a_paragraph_cut_by_a_page_break_runs_on():
    lines = textwrap.wrap(PARAGRAPHS[1], 60)
    raw = "\n".join(lines[:2]) + "\n12\n\f" + "\n".join(lines[2:]) + "\n" + _wrap([PARAGRAPHS[2]], 60)
    assert _texts(normalize_document(raw, "t-fr")) == PARAGRAPHS[1:]


def test_hyphenation_drops_a_typesetting_hyphen_and_keeps_a_compound():
    raw = (
        "Le développement durable est notre but.\n\nNous voulons un dévelop-\npement partagé entre villes "
        "franco-\njaponaises.\n"
    )
    text = " ".join(_texts(normalize_document(raw, "t-fr")))
    assert "un développement partagé" in text
    assert "villes franco-japonaises." in text


def test_bullets_of_every_kind_become_list_items_without_their_glyph():
    items = ["• premier point", "◦ deuxième point", "– troisième point", "① quatrième point", "* cinquième point"]
    raw = "Nous retenons :\n\n" + "\n".join(items) + "\n"
    passages = normalize_document(raw, "t-fr")
    assert [(p.kind, p.text) for p in passages[1:]] == [("list_item", i.split(" ", 1)[1]) for i in items]


def test_tab_separated_rows_are_table_rows():
    raw = "Interventions :\n\nVille\tTitre\nTours\tLa gastronomie\nNancy\tL'art nouveau\n"
    passages = normalize_document(raw, "t-fr")
    assert [p.kind for p in passages] == ["title", "table_header", "table_row", "table_row"]
    assert passages[2].text == "Tours — La gastronomie"


def test_japanese_lines_join_without_spaces_and_numbered_headings():
    body = "我々は、日仏の地方自治体の間の協力を一層強化し、若者の交流と文化観光の振興に取り組むことを決意する。" * 2
    raw = (
        "第1章　経済\n"
        + "\n".join(body[i : i + 30] for i in range(0, len(body), 30))
        + "\n一、文化\n・伝統工芸の継承。\n"
    )
    passages = normalize_document(raw, "t-ja", "ja")
    assert [p.text for p in passages] == ["第1章　経済", body, "一、文化", "伝統工芸の継承。"]
    assert passages[0].kind in ("title", "heading") and passages[2].kind == "heading"
    assert passages[1].lang == "ja"


def test_offsets_point_at_each_passage_in_the_stored_text():
    raw = _wrap(PARAGRAPHS, 70) + "- un point de liste\n"
    for p in normalize_document(raw, "t-fr"):
        span = " ".join(raw[p.start : p.end].split())
        assert span.endswith(p.text) and (span == p.text or span.startswith("- "))


def test_over_long_passages_are_split_at_sentence_ends_with_exact_offsets():
    sentence = "Nous affirmons notre volonté de coopérer dans le domaine de la culture et du tourisme, {n}. "
    paragraph = "".join(sentence.format(n=n) for n in range(60))
    raw = "\n".join(textwrap.wrap(paragraph, 80)) + "\n"
    passages = normalize_document(raw, "t-fr")
    assert len(passages) > 1
    assert " ".join(_texts(passages)) == paragraph.strip()
    for p in passages:
        assert estimate_tokens(p.text) <= TARGET_TOKENS
        assert p.text.endswith(".")
        assert " ".join(raw[p.start : p.end].split()) == p.text
    assert [p.ordinal for p in passages] == list(range(len(passages)))


def test_japanese_over_long_passages_split_after_the_full_stop():
    paragraph = "我々は、地域の持続可能な開発のために協力する。" * 60
    passages = normalize_document(paragraph + "\n", "t-ja", "ja")
    assert len(passages) > 1 and "".join(_texts(passages)) == paragraph
    assert all(p.text.endswith("。") and estimate_tokens(p.text) <= MAX_TOKENS for p in passages)


def test_bom_crlf_and_cp1252_decoding(tmp_path):
    from pathlib import Path

    assert decode_text(b"\xef\xbb\xbfa\r\nb\r\n", Path("x.txt")) == "a\nb\n"
    assert decode_text("é".encode("utf-16"), Path("x.txt")) == "é"
    assert decode_text("Déclaration".encode("cp1252"), Path("x.txt"), "cp1252") == "Déclaration"


def test_html_blocks_lists_and_tables_without_navigation(tmp_path):
    from pathlib import Path

    page = (
        "<html><head><title>t</title><script>var x;</script></head><body><nav>Accueil | Contact</nav>"
        "<main><h1>Déclaration de Tours</h1><p>Nous, réunis à Tours,<br>adoptons la déclaration.</p>"
        "<ul><li>Premier engagement.</li><li>Second engagement.</li></ul>"
        "<table><tr><th>Ville</th><th>Titre</th></tr><tr><td>Tours</td><td>La gastronomie</td></tr></table>"
        "</main><footer>© 2016</footer></body></html>"
    ).encode()
    passages = normalize_document(html_text(page, Path("x.html")), "t-fr")
    assert [(p.kind, p.text) for p in passages] == [
        ("title", "Déclaration de Tours"),
        ("paragraph", "Nous, réunis à Tours, adoptons la déclaration."),
        ("list_item", "Premier engagement."),
        ("list_item", "Second engagement."),
        ("table_header", "Ville — Titre"),
        ("table_row", "Tours — La gastronomie"),
    ]


def test_markdown_markup_goes_structure_stays():
    md = "# Déclaration\n\nNous, élus, **adoptons** la [déclaration](http://x).\n\n* un point\n+ un autre\n"
    passages = normalize_document(markdown_text(md), "t-fr")
    assert [(p.kind, p.text) for p in passages] == [
        ("title", "Déclaration"),
        ("paragraph", "Nous, élus, adoptons la déclaration."),
        ("list_item", "un point"),
        ("list_item", "un autre"),
    ]


def test_html_declared_charset_is_used():
    from pathlib import Path

    page = '<html><head><meta charset="windows-1252"></head><body><p>Réunis à Tours.</p></body></html>'
    assert html_text(page.encode("cp1252"), Path("x.html")).strip() == "Réunis à Tours."
    utf8 = '<html><head><meta charset="utf-8"></head><body><p>Réunis à Tours.</p></body></html>'
    assert html_text(utf8.encode("utf-8"), Path("x.html")).strip() == "Réunis à Tours."
