"""``jumelage`` — index, search and serve the declarations of the Rencontres franco-japonaises."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from jumelage import commands
from jumelage.errors import USER_ERRORS
from jumelage.pipes import guarded_streams

PROG = "jumelage"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line on stderr and status 2, as for every other bad input
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description=__doc__)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for register in commands.REGISTRY:
        register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; progress that cannot be written is dropped (see :mod:`jumelage.pipes`)."""
    with guarded_streams() as stdout:
        try:
            return _main(argv)
        except BrokenPipeError:
            if stdout.broken:  # `jumelage passages --json | head`: the reader of the answer left, nothing is wrong
                return 0
            raise


def _main(argv: list[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    run: Callable[[argparse.Namespace], int] | None = getattr(args, "run", None)
    if run is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        return run(args)
    except USER_ERRORS as err:
        print(f"{PROG}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
