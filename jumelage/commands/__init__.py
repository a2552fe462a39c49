"""One module per subcommand; each exposes ``register(subparsers)``."""

from jumelage.commands import (
    add_cmd,
    align_cmd,
    citations_cmd,
    commitments_cmd,
    echoes_cmd,
    eval_cmd,
    index_cmd,
    model_cmd,
    passages_cmd,
    quote_cmd,
    remove_cmd,
    search_cmd,
    serve_cmd,
)

REGISTRY = [
    index_cmd.register,
    search_cmd.register,
    passages_cmd.register,
    eval_cmd.register,
    commitments_cmd.register,
    echoes_cmd.register,
    citations_cmd.register,
    quote_cmd.register,
    serve_cmd.register,
    model_cmd.register,
    add_cmd.register,
    remove_cmd.register,
    align_cmd.register,
]
