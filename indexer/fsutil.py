"""Filesystem helpers shared by the index build and the model build."""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def replace_directory(built: Path, target: Path) -> None:
    """Put the complete directory ``built`` at ``target``, then delete what was there.

    A non-empty directory cannot be the target of ``os.replace``, so the old one
    is first renamed aside (``.NAME.old-PID``): a reader sees either the old or
    the new directory, for the instant between the two renames none, never a
    half-written one. Both must be on the same filesystem (siblings are).
    """
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        os.replace(target, old)
    os.replace(built, target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
