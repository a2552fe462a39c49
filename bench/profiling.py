"""pyinstrument profiles of a missed target, saved under bench/profiles/ (git-ignored)."""

from __future__ import annotations

from pathlib import Path

from bench.latency import Query
from search.request import make_request

PROFILE_DIR = Path(__file__).resolve().parent / "profiles"
FLAT_LINES = 22


def profile_search(service, queries: list[Query], mode: str, repeats: int, name: str) -> dict:
    """Profile ``repeats`` warm passes of ``service.search`` in ``mode``; write tree and flat views.

    Returns
    -------
    dict
        Paths of the two text files and the top of the flat (self-time) view,
        for the report's "where the time goes" section.
    """
    from pyinstrument import Profiler

    for q in queries:  # warm: the profile is of the warm path the targets are about
        service.search(make_request(q.text, mode=mode))
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(repeats):
        for q in queries:
            service.search(make_request(q.text, mode=mode))
    profiler.stop()
    PROFILE_DIR.mkdir(parents=True, exist_ok=True)
    tree = PROFILE_DIR / f"{name}.txt"
    flat = PROFILE_DIR / f"{name}.flat.txt"
    tree.write_text(profiler.output_text(unicode=True, color=False, show_all=False), encoding="utf-8")
    flat_text = profiler.output_text(unicode=True, color=False, flat=True, flat_time="self")
    flat.write_text(flat_text, encoding="utf-8")
    lines = [line for line in flat_text.splitlines() if line.strip()]
    start = next((i + 1 for i, line in enumerate(lines) if line.startswith("Profile at")), 0)
    top = lines[start : start + FLAT_LINES]
    return {
        "tree": str(tree.relative_to(PROFILE_DIR.parent.parent)),
        "flat": str(flat.relative_to(PROFILE_DIR.parent.parent)),
        "top_self": top,
    }
