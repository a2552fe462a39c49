"""Result pages: which page we are on, and which page links to offer."""

from __future__ import annotations

from dataclasses import dataclass

from search.request import InvalidInput, parse_int

PAGE_SIZE = 10
PAGE_SIZES = (10, 20, 50)  # the "results per page" choices of the search page
MAX_PAGE = 10_000  # beyond it the offset would pass search's own bound


@dataclass(frozen=True)
class Paging:
    page: int
    pages: int
    total: int
    size: int = PAGE_SIZE

    @property
    def first(self) -> int:
        """1-based number of the first result on this page."""
        return (self.page - 1) * self.size + 1

    @property
    def last(self) -> int:
        return min(self.total, self.page * self.size)

    @property
    def past_end(self) -> bool:
        """A page after the last one of a search that has results (``?page=50`` of 5): it shows none.

        The page says so and links to the last page, rather than "no passage matches".
        """
        return self.total > 0 and self.page > self.pages

    @property
    def previous(self) -> int:
        """The page the "previous" link goes to: from past the end, the last page."""
        return min(self.page - 1, self.pages)

    @property
    def window(self) -> list[int | None]:
        """Page numbers to link, ``None`` for a gap: 1 … 4 5 [6] 7 8 … 20."""
        wanted = {1, self.pages, *range(self.page - 2, self.page + 3)}
        numbers = sorted(n for n in wanted if 1 <= n <= self.pages)
        out: list[int | None] = []
        for n in numbers:
            if out and n - (out[-1] or 0) > 1:
                out.append(None)
            out.append(n)
        return out


def parse_page(raw: str | None) -> int:
    """The ``page`` parameter as a number from 1 to MAX_PAGE.

    Raises
    ------
    BadRequest
        When it is not a whole number in range.
    """
    return parse_int(raw, "page", 1, 1, MAX_PAGE)


def paging(page: int, total: int, size: int = PAGE_SIZE) -> Paging:
    """Paging for ``total`` results; a page past the end keeps its number (see :attr:`Paging.past_end`)."""
    return Paging(page, max(1, -(-total // size)), total, size)


def parse_page_size(raw: str | None) -> int:
    """The ``per`` parameter: one of PAGE_SIZES (absent: PAGE_SIZE).

    Raises
    ------
    BadRequest
        When it is not one of the offered sizes.
    """
    value = parse_int(raw, "per", PAGE_SIZE, 1, max(PAGE_SIZES))
    if value not in PAGE_SIZES:
        allowed = ", ".join(map(str, PAGE_SIZES))
        raise InvalidInput(
            "unknown_choice", f"per must be one of {allowed}, got {value}", name="per", value=value, allowed=allowed
        )
    return value
