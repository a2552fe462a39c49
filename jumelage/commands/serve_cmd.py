"""``jumelage serve``: the web app and HTTP API."""

from __future__ import annotations

import argparse

from indexer.index_format import resolve_index_dir
from jumelage.commands.common import add_index_option, add_model_option, progress, whole_number
from search.index_reader import open_index
from search.semantic import check_asked_backend


def register(sub) -> None:
    from web.heavy import DEFAULT_QUEUE, DEFAULT_WORKERS
    from web.server import HEADER_TIMEOUT_S, KEEP_ALIVE_S, LIMIT_CONCURRENCY

    p = sub.add_parser(
        "serve",
        help="serve the web app and API",
        description="Serve the search interface and the JSON API over HTTP. The server follows "
        "the index: a new generation published by `jumelage index` (or add/remove) is "
        "served within a second, without a restart.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument(
        "--port",
        type=whole_number(0, 65535, "0: any free port"),
        default=8000,
        help="port, 0-65535; 0 picks a free one (default: 8000)",
    )
    # -- hardening (web.server, web.heavy) --------------------------------------------------------
    p.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        metavar="NAME",
        help="also answer requests for this Host name (repeatable; 127.0.0.1, localhost "
        "and --host are always allowed; '*' allows any)",
    )
    p.add_argument(
        "--workers",
        type=whole_number(1),
        default=DEFAULT_WORKERS,
        help=f"threads for searches and pages (default: {DEFAULT_WORKERS})",
    )
    p.add_argument(
        "--queue",
        type=whole_number(0),
        default=DEFAULT_QUEUE,
        help=f"heavy requests that may wait for a thread; more get 503 (default: {DEFAULT_QUEUE})",
    )
    p.add_argument(
        "--limit-concurrency",
        type=whole_number(1),
        default=LIMIT_CONCURRENCY,
        help=f"connections and requests at once before a 503 (default: {LIMIT_CONCURRENCY})",
    )
    p.add_argument(
        "--header-timeout",
        type=_seconds,
        default=HEADER_TIMEOUT_S,
        help=f"seconds a client has to send a request head (default: {HEADER_TIMEOUT_S:g})",
    )
    p.add_argument(
        "--keep-alive",
        type=whole_number(1),
        default=KEEP_ALIVE_S,
        help=f"seconds an idle connection stays open (default: {KEEP_ALIVE_S})",
    )
    add_index_option(p)
    add_model_option(p)
    p.add_argument("--no-reload", action="store_true", help="keep serving the generation opened at start-up")
    p.set_defaults(run=run)


def _seconds(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, not {value[:20]!r}") from None
    if not 0.1 <= number <= 3600:
        raise argparse.ArgumentTypeError(f"expected 0.1 to 3600 seconds, not {number:g}")
    return number


def allowed_hosts(host: str, extra: list[str]) -> list[str]:
    """The Host names the server answers: the defaults, the address it listens on, and ``--allowed-host``."""
    from web.app import DEFAULT_ALLOWED_HOSTS

    names = list(DEFAULT_ALLOWED_HOSTS)
    if host not in ("0.0.0.0", "::", "") and ":" not in host:
        names.append(host)
    return list(dict.fromkeys(names + [h.strip() for h in extra if h.strip()]))


def run(args: argparse.Namespace) -> int:
    from web import server
    from web.app import create_app

    index_dir = resolve_index_dir(args.index)
    # Fail now, in one line and exit 2, rather than inside the server's start-up: sha256 of every
    # file, as the server's own start-up does (a same-size corruption is caught here too).
    opened = open_index(index_dir, verify="full")
    try:
        if opened.manifest.model is not None:  # a keyword-only index ignores the backend
            check_asked_backend(args.embedding_backend, opened.manifest.model.backend)
    finally:
        opened.close()
    sock = server.bind(args.host, args.port)  # a bad address or a port in use: one line, exit 2
    app = create_app(
        index_dir,
        model=args.model,
        reload=not args.no_reload,
        backend=args.embedding_backend,
        allowed_hosts=allowed_hosts(args.host, args.allowed_host),
        workers=args.workers,
        queue=args.queue,
    )
    progress(f"serving {index_dir} on http://{args.host}:{sock.getsockname()[1]}")
    limits = server.ServerLimits(args.header_timeout, args.keep_alive, args.limit_concurrency)
    if not server.run(app, sock, limits):
        progress("the server did not start: see the message above")
        return 2
    return 0
