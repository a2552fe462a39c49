"""A validated search request: every bound on user input is checked here, at the boundary.

The CLI (``jumelage search``, ``--batch`` lines, ``quote``) and the HTTP layer (the API, the
search page, ``?q=`` on reading pages) call these functions, so a bad value gets the same
one-line message everywhere: exit 2 on the command line, 400 over HTTP. Values echoed back
in a message are clipped (:func:`echo`), so a 100 kB parameter never comes back whole.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

from indexer.corpus import Document
from search.errors import BadRequest

MODES = ("hybrid", "keyword", "semantic")
FUSIONS = ("rrf", "weighted")
LANGS = ("fr", "ja")
MAX_LIMIT = 1000
MAX_OFFSET = 100_000
MAX_QUERY_CHARS = 2_000
# Distinct analysed terms of a query. Whoosh builds an AND of n terms as a chain n deep
# (make_weighted_tree with negative weights), and 1,724 distinct kanji overflowed Python's
# stack; 100 is far above a real query (the dev set's largest has 6: terms and unstemmed
# forms together) and far below that.
MAX_QUERY_TERMS = 100
MAX_DOC_ID_CHARS = 100
DEFAULT_LIMIT = 10
MIN_WINDOW = 100
ECHO_CHARS = 40
MAX_EDITION = 999
DOC_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")


class InvalidInput(BadRequest):
    """A :class:`BadRequest` that names its message: ``key`` and ``values``, so an interface can
    say it in its own language (the web's French and Japanese tables); ``str()`` is the English line."""

    def __init__(self, key: str, message: str, **values: object) -> None:
        super().__init__(message)
        self.key = key
        self.values = values


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
    edition: int | None = None  # only passages of this edition's declarations

    @property
    def window(self) -> int:
        """Candidates taken from each side: enough that paging never drops a result."""
        return max(MIN_WINDOW, self.offset + self.limit)


def echo(value: object, limit: int = ECHO_CHARS) -> str:
    """``value`` as a message shows it: quoted, at most ``limit`` characters, invalid code points escaped."""
    text = str(value)
    clipped = text[:limit] + ("…" if len(text) > limit else "")
    return repr(clipped.encode("utf-8", "backslashreplace").decode("utf-8"))


def _bad_character(text: str) -> tuple[int, str] | None:
    """Position and name of the first character no query can hold (lone surrogate, NUL, noncharacter)."""
    for i, c in enumerate(text):
        code = ord(c)
        if 0xD800 <= code <= 0xDFFF:
            return i, f"a lone surrogate U+{code:04X}"
        if code == 0 or code & 0xFFFE == 0xFFFE or 0xFDD0 <= code <= 0xFDEF:
            return i, f"the invalid character U+{code:04X}"
    return None


def check_text(value: object, name: str = "query", max_chars: int = MAX_QUERY_CHARS) -> str:
    """``value`` as text a search can take: not empty, not too long, valid Unicode; stripped.

    Raises
    ------
    BadRequest
        Naming ``name``, what is wrong and the bound.
    """
    text = "" if value is None else str(value)
    if len(text) > max_chars:
        raise InvalidInput(
            "text_too_long",
            f"the {name} is {len(text)} characters long; the limit is {max_chars}: shorten it",
            name=name,
            length=len(text),
            limit=max_chars,
        )
    bad = _bad_character(text)
    if bad is not None:
        raise InvalidInput(
            "bad_character",
            f"the {name} holds {bad[1]} at position {bad[0] + 1}: send valid UTF-8 text",
            name=name,
            code=f"{ord(text[bad[0]]):04X}",
            position=bad[0] + 1,
        )
    if not text.strip():
        raise InvalidInput(
            "text_empty", f"the {name} is empty: type one or more words, e.g. mondialisation or 防災", name=name
        )
    return text.strip()


def check_query_string(raw: bytes) -> None:
    """Refuse a URL query string (``a=1&b=2``, as sent) whose percent-decoding is not UTF-8.

    Starlette decodes ``%FF`` to U+FFFD, so ``?q=%FF%FE`` searched for "\ufffd\ufffd"
    (200, semantic hits) while ``?q=%00`` was already a 400.

    Raises
    ------
    BadRequest
        Naming the parameter, the first byte that is not UTF-8 and its position in the value.
    """
    if raw.isascii() and b"%" not in raw:  # nothing percent-encoded: the common case costs one scan
        return
    for pair in raw.split(b"&"):  # Starlette (urllib.parse.parse_qsl) splits on & only
        name, _, value = pair.partition(b"=")
        for part in (name, value):
            decoded = unquote_to_bytes(part.replace(b"+", b" "))
            try:
                decoded.decode("utf-8")
            except UnicodeDecodeError as err:
                label = echo(unquote_to_bytes(name.replace(b"+", b" ")).decode("utf-8", "replace"))
                raise InvalidInput(
                    "bad_encoding",
                    f"the parameter {label} is not UTF-8 text (byte 0x{decoded[err.start]:02X} at position "
                    f"{err.start + 1}): send valid UTF-8 text",
                    name=label,
                    byte=f"{decoded[err.start]:02X}",
                    position=err.start + 1,
                ) from None


def check_term_count(count: int) -> None:
    """Refuse a query with more than :data:`MAX_QUERY_TERMS` distinct analysed terms."""
    if count > MAX_QUERY_TERMS:
        raise InvalidInput(
            "too_many_terms",
            f"the query has {count} distinct words; the limit is {MAX_QUERY_TERMS}: "
            "shorten it (to find where a long text comes from, use quote)",
            count=count,
            limit=MAX_QUERY_TERMS,
        )


def check_doc_id(value: object) -> str | None:
    """A document id as typed (``None`` when absent); only its shape is checked here."""
    if value in (None, ""):
        return None
    doc = str(value).strip()
    if not doc:
        return None
    if len(doc) > MAX_DOC_ID_CHARS or not DOC_ID.fullmatch(doc):
        raise InvalidInput(
            "bad_doc", f"unknown doc {echo(doc)}: document ids look like 2012-chartres-fr", value=echo(doc)
        )
    return doc


def check_edition(value: object) -> int | None:
    """An edition number as typed (``None`` when absent); only its shape is checked here.

    Whether the index holds it is :func:`check_in_index`'s question (it needs the index).
    """
    number = parse_int(value, "edition", 0, 1, MAX_EDITION)
    return number or None


def check_in_index(req: SearchRequest, documents: Sequence[Document]) -> None:
    """Refuse a ``doc`` or an ``edition`` filter the index does not hold, naming those it holds.

    A filter on an absent edition used to answer 0 results (exit 0, HTTP 200), so a
    typo (``--edition 9``) read as "nothing matches"; an unknown doc was already an error.
    Both are checked here so the CLI, the API and the pages say the same line.

    Parameters
    ----------
    documents
        The index's declarations (``store.documents``). An edition the corpus lists
        without a declaration holds no passage: it can only give 0 results, so it is refused too.
    """
    if req.doc is not None:
        docs = [d.id for d in documents]
        if req.doc not in docs:
            known = ", ".join(docs)
            raise InvalidInput(
                "unknown_doc", f"unknown doc {echo(req.doc)}: use one of {known}", value=echo(req.doc), known=known
            )
    if req.edition is not None:
        held = sorted({d.edition for d in documents})
        if req.edition not in held:
            known = ", ".join(map(str, held))
            raise InvalidInput(
                "unknown_edition",
                f"no declaration of edition {req.edition} in this index: use one of {known}",
                value=req.edition,
                known=known,
            )


def _choice(value: object, name: str, allowed: tuple[str, ...], default: str | None) -> str | None:
    if value is None or str(value).strip() == "":
        return default
    chosen = str(value).strip().lower()
    if chosen not in allowed:
        raise InvalidInput(
            "unknown_choice",
            f"unknown {name} {echo(chosen)}: use one of {', '.join(allowed)}",
            name=name,
            value=echo(chosen),
            allowed=", ".join(allowed),
        )
    return chosen


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
    raise InvalidInput(
        "unknown_choice",
        f"{name} must be 1 or 0 (true or false), got {echo(value)}",
        name=name,
        value=echo(value),
        allowed="1, 0",
    )


def parse_int(value: object, name: str, default: int, low: int, high: int) -> int:
    """A whole-number parameter (from a URL or the command line), ``default`` when absent or empty.

    The one integer parser of the program: search's ``limit``/``offset``, the
    result pages' ``page``, the quotation API's ``limit``. At most 12 digits are
    read, so a 100 kB number costs nothing and is never echoed whole.

    Raises
    ------
    BadRequest
        Naming the parameter, when it is not a whole number or not in ``[low, high]``.
    """
    if value is None or str(value).strip() == "":
        return default
    raw = str(value).strip()
    if not re.fullmatch(r"[+-]?[0-9]{1,12}", raw):
        raise InvalidInput(
            "not_integer",
            f"{name} must be a whole number from {low} to {high}, got {echo(raw)}",
            name=name,
            low=low,
            high=high,
            value=echo(raw),
        )
    number = int(raw)
    if not low <= number <= high:
        raise InvalidInput(
            "out_of_range",
            f"{name} must be between {low} and {high}, got {number}",
            name=name,
            low=low,
            high=high,
            value=number,
        )
    return number


def check_alpha_applies(fusion: object, alpha: object) -> None:
    """Refuse an ``alpha`` given without weighted fusion: rrf has no weight, so it would do nothing.

    Called by the command line (``search``, each ``--batch`` line), not by :func:`make_request`:
    over HTTP the OpenAPI schema documents ``alpha`` and ``fusion`` as independent parameters
    (a query parameter cannot state a dependency on another), and schemathesis rightly fails a
    server that refuses a request its schema allows.

    Raises
    ------
    InvalidInput
        ``alpha_without_weighted``, naming the value and the two ways out.
    """
    if alpha not in (None, "") and (fusion or "rrf") != "weighted":
        raise InvalidInput(
            "alpha_without_weighted",
            f"alpha {echo(alpha)} weighs keyword against meaning only in weighted fusion: "
            'add --fusion weighted (in a --batch line, "fusion": "weighted") or leave alpha out',
            value=echo(alpha),
        )


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
    edition: object = None,
) -> SearchRequest:
    """Validate raw parameters (strings from a URL or the command line) into a request.

    Raises
    ------
    BadRequest
        With one line naming the parameter, what was wrong and what is allowed.
    """
    text = check_text(query)
    mode_s = _choice(mode, "mode", MODES, "hybrid") or "hybrid"  # never None: it has a default
    lang_s = _choice(lang, "lang", LANGS, None)
    doc_s = check_doc_id(doc)
    limit_n = parse_int(limit, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
    offset_n = parse_int(offset, "offset", 0, 0, MAX_OFFSET)
    fusion_s = _choice(fusion, "fusion", FUSIONS, "rrf") or "rrf"
    try:
        alpha_f = 0.5 if alpha in (None, "") else float(str(alpha).strip()[:40])
    except ValueError:
        raise InvalidInput(
            "alpha", f"alpha must be a number between 0 and 1, got {echo(alpha)}", value=echo(alpha)
        ) from None
    if not 0.0 <= alpha_f <= 1.0:  # NaN fails this too
        raise InvalidInput("alpha", f"alpha must be between 0 and 1, got {echo(alpha)}", value=echo(alpha))
    return SearchRequest(
        text,
        mode_s,
        lang_s,
        doc_s,
        limit_n,
        offset_n,
        fusion_s,
        alpha_f,
        parse_flag(commitments, "commitments"),
        check_edition(edition),
    )
