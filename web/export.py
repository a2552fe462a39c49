"""Export of a whole result list: ``/api/search?…&format=csv|json``.

The CSV/JSON links of the search page point here. An export holds every
result of the query (the ``limit``/``offset`` of the page are ignored): the
service is asked page after page of ``MAX_LIMIT`` until its exact ``total``
is reached, so the row count always equals the total the page shows.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from search import lookup
from search.request import MAX_LIMIT, MAX_OFFSET, InvalidInput, SearchRequest, echo, make_request
from search.results import SearchHit
from web.cite import permalink, reference_line
from web.heavy import run_heavy
from web.state import AppState, state_of
from web.templating import labels_for

FORMATS = ("csv", "json")
COLUMNS = (
    "passage_id",
    "declaration",
    "lang",
    "edition",
    "date",
    "section",
    "text",
    "translation",
    "score",
    "permalink",
    "citation",
)


@dataclass(frozen=True)
class Export:
    query: str
    mode: str
    total: int
    rows: list[dict[str, object]]


def parse_format(raw: str | None) -> str | None:
    """The ``format`` parameter: ``None`` (ordinary JSON page), ``csv`` or ``json`` (whole export).

    Raises
    ------
    BadRequest
        When it is anything else.
    """
    if raw is None or not raw.strip():
        return None
    value = raw.strip().lower()
    if value not in FORMATS:
        raise InvalidInput(
            "unknown_choice",
            f"format must be csv or json, got {echo(raw)}",
            name="format",
            value=echo(raw),
            allowed="csv, json",
        )
    return value


def _all_hits(state: AppState, req: SearchRequest) -> tuple[int, list[SearchHit]]:
    """Every hit of ``req``, in rank order, and the service's total."""
    hits: list[SearchHit] = []
    offset, total = 0, None
    while total is None or (offset < total and offset <= MAX_OFFSET):
        page = state.service.run(
            make_request(
                req.query,
                req.mode,
                req.lang,
                req.doc,
                MAX_LIMIT,
                offset,
                req.fusion,
                req.alpha,
                req.commitments,
                req.edition,
            )
        )
        total = page.total
        hits.extend(page.hits)
        if not page.hits:
            break
        offset += MAX_LIMIT
    return total or 0, hits


def _row(request: Request, state: AppState, ui: str, hit: SearchHit) -> dict[str, object]:
    p = hit.passage
    t = labels_for(request)
    doc = lookup.document(state.index, p.doc_id)
    edition = lookup.edition_of(state.index, doc)
    edition_label = t.pick({"fr": edition.label_fr, "ja": edition.label_ja}) if edition else str(doc.edition)
    url = permalink(request, p.passage_id)
    return {
        "passage_id": p.passage_id,
        "declaration": doc.title,
        "lang": str(p.lang),
        "edition": edition_label,
        "date": doc.date,
        "section": p.section,
        "text": p.text,
        "translation": "\n".join(q.text for q in lookup.translations(state.index, p)),
        "score": round(hit.score, 6),
        "permalink": url,
        "citation": reference_line(
            ui, title=doc.title, edition=edition_label, city=doc.city, date=doc.date, ordinal=p.ordinal, url=url
        ),
    }


def build_export(request: Request) -> Export:
    """All results of the search the query string describes, one flat row per passage."""
    state = state_of(request)
    p = request.query_params
    req = make_request(
        p.get("q"),
        p.get("mode"),
        p.get("lang"),
        p.get("doc"),
        None,
        None,
        p.get("fusion"),
        p.get("alpha"),
        p.get("commitments"),
        p.get("edition"),
    )
    total, hits = _all_hits(state, req)
    ui = labels_for(request).lang
    return Export(req.query, req.mode, total, [_row(request, state, ui, h) for h in hits])


def to_csv(export: Export) -> str:
    """RFC 4180 CSV, header first; no BOM (the response declares ``charset=utf-8``)."""
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(export.rows)
    return out.getvalue()


def _filename(export: Export, fmt: str) -> str:
    # ASCII only: the query may be Japanese and header values are latin-1.
    return f"jumelage-{export.mode}-{export.total}.{fmt}"


async def export_response(request: Request, fmt: str) -> Response:
    """The download of the whole result list in ``fmt`` (csv or json)."""
    export = await run_heavy(request, build_export, request)  # web.heavy: bounded, 503 past it
    disposition = {"Content-Disposition": f'attachment; filename="{_filename(export, fmt)}"'}
    if fmt == "csv":
        return Response(to_csv(export).encode("utf-8"), media_type="text/csv; charset=utf-8", headers=disposition)
    body = {"query": export.query, "mode": export.mode, "total": export.total, "results": export.rows}
    return Response(
        json.dumps(body, ensure_ascii=False).encode("utf-8"),
        media_type="application/json; charset=utf-8",
        headers=disposition,
    )
