"""Jinja2 set-up and what every page's template receives.

Autoescaping is on for every template, and nothing from search is marked
safe: search returns text and highlight spans, and the ``snippet`` macro of
``_macros.html`` renders them (text escaped, ``<mark>`` around the spans).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from web.i18n import Labels, negotiate

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"
STATIC_VERSION = "6"  # bump when style.css or app.js change, so browsers drop their cached copy


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=jinja2.select_autoescape(("html", "svg", "xml"), default_for_string=True, default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters["lang_runs"] = lang_runs
    return env


#: Runs of Japanese script (kana, kanji, their punctuation) and of Latin-script words.
_JA_RUN = re.compile(r"[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]+(?:[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]|\s)*")
_LATIN_RUN = re.compile(r"[A-Za-zÀ-ÿŒœ]{2,}(?:[\s'’,.:;«»!?()-]*[A-Za-zÀ-ÿŒœ]+)*")


def lang_runs(text: object, ui: str) -> Markup:
    """``text`` escaped, each run in the other language wrapped in ``<span lang=…>``.

    A French label quoting 参考訳, a query typed in the other language or a
    French word in a Japanese label must be tagged, so a screen reader voices
    it in the right language (WCAG 3.1.2; axe checks ``lang`` values, and
    ``tests/test_browser_a11y.py`` checks that script and ``lang`` agree).
    """
    pattern, lang = (_JA_RUN, "ja") if ui == "fr" else (_LATIN_RUN, "fr")
    out, last = [], 0
    source = str(text)
    for m in pattern.finditer(source):
        run = m.group(0).rstrip()
        out += [escape(source[last : m.start()]), Markup(f'<span lang="{lang}">'), escape(run), Markup("</span>")]
        last = m.start() + len(run)
    out.append(escape(source[last:]))
    return Markup("").join(out)


templates = Jinja2Templates(env=_environment())


class Links:
    """URLs of this site that keep an explicitly chosen interface language across clicks."""

    def __init__(self, request: Request, ui: str) -> None:
        self._ui = ui if "ui" in request.query_params else None

    def __call__(self, path: str, anchor: str | None = None, **params: object) -> str:
        """``path`` with the non-empty ``params`` as a query string, and ``#anchor``."""
        kept = {k: v for k, v in params.items() if v not in (None, "", False)}
        if self._ui and "ui" not in kept:
            kept["ui"] = self._ui
        url = path + ("?" + urlencode(kept) if kept else "")
        return url + (f"#{anchor}" if anchor else "")


def ui_lang(request: Request) -> str:
    """The interface language negotiated for ``request``."""
    return negotiate(request.query_params.get("ui"), request.headers.get("accept-language"))


def labels_for(request: Request) -> Labels:
    """The interface labels for ``request``."""
    return Labels(ui_lang(request))


def base_context(request: Request) -> dict[str, Any]:
    """Interface language, labels and link builder for ``request``."""
    ui = ui_lang(request)
    other_ui = "ja" if ui == "fr" else "fr"
    switch_params = [(k, v) for k, v in request.query_params.multi_items() if k != "ui"] + [("ui", other_ui)]
    return {
        "request": request,
        "ui": ui,
        "t": Labels(ui),
        "link": Links(request, ui),
        "ui_switch_url": request.url.path + "?" + urlencode(switch_params),
        "static_version": STATIC_VERSION,
        "nav": request.url.path,
    }


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    """Render ``name`` with the base context plus ``context``."""
    full = base_context(request)
    full.update(context)
    # The page differs with the negotiated language; caches must key on it.
    return templates.TemplateResponse(request, name, full, status_code=status_code, headers={"Vary": "Accept-Language"})
