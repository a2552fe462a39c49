"""A small bar chart of hits per declaration, drawn on the server as SVG.

Only numbers and geometry are computed here; the template draws the SVG, so
every label goes through Jinja's autoescaping like the rest of the page.
"""

from __future__ import annotations

from dataclasses import dataclass

WIDTH = 252
ROW_HEIGHT = 40
LABEL_HEIGHT = 18


@dataclass(frozen=True)
class Bar:
    doc_id: str
    label: str
    lang: str
    count: int
    y: int  # top of the row
    width: float  # bar length in viewBox units; a hit always shows as at least a sliver

    @property
    def bar_y(self) -> int:
        return self.y + LABEL_HEIGHT + 4

    @property
    def text_y(self) -> int:
        return self.y + LABEL_HEIGHT - 4


@dataclass(frozen=True)
class Chart:
    bars: tuple[Bar, ...]
    width: int
    height: int
    max_bar: int

    @property
    def empty(self) -> bool:
        return not any(bar.count for bar in self.bars)


def hits_chart(counts: dict[str, int], documents: list[tuple[str, str, str]], count_room: int = 36) -> Chart:
    """Bars for every document, in corpus order, scaled to the largest count.

    Parameters
    ----------
    counts
        Hits by document id (the ``doc_id`` facet of a search response).
    documents
        ``(doc_id, label, lang)`` for every document of the corpus, so a
        declaration with no hit shows an empty bar rather than vanishing.
    count_room
        Width kept to the right of the longest bar for its number.
    """
    top = max(counts.values(), default=0)
    max_bar = WIDTH - count_room
    bars = []
    for i, (doc_id, label, lang) in enumerate(documents):
        n = counts.get(doc_id, 0)
        width = 0.0 if not n else max(3.0, max_bar * n / top)
        bars.append(Bar(doc_id, label, lang, n, i * ROW_HEIGHT, round(width, 1)))
    return Chart(tuple(bars), WIDTH, max(ROW_HEIGHT, len(bars) * ROW_HEIGHT), max_bar)
