"""What a command does when the reader of its output goes away (``jumelage … 2>&1 | head -1``).

Progress lines go to stderr. Before this guard, a progress line written to a
closed pipe raised :class:`BrokenPipeError` in the middle of ``add`` / ``remove``;
the command rolled its change back, and ``main`` reported the broken pipe as
"the reader left, nothing is wrong": exit 0, "removed …" printed, nothing
removed. Two rules now:

* stderr is diagnostics only: a line that cannot be written is dropped (the
  descriptor is pointed at ``os.devnull``, so the buffered rest and the flush at
  exit cannot fail either) and the work goes on.
* stdout is the command's answer: a closed stdout still stops the command (for
  ``passages --json | head`` there is no point going on), and is recorded, so
  that ``main`` answers 0 only for *that* broken pipe; any other one is a bug.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterator
from typing import TextIO, cast


def _to_devnull(stream: TextIO) -> None:
    """Point the descriptor under ``stream`` at ``os.devnull`` (nothing to do for an in-memory stream)."""
    try:
        fd = stream.fileno()
    except (OSError, ValueError, io.UnsupportedOperation):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


class GuardedStream:
    """A text stream that notices a closed pipe; with ``drop``, it swallows it instead of raising."""

    def __init__(self, stream: TextIO, *, drop: bool) -> None:
        self.stream = stream
        self.drop = drop
        self.broken = False

    def _closed_pipe(self) -> None:
        self.broken = True
        _to_devnull(self.stream)

    def write(self, text: str) -> int:
        try:
            return self.stream.write(text)
        except BrokenPipeError:
            self._closed_pipe()
            if self.drop:
                return len(text)
            raise

    def flush(self) -> None:
        try:
            self.stream.flush()
        except BrokenPipeError:
            self._closed_pipe()
            if not self.drop:
                raise

    def __getattr__(self, name: str):  # fileno, isatty, encoding, buffer…: the wrapped stream's
        return getattr(self.stream, name)


@contextlib.contextmanager
def guarded_streams() -> Iterator[GuardedStream]:
    """Guard ``sys.stderr`` (dropping) and ``sys.stdout`` (recording) for one command; yields the stdout guard."""
    saved = sys.stdout, sys.stderr
    out = GuardedStream(sys.stdout, drop=False)
    sys.stdout = cast(TextIO, out)
    sys.stderr = cast(TextIO, GuardedStream(sys.stderr, drop=True))
    try:
        yield out
    finally:
        sys.stdout, sys.stderr = saved
