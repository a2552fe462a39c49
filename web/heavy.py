"""CPU-bound work of a request, off the event loop, with admission control.

Every step that analyses, searches, highlights or renders a large page runs in
one bounded thread pool, so the event loop only parses requests and writes
answers: ``/healthz`` and static files stay fast whatever the searches cost.
At most ``workers + queue`` heavy requests are admitted at once; the next one
gets an immediate 503 with ``Retry-After`` instead of joining a queue that grows
(a queued request would wait longer than a client retrying).

Why a dedicated pool rather than Starlette's ``run_in_threadpool``: that pool
(anyio's, 40 threads) is unbounded in practice; each thread keeps its own Whoosh
searcher, Sudachi tokenizer and malloc arena, which is where the server's RSS
grew from 836 to 1,453 MB over three load runs, and 40 threads fighting for two
cores and the GIL add latency without adding throughput.
"""

from __future__ import annotations

import asyncio
import functools
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")

DEFAULT_WORKERS = max(2, min(4, os.cpu_count() or 2))
DEFAULT_QUEUE = 16
RETRY_AFTER_S = 1


class Overloaded(Exception):
    """More heavy requests than the server admits at once: answered 503 with ``Retry-After``."""

    def __init__(self, retry_after: int = RETRY_AFTER_S) -> None:
        super().__init__("too many requests at once")
        self.retry_after = retry_after


class HeavyPool:
    """A fixed thread pool and a counter of admitted calls (running or waiting).

    Parameters
    ----------
    workers
        Threads doing the work: the cores, at most 4 (each query encodes on one torch thread).
    queue
        Calls that may wait for a thread; past ``workers + queue`` a call raises :class:`Overloaded`.
    """

    def __init__(self, workers: int = DEFAULT_WORKERS, queue: int = DEFAULT_QUEUE) -> None:
        if workers < 1 or queue < 0:
            raise ValueError("a heavy pool needs at least one worker and a queue of zero or more")
        self.workers = workers
        self.capacity = workers + queue
        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="jumelage-heavy")
        self._admitted = 0
        self._lock = threading.Lock()

    @property
    def admitted(self) -> int:
        """Calls running or waiting now."""
        return self._admitted

    def _release(self, _future: Future) -> None:
        with self._lock:
            self._admitted -= 1

    async def run(
        self, fn: Callable[..., T], *args: object, finished: Callable[[], None] | None = None, **kwargs: object
    ) -> T:
        """``fn(*args, **kwargs)`` on a pool thread, or :class:`Overloaded` at once when full.

        A call whose client went away is dropped if it has not started; one that has started
        finishes and only then frees its place (so the bound holds for the threads' real work).
        ``finished`` is called once when the call is over (done, failed, dropped or refused),
        which may be after the awaiting request has ended.
        """
        with self._lock:
            if self._admitted >= self.capacity:
                admitted = False
            else:
                admitted = True
                self._admitted += 1
        if not admitted:
            if finished is not None:
                finished()
            raise Overloaded()
        try:
            future = self._executor.submit(functools.partial(fn, *args, **kwargs))
        except BaseException:
            with self._lock:
                self._admitted -= 1
            if finished is not None:
                finished()
            raise
        future.add_done_callback(self._release)
        if finished is not None:
            future.add_done_callback(lambda _future: finished())
        return await asyncio.wrap_future(future)

    def shutdown(self) -> None:
        """Stop taking work; calls already queued are cancelled."""
        self._executor.shutdown(wait=False, cancel_futures=True)


async def run_heavy(request, fn: Callable[..., T], *args: object, **kwargs: object) -> T:
    """Run ``fn`` in the app's heavy pool (see :func:`web.app.create_app`).

    The request's index generation (:class:`web.reload.PinGeneration`) stays leased until
    ``fn`` is over, even when the client goes away first: otherwise a swap could close the
    generation (its searcher and memory-mapped vectors) under a thread still reading it.
    """
    pool: HeavyPool = request.app.state.jumelage_heavy
    live = getattr(request.app.state, "jumelage_live", None)
    state = request.scope.get("jumelage")
    call = functools.partial(fn, *args, **kwargs)
    if live is None or state is None:
        return await pool.run(call)
    live.retain(state)
    return await pool.run(call, finished=lambda: live.release(state))
