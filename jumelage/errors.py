"""The exceptions that mean "the user asked for something wrong", shown as one line.

Every one derives from :class:`indexer.errors.JumelageError`; anything else
raised by a command is a bug and keeps its traceback (exit 1).
"""

from indexer.errors import JumelageError

USER_ERRORS: tuple[type[Exception], ...] = (JumelageError,)
