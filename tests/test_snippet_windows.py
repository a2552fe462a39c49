"""Snippets end at a word boundary, and the translation beside a result is cut the same way (issue 16)."""

from __future__ import annotations

import re

from search.highlight import SNIPPET_CHARS, SNIPPET_CHARS_JA, make_snippet, trimmed, whole_text, word_end


def _mid_word(text: str, end: int) -> bool:
    return 0 < end < len(text) and text[end - 1].isalnum() and text[end].isalnum()


def test_no_french_snippet_ends_inside_a_word(keyword_service):
    """Every French passage longer than a snippet, marked anywhere: the window never cuts a word."""
    passages = [p for p in keyword_service.index.store.passages if p.lang == "fr" and len(p.text) > SNIPPET_CHARS]
    assert passages, "the bundled corpus has French passages longer than a snippet"
    cut = 0
    for p in passages:
        for where in (0, len(p.text) // 2, len(p.text) - 5):
            s = make_snippet(p.text, [(where, where + 3)])
            assert not _mid_word(p.text, s.end), (p.passage_id, p.text[s.end - 15 : s.end + 15])
            cut += s.end < len(p.text)
    assert cut > 0  # some windows were cut, so the check above bit


def test_a_run_without_spaces_is_cut_after_a_comma():
    text = "日本とフランスの自治体は、文化、観光、防災の分野で協力し" * 10
    end = word_end(text, 0, SNIPPET_CHARS_JA)
    assert text[end - 1] == "、" and SNIPPET_CHARS_JA // 2 < end <= SNIPPET_CHARS_JA


def test_a_single_long_word_keeps_the_length_cut():
    assert word_end("x" * 500, 0, 320) == 320


def test_a_translation_is_trimmed_around_its_marks():
    text = "長い文。" * 100  # 400 characters, sentences of 4
    snippet = trimmed(whole_text(text, [(300, 302)]), "ja")
    assert snippet.end - snippet.start <= SNIPPET_CHARS_JA
    assert snippet.start <= 300 < snippet.end and snippet.leading_ellipsis and snippet.trailing_ellipsis
    assert trimmed(whole_text("court", []), "fr").end == len("court")


def test_results_page_shows_the_translation_trimmed_not_whole(client, keyword_service):
    """A long French result's Japanese translation: at most the Japanese window, with "…" where cut."""
    html = client.get("/", params={"q": "coopération", "mode": "keyword", "lang": "fr", "per": 50}).text
    shown = re.findall(r'<div class="translation-text" lang="ja">(.*?)</div>', html, re.S)
    assert shown
    texts = [re.sub(r"<[^>]+>", "", s).strip() for s in shown]
    assert max(len(t.strip("… ")) for t in texts) <= SNIPPET_CHARS_JA
    longest = max(len(p.text) for p in keyword_service.index.store.passages if p.lang == "ja")
    assert longest > SNIPPET_CHARS_JA and any(t.endswith("…") for t in texts)
