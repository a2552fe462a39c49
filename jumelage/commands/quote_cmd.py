"""``jumelage quote``: where does this quotation come from?"""

from __future__ import annotations

import argparse

from jumelage.commands.common import add_index_option, add_model_option, open_state, print_json
from search.highlight import bracket_format
from search.quote import MAX_QUOTE_CHARS
from search.request import check_text
from search.results import QuoteAnswer


def register(sub) -> None:
    p = sub.add_parser(
        "quote",
        help="find the source passage(s) of a quotation",
        description="Find where a quotation comes from, even inexact: other case, accents "
        "stripped, a word dropped or changed, […] elisions, line breaks; a quotation "
        "in the other language falls back on meaning (needs the model).",
    )
    p.add_argument("text", nargs="?", help="the quotation")
    p.add_argument("--limit", type=int, default=5, help="matches to show, 1-100 (default: 5)")
    p.add_argument("--no-semantic", action="store_true", help="near-exact matching only; never load the model")
    p.add_argument("--json", action="store_true", help="print the JSON object")
    add_index_option(p)
    add_model_option(p)
    p.set_defaults(run=run)


def _plain(answer: QuoteAnswer) -> str:
    if not answer.matched:
        return f"no match: {answer.message} ({answer.took_ms} ms)"
    lines = [f"{answer.message} by {answer.method} ({answer.took_ms} ms)"]
    for m in answer.matches:
        twins = f"  (same text: {', '.join(m.same_text_as)})" if m.same_text_as else ""
        lines.append(f"{m.rank:>3}. {m.passage.passage_id}  {m.passage.section}  score {m.score:.3f}{twins}")
        lines.append("     " + bracket_format(m.snippet))
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    check_text(args.text, "quotation", MAX_QUOTE_CHARS)  # the same bounds as /api/quote, before any loading
    finder = open_state(args).quotes
    answer = finder.match(args.text, limit=args.limit, semantic=not args.no_semantic)
    print_json(answer.to_json()) if args.json else print(_plain(answer))
    return 0
