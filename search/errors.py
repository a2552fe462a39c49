"""Errors a user can cause, each with a message that says what to do."""

from indexer.errors import JumelageError


class BadRequest(JumelageError, ValueError):
    """Invalid user input (empty query, unknown mode, out-of-range number…): exit 2 / HTTP 400."""


class NotFound(JumelageError, LookupError):
    """An unknown passage or document id: exit 2 / HTTP 404."""

    def __str__(self) -> str:  # LookupError would repr() the message in quotes
        return str(self.args[0]) if self.args else "not found"
