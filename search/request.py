"""A validated search request: every bound is checked here, at the boundary."""

from __future__ import annotations

from dataclasses import dataclass

from search.errors import BadRequest

MODES = ("hybrid", "keyword", "semantic")
FUSIONS = ("rrf", "weighted")
LANGS = ("fr", "ja")
MAX_LIMIT = 1000
MAX_OFFSET = 100_000
MAX_QUERY_CHARS = 2_000
DEFAULT_LIMIT = 10
MIN_WINDOW = 100


@dataclass(frozen=True)
class SearchRequest:
    query: str
    mode: str = "hybrid"
    lang: str | None = None
    doc: str | None = None
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    fusion: str = "rrf"
    alpha: float = 0.5
    commitments: bool = False  # only passages holding a commitment

    @property
    def window(self) -> int:
        """Candidates taken from each side: enough that paging never drops a result."""
        return max(MIN_WINDOW, self.offset + self.limit)


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("", "0", "false", "no", "off")


def parse_flag(value: object, name: str) -> bool:
    """A boolean parameter: 1/true/yes/on or 0/false/no/off (absent: false)."""
    if value is None or isinstance(value, bool):
        return bool(value)
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise BadRequest(f"{name} must be 1 or 0 (true or false), got {str(value)[:40]!r}")


def parse_int(raw: object, name: str, default: int, low: int, high: int) -> int:
    """A whole-number parameter (from a URL or the command line), ``default`` when absent or empty.

    The one integer parser of the program: search's ``limit``/``offset``, the
    result pages' ``page``, the quotation API's ``limit``.

    Raises
    ------
    BadRequest
        Naming the parameter, when it is not a whole number or not in ``[low, high]``.
    """
    if raw is None or raw == "":
        return default
    try:
        value = int(str(raw).strip())
    except ValueError:
        raise BadRequest(f"{name} must be a whole number, got {str(raw)[:40]!r}") from None
    if not low <= value <= high:
        raise BadRequest(f"{name} must be between {low} and {high}, got {value}")
    return value


def make_request(
    query: object,
    mode: object = None,
    lang: object = None,
    doc: object = None,
    limit: object = None,
    offset: object = None,
    fusion: object = None,
    alpha: object = None,
    commitments: object = None,
) -> SearchRequest:
    """Validate raw parameters (strings from a URL or the command line) into a request.

    Raises
    ------
    BadRequest
        With one line naming the parameter, what was wrong and what is allowed.
    """
    text = "" if query is None else str(query)
    if not text.strip():
        raise BadRequest("the query is empty: type one or more words, e.g. mondialisation or 防災")
    if len(text) > MAX_QUERY_CHARS:
        raise BadRequest(f"the query is {len(text)} characters long; the limit is {MAX_QUERY_CHARS}")
    mode = (str(mode).strip().lower() if mode not in (None, "") else "hybrid")
    if mode not in MODES:
        raise BadRequest(f"unknown mode {mode[:40]!r}: use one of {', '.join(MODES)}")
    lang = str(lang).strip().lower() if lang not in (None, "") else None
    if lang is not None and lang not in LANGS:
        raise BadRequest(f"unknown lang {lang[:40]!r}: use fr or ja (or leave it out for both)")
    doc = str(doc).strip() if doc not in (None, "") else None
    limit_n = parse_int(limit, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    offset_n = parse_int(offset, "offset", 0, 0, MAX_OFFSET)
    fusion = str(fusion).strip().lower() if fusion not in (None, "") else "rrf"
    if fusion not in FUSIONS:
        raise BadRequest(f"unknown fusion {fusion[:40]!r}: use rrf or weighted")
    try:
        alpha_f = 0.5 if alpha in (None, "") else float(str(alpha))
    except ValueError:
        raise BadRequest(f"alpha must be a number between 0 and 1, got {str(alpha)[:40]!r}") from None
    if not 0.0 <= alpha_f <= 1.0:
        raise BadRequest(f"alpha must be between 0 and 1, got {alpha_f}")
    return SearchRequest(text.strip(), mode, lang, doc, limit_n, offset_n, fusion, alpha_f,
                         parse_flag(commitments, "commitments"))
