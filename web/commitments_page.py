"""``/commitments`` (page) and ``/api/commitments`` (JSON or CSV): every commitment, by theme and edition.

The catalogue is built once per opened index (detection and echo look-ups:
about 30 ms for the bundled corpus), off the event loop, and kept on the app.
"""

from __future__ import annotations

import csv
import io
import threading
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from search.commitments import CommitmentCatalogue, CommitmentEntry
from search.errors import BadRequest
from search.request import InvalidInput, check_doc_id, echo
from web.errors import localised
from web.heavy import run_heavy
from web.state import AppState
from web.templating import labels_for, render

_LOCK = threading.Lock()
CSV_COLUMNS = (
    "id",
    "doc_id",
    "edition",
    "year",
    "city",
    "theme",
    "section",
    "act",
    "subject",
    "passage_id",
    "start",
    "end",
    "text",
    "translation_ja",
    "echoes_later",
    "echoes_later_text",
    "echoes_earlier",
)


def _catalogue_sync(request: Request) -> CommitmentCatalogue:
    state: AppState = request.app.state.jumelage
    with _LOCK:
        cached = getattr(request.app.state, "jumelage_commitments", None)
        if cached is None or cached.index is not state.index:  # a reloaded index gets a fresh catalogue
            cached = CommitmentCatalogue(state.index)
            request.app.state.jumelage_commitments = cached
        return cached


async def _catalogue(request: Request) -> CommitmentCatalogue:
    return await run_heavy(request, _catalogue_sync, request)  # built once per index, off the event loop


def _params(request: Request) -> dict:
    """``doc``, ``act``, ``theme`` as typed, shapes checked first (search.request): an echoed value stays short."""
    p = request.query_params
    out = {k: (p.get(k) or "").strip()[:40] or None for k in ("act", "theme")}
    for k in ("act", "theme"):
        if len((p.get(k) or "").strip()) > 40:
            raise InvalidInput(
                "unknown_choice", f"unknown {k} {echo(p.get(k))}", name=k, value=echo(p.get(k)), allowed="…"
            )
    return {"doc": check_doc_id(p.get("doc")), **out}


def _csv(entries: list[CommitmentEntry]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for e in entries:
        ja = next((t.text for t in e.translations if t.lang == "ja"), "")
        writer.writerow(
            [
                e.id,
                e.doc_id,
                e.edition,
                e.year or "",
                e.city,
                e.theme_fr,
                e.section,
                e.act,
                e.subject or "",
                e.passage_id,
                e.start,
                e.end,
                e.text,
                ja,
                " ".join(x.passage_id for x in e.later),
                " | ".join(x.text for x in e.later),
                " ".join(x.passage_id for x in e.earlier),
            ]
        )
    return out.getvalue()


async def api_commitments(request: Request) -> Response:
    """Every commitment of the original declarations, with its translation and its echoes.
    ---
    summary: Commitments by theme and edition (JSON or CSV)
    parameters:
      - {name: doc, in: query, schema: {type: string}, description: "only this declaration (or its translation's original)"}
      - {name: act, in: query, schema: {type: string, enum: [engage, propose, agree, decide, resolve, wish]}}
      - {name: theme, in: query, schema: {type: string}, description: "a theme id, e.g. culture, economy, environment, society, rencontres"}
      - {name: format, in: query, schema: {type: string, enum: [json, csv], default: json}}
    responses:
      200:
        description: "{total, counts: {doc_id: n}, themes: [{id, fr, ja}], echoes_available, commitments: [{id, doc_id, edition, year, city, passage_id, section, theme, act, subject, start, end, text, translations, echoes_later, echoes_earlier}]}; with format=csv, one row per commitment"
      400:
        description: An unknown doc, act, theme or format.
    """
    fmt = (request.query_params.get("format") or "json").strip().lower()
    if fmt not in ("json", "csv"):
        raise BadRequest(f"unknown format {fmt[:40]!r}: use json or csv")
    catalogue = await _catalogue(request)
    entries = catalogue.select(**_params(request))
    if fmt == "csv":
        return Response(
            _csv(entries),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="commitments.csv"'},
        )
    return JSONResponse(
        {
            "total": len(entries),
            "counts": catalogue.counts(),
            "themes": [{"id": tid, "fr": fr, "ja": ja} for tid, fr, ja in catalogue.themes()],
            "echoes_available": catalogue.echoes_available,
            "commitments": [e.to_json() for e in entries],
        }
    )


@dataclass(frozen=True)
class ThemeRow:
    id: str
    label: str
    cells: list[tuple[int, list[CommitmentEntry]]]  # (edition, its commitments), one cell per edition shown


async def commitments_page(request: Request) -> HTMLResponse:
    """The timeline: one row per theme, one column per edition, each commitment with what later editions made of it."""
    t = labels_for(request)
    catalogue = await _catalogue(request)
    params = _params(request)
    try:
        entries = catalogue.select(**params)
    except BadRequest as err:
        return render(
            request,
            "commitments.html",
            {
                "error": localised(request, err),
                "rows": [],
                "editions": [],
                "catalogue": catalogue,
                "params": params,
                "total": 0,
            },
            status_code=400,
        )
    editions = sorted({e.edition for e in catalogue.entries})
    labels = {}
    for edition in editions:
        info = catalogue.index.store.edition(edition)
        labels[edition] = t.pick({"fr": info.label_fr, "ja": info.label_ja}) if info else str(edition)
    rows = []
    for tid, fr, ja in catalogue.themes():
        mine = [e for e in entries if e.theme == tid]
        if mine:
            rows.append(
                ThemeRow(
                    tid, t.pick({"fr": fr, "ja": ja}), [(ed, [e for e in mine if e.edition == ed]) for ed in editions]
                )
            )
    return render(
        request,
        "commitments.html",
        {
            "rows": rows,
            "editions": [(ed, labels[ed]) for ed in editions],
            "last_edition": editions[-1] if editions else 0,
            "catalogue": catalogue,
            "params": params,
            "total": len(entries),
            "error": None,
        },
    )
