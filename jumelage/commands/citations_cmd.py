"""``jumelage citations``: what a passage or document cites, what cites it, what echoes it."""

from __future__ import annotations

import argparse
import html
import re

from jumelage.commands.common import add_index_option, print_json
from search.citations import CitationService
from search.index_reader import open_index, resolve_index_dir

_MARK = re.compile(r"<mark(?: class=\"\w+\")?>(.*?)</mark>", re.S)


def register(sub) -> None:
    p = sub.add_parser("citations", help="what a passage or document cites, what cites it, what echoes it",
                       description="Explicit references to editions and declarations (both directions) and "
                                   "echoes in other declarations, for a passage id (2012-chartres-fr:8) "
                                   "or a document id (2010-kanazawa-fr).")
    p.add_argument("id", nargs="?", help="a passage id (DOC_ID:N) or a document id")
    p.add_argument("--json", action="store_true", help="print the JSON object")
    add_index_option(p)
    p.set_defaults(run=run)


def _plain_snippet(snippet_html: str) -> str:
    return html.unescape(_MARK.sub(lambda m: "[" + m.group(1) + "]", snippet_html))


def _reference_line(r: dict) -> str:
    if r["status"] == "document":
        where = ", ".join(r["targets"])
    elif r["status"] == "edition_without_text":
        where = "no text in the corpus"
    else:
        where = "edition unknown to the manifest"
    return f"  {r['passage_id']}  «{r['text']}» {r['relation']} edition {r['edition']} ({r['label']}) → {where}"


def _plain(answer: dict) -> str:
    lines = [f"citations of {answer['kind']} {answer['id']}"]
    for title, key in (("cites", "cites"), ("cited by", "cited_by"), ("mentions its own edition", "mentions_self")):
        items = answer[key]
        lines.append(f"{title}: {len(items) if items else 'none'}")
        for r in items:
            lines.append(_reference_line(r))
            if key == "cited_by":
                lines.append(f"      {_plain_snippet(r['snippet_html'])}")
    if not answer["echoes_available"]:
        lines.append("echoes: not available (the index was built without embeddings)")
    else:
        lines.append(f"echoes (score ≥ {answer['echo_threshold']}): {len(answer['echoes']) or 'none'}")
        for e in answer["echoes"]:
            lines.append(f"  {e['passage_id']} ↔ {e['other_id']}  score {e['score']:.3f}  "
                         f"shared: {', '.join(e['shared_terms'])}")
            lines.append(f"      {_plain_snippet(e['snippet_html'])}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    service = CitationService(open_index(resolve_index_dir(args.index)))
    answer = service.lookup(args.id)
    print_json(answer) if args.json else print(_plain(answer))
    return 0
