"""``jumelage serve``: the web app and HTTP API."""

from __future__ import annotations

import argparse

from jumelage.commands.common import add_index_option, add_model_option, progress
from search.index_reader import open_index, resolve_index_dir


def register(sub) -> None:
    p = sub.add_parser("serve", help="serve the web app and API",
                       description="Serve the search interface and the JSON API over HTTP. The server follows "
                                   "the index: a new generation published by `jumelage index` (or add/remove) is "
                                   "served within a second, without a restart.")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000)")
    add_index_option(p)
    add_model_option(p)
    p.add_argument("--no-reload", action="store_true", help="keep serving the generation opened at start-up")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from web.app import create_app

    index_dir = resolve_index_dir(args.index)
    # Fail now, in one line and exit 2, rather than inside the server's start-up: sha256 of every
    # file, as the server's own start-up does (a same-size corruption is caught here too).
    open_index(index_dir, verify="full").close()
    progress(f"serving {index_dir} on http://{args.host}:{args.port}")
    uvicorn.run(create_app(index_dir, model=args.model, reload=not args.no_reload,
                           backend=args.embedding_backend), host=args.host, port=args.port,
                log_level="warning")
    return 0
