"""Filesystem helpers shared by the index build and the model build."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from indexer.errors import CannotWrite


def check_writable_target(target: Path, what: str) -> None:
    """Fail now, before minutes of work, when ``target`` (a directory to create or replace) cannot be written.

    Raises
    ------
    CannotWrite
        When ``target`` is a file, or its nearest existing ancestor is a file or not writable.
    """
    if target.exists() and not target.is_dir():
        raise CannotWrite(f"{what} {target} is a file: give a directory path")
    ancestor = target.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise CannotWrite(f"cannot create {what} {target}: {ancestor} is a file")
    if not os.access(ancestor, os.W_OK | os.X_OK):
        raise CannotWrite(f"cannot write {what} {target}: {ancestor} is not writable; choose another path")


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


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks (index files and the model wheel can be large)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
