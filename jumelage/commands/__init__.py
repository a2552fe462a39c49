"""One module per subcommand; each exposes ``register(subparsers)``."""

from jumelage.commands import (
    align_cmd,
    citations_cmd,
    eval_cmd,
    index_cmd,
    model_cmd,
    passages_cmd,
    quote_cmd,
    search_cmd,
    serve_cmd,
)

REGISTRY = [
    index_cmd.register,
    search_cmd.register,
    passages_cmd.register,
    eval_cmd.register,
    citations_cmd.register,
    quote_cmd.register,
    serve_cmd.register,
    model_cmd.register,
    align_cmd.register,
]
