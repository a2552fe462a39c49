"""Load the embedding model in the background so the server answers at once.

The ONNX encoder loads in ~1 s and torch in 7-14 s on the 2-core machine; neither
should hold up ``/healthz``, the keyword mode or the reading pages. Until the
encoder is ready ``/healthz`` says ``"semantic": "loading"``; a semantic request
that arrives meanwhile waits for the same load (the service's lock), it does not
start a second one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class BackgroundLoad:
    """Run ``load`` once on a daemon thread and report ``loading`` / ``ready`` / ``failed: …``."""

    def __init__(self, load: Callable[[], object], name: str = "encoder-warmup") -> None:
        self._load = load
        self._error: str | None = None
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> BackgroundLoad:
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            self._load()
        except Exception as err:  # noqa: BLE001 - reported by status; the request that needs it raises it again
            self._error = f"{err.__class__.__name__}: {err}".splitlines()[0]
        finally:
            self._done.set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the load ended (tests, benchmarks); ``False`` on timeout."""
        return self._done.wait(timeout)

    @property
    def status(self) -> str:
        if not self._done.is_set():
            return "loading"
        return "ready" if self._error is None else f"failed: {self._error}"
