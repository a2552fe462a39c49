"""Reference lines: how to cite one passage, in the interface language."""

from __future__ import annotations

from starlette.requests import Request


def permalink(request: Request, passage_id: str) -> str:
    """The absolute, stable URL of a passage's page (no query, no interface language)."""
    return str(request.url_for("passage", passage_id=passage_id))


def reference_line(ui: str, *, title: str, edition: str, city: str, date: str, ordinal: int, url: str) -> str:
    """One line citing a passage: declaration, edition, city, date, paragraph, permalink.

    French follows the usual « titre », édition, lieu, date, § n convention;
    Japanese uses 『』 for the title and 第n段落 for the paragraph, with the
    Japanese comma. ``ordinal`` is the number the passage id carries, so the
    line and the permalink name the same paragraph.
    """
    if ui == "ja":
        return f"『{title}』{edition}、{city}、{date}、第{ordinal}段落、{url}"
    return f"« {title} », {edition}, {city}, {date}, § {ordinal}, {url}"
