"""The one base class of every error a user can cause.

``jumelage`` catches :class:`JumelageError` only: it prints the message on one
line and exits 2 (the web layer answers 400/404/503). Anything else — a
``ValueError`` inside numpy, an ``OSError`` inside Whoosh — is a bug and keeps
its traceback (exit 1, HTTP 500), so it is reported rather than mistaken for
bad input. Boundaries that read user-supplied files (a corpus text, a
``--batch`` or evaluation file, a model folder) convert ``OSError`` and
``ValueError`` into a subclass here, with a message naming the file and the fix.

Subclasses that used to derive from a builtin (``ValueError``, ``LookupError``)
still do, so code written against the old bases keeps working; new ones need not.
"""

from __future__ import annotations


class JumelageError(Exception):
    """Something the user asked for cannot be done; ``str(err)`` says what to do instead."""


class UnreadableFile(JumelageError, OSError):
    """A file the user named cannot be read (missing, a directory, not UTF-8, bad JSON)."""


class CannotWrite(JumelageError, OSError):
    """An output directory the user named cannot be created or written."""


class ModelUnavailable(JumelageError, ValueError):
    """The embedding model folder is missing or unusable: build it with ``make model``."""


def read_user_text(path: object, what: str) -> str:
    """The UTF-8 text of a file the user named, or :class:`UnreadableFile` saying why not.

    ``what`` names the file's role in the message (``"batch file"``, ``"evaluation file"``).
    """
    from pathlib import Path

    p = Path(str(path))
    try:
        return p.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        raise UnreadableFile(f"{what} {p} is not UTF-8 text (byte {err.start}): save it as UTF-8") from None
    except IsADirectoryError:
        raise UnreadableFile(f"{what} {p} is a directory: give a file") from None
    except FileNotFoundError:
        raise UnreadableFile(f"{what} {p} does not exist") from None
    except OSError as err:
        raise UnreadableFile(f"cannot read {what} {p}: {err.strerror or err}") from None
