"""Filesystem helpers shared by the index build and the model build."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from indexer.errors import CannotWrite


def check_writable_target(target: Path, what: str, *, flag: str, replaced: bool = False) -> None:
    """Fail now, before minutes of work, when ``target`` (a directory to create or fill) cannot be written.

    The permission bits alone do not answer: root passes ``os.access`` on ``/proc``
    and on a read-only mount, and ``mkdir`` then fails minutes later with a
    traceback (the new-user trial: ``jumelage index --index /proc/idx``). So a
    directory is created and removed where the work will write: in ``target`` when
    it exists, else in its nearest existing ancestor, and also in its parent when
    the build ``replaced`` it whole by a renamed sibling (the model folder).

    Parameters
    ----------
    flag
        The option that names ``target`` (``--index``), for the message.

    Raises
    ------
    CannotWrite
        One line naming ``target``, what is wrong and ``flag``: ``target`` is a
        file, an ancestor is a file, or any OS error while probing.
    """
    fix = f"choose another path with {flag}"
    try:
        if target.exists() and not target.is_dir():
            raise CannotWrite(f"{what} {target} is a file: {fix}")
        ancestor = target.parent
        while not ancestor.exists() and ancestor != ancestor.parent:
            ancestor = ancestor.parent
        if not ancestor.is_dir():
            raise CannotWrite(f"cannot create {what} {target}: {ancestor} is a file; {fix}")
        places = [target] if target.is_dir() else [ancestor]
        if replaced and target.is_dir():
            places.append(target.parent)
        for place in places:
            _probe(place, f"cannot write {what} {target}: ", fix)
    except CannotWrite:
        raise
    except OSError as err:  # stat refused (a permission on the way): the same line, no traceback
        raise CannotWrite(f"cannot write {what} {target}: {err.strerror or err}; {fix}") from None


def _probe(directory: Path, prefix: str, fix: str) -> None:
    """Create and remove an empty folder in ``directory``; the OSError the real write would meet, as one line."""
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".write-probe-", dir=directory))
    except OSError as err:
        raise CannotWrite(f"{prefix}cannot create a folder in {directory} ({err.strerror or err}); {fix}") from None


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
