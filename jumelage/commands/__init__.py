"""One module per subcommand; each exposes ``register(subparsers)``."""

from jumelage.commands import eval_cmd, index_cmd, model_cmd, passages_cmd, search_cmd, serve_cmd

REGISTRY = [
    index_cmd.register,
    search_cmd.register,
    passages_cmd.register,
    eval_cmd.register,
    serve_cmd.register,
    model_cmd.register,
]
