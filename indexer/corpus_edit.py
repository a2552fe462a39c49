"""Textual edits of ``corpus/declarations.toml``: append a document (and its edition), remove it again.

The manifest is a hand-written file with comments; re-serialising it from
parsed data would drop them and reorder keys. So ``add`` appends one
``[[document]]`` block at the end (and inserts one ``[[edition]]`` block after
the last edition when the edition is new), and ``remove`` cuts exactly the
lines ``add`` wrote: adding then removing a document gives the file back byte
for byte. An edition inserted by ``add`` carries a comment naming the
document it was added with; ``remove`` drops it with that document unless
another document now refers to it.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import tomllib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from indexer.corpus import MANIFEST_NAME, CorpusError

DOCUMENT_KEY_ORDER = (
    "id",
    "title",
    "edition",
    "city",
    "country",
    "date",
    "lang",
    "path",
    "status",
    "translation_of",
    "source_format",
    "source_sha256",
    "source_name",
)
EDITION_KEY_ORDER = ("number", "city", "country", "year", "dates", "label_fr", "label_ja")
_TABLE_HEADER = re.compile(r"^\s*\[\[?\s*([A-Za-z_]+)\s*\]\]?\s*(#.*)?$")
_ADDED_EDITION = "# edition added by `jumelage add` with document {doc_id}"


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    # A JSON string is a valid TOML basic string (same escapes), non-ASCII kept readable.
    return json.dumps(str(value), ensure_ascii=False)


def _block(header: str, entry: Mapping[str, object], order: tuple[str, ...]) -> str:
    keys = [k for k in order if k in entry and entry[k] is not None]
    keys += sorted(k for k in entry if k not in order and entry[k] is not None)
    return f"[[{header}]]\n" + "".join(f"{k} = {_toml_value(entry[k])}\n" for k in keys)


def document_block(entry: Mapping[str, object]) -> str:
    """The ``[[document]]`` block ``add`` appends (preceded by one blank line)."""
    return "\n" + _block("document", entry, DOCUMENT_KEY_ORDER)


def edition_block(entry: Mapping[str, object], doc_id: str) -> str:
    """The ``[[edition]]`` block ``add`` inserts, marked with the document it came with."""
    return "\n" + _ADDED_EDITION.format(doc_id=doc_id) + "\n" + _block("edition", entry, EDITION_KEY_ORDER)


def _write_atomically(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        os.chmod(tmp, path.stat().st_mode & 0o777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _tables(lines: list[str]) -> list[tuple[str, int, int]]:
    """(name, first line, end line) of each table; a table ends where the next header or comment block begins."""
    headers = [(i, m.group(1)) for i, line in enumerate(lines) if (m := _TABLE_HEADER.match(line))]
    out = []
    for n, (i, name) in enumerate(headers):
        end = headers[n + 1][0] if n + 1 < len(headers) else len(lines)
        while end > i + 1 and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith("#")):
            end -= 1  # trailing blank lines and the next table's comments are not part of this one
        out.append((name, i, end))
    return out


def with_document(text: str, entry: Mapping[str, object], new_edition: Mapping[str, object] | None) -> str:
    """``text`` with the document appended and, when given, the edition inserted after the last one."""
    if text and not text.endswith("\n"):
        text += "\n"
    if new_edition is not None:
        lines = _lines(text)
        editions = [t for t in _tables(lines) if t[0] == "edition"]
        at = editions[-1][2] if editions else 0
        block = edition_block(new_edition, str(entry["id"]))
        if at == 0:
            block = block.lstrip("\n") + "\n"
        text = "".join(lines[:at]) + block + "".join(lines[at:])
    return text + document_block(entry)


def without_document(text: str, doc_id: str) -> str:
    """``text`` without the document's block (and without an edition ``add`` inserted for it alone).

    Raises
    ------
    CorpusError
        When no ``[[document]]`` block has this id.
    """
    lines = _lines(text)
    target = None
    for name, start, end in _tables(lines):
        if name == "document" and tomllib.loads("".join(lines[start + 1 : end])).get("id") == doc_id:
            target = (start, end)
    if target is None:
        raise CorpusError(f"no [[document]] with id {doc_id!r} in {MANIFEST_NAME}")
    start, end = target
    if start > 0 and not lines[start - 1].strip():
        start -= 1  # the blank line `add` wrote before the block
    lines = lines[:start] + lines[end:]
    remaining = tomllib.loads("".join(lines))
    marker = _ADDED_EDITION.format(doc_id=doc_id)
    for i, line in enumerate(lines):
        if line.strip() == marker:
            tables = [t for t in _tables(lines) if t[1] == i + 1]
            if not tables:
                continue
            number = tomllib.loads("".join(lines[i + 2 : tables[0][2]])).get("number")
            if any(d.get("edition") == number for d in remaining.get("document", [])):
                continue
            cut_start = i - 1 if i > 0 and not lines[i - 1].strip() else i
            lines = lines[:cut_start] + lines[tables[0][2] :]
            break
    return "".join(lines)


def append_document(root: Path, entry: Mapping[str, object], new_edition: Mapping[str, object] | None = None) -> None:
    """Add the document (and the edition) to ``root/declarations.toml``, atomically."""
    path = Path(root) / MANIFEST_NAME
    _write_atomically(path, with_document(path.read_text(encoding="utf-8"), entry, new_edition))


def remove_document(root: Path, doc_id: str) -> None:
    """Remove the document's block from ``root/declarations.toml``, atomically."""
    path = Path(root) / MANIFEST_NAME
    _write_atomically(path, without_document(path.read_text(encoding="utf-8"), doc_id))


def corpus_lock_path(root: Path | str) -> Path:
    """The lock file of a corpus folder: in the temporary folder, named after the corpus's real path.

    Not inside the corpus: a failed ``add`` must leave the corpus byte for byte
    as it was, and a lock file left beside ``declarations.toml`` would not.
    """
    key = hashlib.sha256(str(Path(root).resolve()).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"jumelage-corpus-{key}.lock"


@contextmanager
def corpus_lock(root: Path | str) -> Iterator[None]:
    """Hold the corpus's edit lock for one ``add`` / ``remove``; fail at once (one line) when another holds it.

    Two commands editing ``declarations.toml`` at once would each read the file,
    append their block and write it back: one addition would be lost, or both
    would take the same id. The lock covers the checks too (id unique, edition
    known), so what was checked is still true when it is written.
    """
    from filelock import FileLock, Timeout

    lock = FileLock(str(corpus_lock_path(root)))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise CorpusError(
            f"another `jumelage add` or `remove` is changing the corpus at {root}: "
            "wait for it to finish, then run the command again"
        ) from None
    try:
        yield
    finally:
        lock.release()
