"""``jumelage citations``: what a passage or document cites, what cites it, what echoes it."""

from __future__ import annotations

import argparse

from jumelage.commands.common import add_index_option, open_state, print_json
from search.highlight import Snippet, bracket_format
from search.results import CitationAnswer, CitedReference


def register(sub) -> None:
    p = sub.add_parser(
        "citations",
        help="what a passage or document cites, what cites it, what echoes it",
        description="Explicit references to editions and declarations (both directions) and "
        "echoes in other declarations, for a passage id (2012-chartres-fr:8) "
        "or a document id (2010-kanazawa-fr).",
    )
    p.add_argument("id", nargs="?", help="a passage id (DOC_ID:N) or a document id")
    p.add_argument("--json", action="store_true", help="print the JSON object")
    add_index_option(p)
    p.set_defaults(run=run)


def _plain_snippet(snippet: Snippet | None) -> str:
    return bracket_format(snippet) if snippet is not None else ""


def _reference_line(cited: CitedReference) -> str:
    r = cited.reference
    if r.status == "document":
        where = ", ".join(r.targets)
    elif r.status == "edition_without_text":
        where = "no text in the corpus"
    else:
        where = "edition unknown to the manifest"
    return f"  {r.passage_id}  «{r.text}» {r.relation} edition {r.edition} ({r.label}) → {where}"


def _plain(answer: CitationAnswer) -> str:
    lines = [f"citations of {answer.kind} {answer.id}"]
    groups = (
        ("cites", answer.cites),
        ("cited by", answer.cited_by),
        ("mentions its own edition", answer.mentions_self),
    )
    for title, items in groups:
        lines.append(f"{title}: {len(items) if items else 'none'}")
        for cited in items:
            lines.append(_reference_line(cited))
            if items is answer.cited_by:
                lines.append(f"      {_plain_snippet(cited.snippet)}")
    if not answer.echoes_available:
        lines.append("echoes: not available (the index was built without embeddings)")
    else:
        lines.append(f"echoes (score ≥ {answer.echo_threshold}): {len(answer.echoes) or 'none'}")
        for match in answer.echoes:
            e = match.echo
            lines.append(f"  {e.passage_id} ↔ {e.other_id}  score {e.score:.3f}  shared: {', '.join(e.shared_terms)}")
            lines.append(f"      {_plain_snippet(match.snippet)}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    answer = open_state(args).citations.resolve(args.id)
    print_json(answer.to_json()) if args.json else print(_plain(answer))
    return 0
