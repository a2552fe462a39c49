"""Typed values and results: Lang/Kind, highlight spans, and the formatters at each edge."""

from __future__ import annotations

import html
import json

import pytest

from indexer.passage import Kind, Lang, Passage
from search.highlight import Mark, MarkKind, Snippet, bracket_format, html_format, make_snippet
from search.request import make_request

TRICKY = '  L\'<b>accord</b> & « le "jumelage" » : 防災。Deuxième phrase, bien plus longue que la première.  '


def test_passage_turns_strings_into_lang_and_kind_and_serialises_as_before():
    p = Passage("2012-chartres-fr", "fr", 3, "heading", "", "Titre", 0, 5)
    assert p.lang is Lang.FR and p.kind is Kind.HEADING
    assert p.to_json()["lang"] == "fr" and json.dumps(p.to_json())  # plain strings in JSON
    assert p.lang == "fr" and p.lang.other is Lang.JA and Lang.JA.other is Lang.FR
    with pytest.raises(ValueError):
        Passage("d", "en", 0, "paragraph", "", "x", 0, 1)


def test_every_kind_is_in_exactly_the_groups_it_belongs_to():
    structural = {k for k in Kind if k.is_structural}
    assert structural == {Kind.TITLE, Kind.HEADING, Kind.CAPTION, Kind.TABLE_HEADER}
    assert {k for k in Kind if k.opens_section} == structural - {Kind.TABLE_HEADER}
    assert {k for k in Kind if k.is_prose} == {Kind.PARAGRAPH, Kind.LIST_ITEM}
    assert not any(k.is_prose and k.is_structural for k in Kind)


def test_the_analyzer_of_a_language():
    assert Lang.analyzer_of("ja") is Lang.JA and Lang.analyzer_of("fr") is Lang.FR
    assert Lang.analyzer_of("xx") is Lang.FR


def test_html_formatter_escapes_everything_but_its_marks():
    start = TRICKY.index("accord")
    s = make_snippet(TRICKY, [(start, start + 6)])
    out = html_format(s)
    assert out.startswith('L\'&lt;b&gt;<mark>accord</mark>&lt;/b&gt; &amp; « le "jumelage" »')
    assert out.endswith("la première.")  # the window's outer whitespace is dropped, no ellipsis
    sem = make_snippet(TRICKY, [(start, start + 6)], MarkKind.SEMANTIC)
    assert '<mark class="sem">accord</mark>' in html_format(sem)


def test_bracket_formatter_is_plain_text_for_a_terminal():
    start = TRICKY.index("防災")
    assert "[防災]" in bracket_format(make_snippet(TRICKY, [(start, start + 2)]))
    assert "{防災}" in bracket_format(make_snippet(TRICKY, [(start, start + 2)], MarkKind.SEMANTIC))
    assert "<b>accord</b> & «" in bracket_format(make_snippet(TRICKY, []))  # nothing escaped


def test_a_window_inside_the_text_gets_ellipses_and_clips_its_marks():
    text = "un deux trois quatre cinq six"
    s = Snippet(text, 3, 13, (Mark(0, 7), Mark(14, 20)))  # "deux trois", marks "un deux" and "quatre"
    assert html_format(s) == "… <mark>deux</mark> trois …"
    assert s.marked and not Snippet(text, 8, 13, (Mark(0, 7),)).marked  # "trois": no mark inside


def _render_macro(snippet: Snippet) -> str:
    from web.templating import templates

    template = templates.env.from_string('{% from "_macros.html" import snippet %}{{ snippet(s) }}')
    return template.render(s=snippet)


@pytest.mark.parametrize("kind", list(MarkKind))
def test_the_page_macro_renders_the_same_marks_as_the_api(kind):
    for spans in ([], [(2, 4)], [(TRICKY.index("accord"), TRICKY.index("accord") + 6), (TRICKY.index("防災"), 70)]):
        s = make_snippet(TRICKY, spans, kind, max_chars=60)
        page = _render_macro(s)
        # Jinja also escapes quotes (&#39; &#34;); the API keeps them; the text and the marks are the same.
        assert html.unescape(page) == html.unescape(html_format(s))
        assert page.replace("&#39;", "'").replace("&#34;", '"') == html_format(s)


def test_api_results_carry_the_spans_that_snippet_html_marks(keyword_service):
    response = keyword_service.search(make_request("coopération décentralisée", mode="keyword", limit=5))
    assert response["results"]
    for r in response["results"]:
        marks = r["snippet"]["marks"]
        assert marks and all(m["kind"] == "keyword" for m in marks)
        shown = [
            r["text"][m["start"] : m["end"]]
            for m in marks
            if r["snippet"]["start"] <= m["start"] and m["end"] <= r["snippet"]["end"]
        ]
        marked_in_html = [html.unescape(x) for x in _marked(r["snippet_html"])]
        assert shown == marked_in_html


def _marked(snippet_html: str) -> list[str]:
    import re

    return re.findall(r"<mark(?: class=\"sem\")?>(.*?)</mark>", snippet_html)


def test_typed_response_and_json_agree(keyword_service):
    req = make_request("séisme", mode="keyword")
    typed = keyword_service.run(req)
    assert typed.total == 2 and [h.passage_id for h in typed.hits] == [
        r["passage_id"] for r in typed.to_json()["results"]
    ]
    assert all(isinstance(h.snippet, Snippet) for h in typed.hits)
