"""The on-disk index format: one owner for its layout, names, versions, checksums and lifecycle.

An index directory holds immutable *generations* and one pointer::

    INDEX_DIR/
      CURRENT               "gen-000042\\n": the generation readers open (replaced by one os.replace)
      write.lock            held by the one writer (filelock)
      gen-000041/           an older generation, removed once no process has it open
      gen-000042/
        manifest.json       schema, analyzer fingerprint, model, corpus checksum, counts, sha256 per file
        passages.sqlite     passages, documents, editions
        whoosh/             keyword index
        vectors.npy  vector_ids.json            (built with a model)
        sentence_vectors.npy  sentences.json    (built with a model)
        citations.json      references and echoes
      .staging-gen-000043-<pid>/   a build in progress (debris if the build was killed)

The writer builds a generation in a staging folder, fsyncs it, renames it to
``gen-NNNNNN`` and only then replaces ``CURRENT`` (write a temporary file,
fsync, ``os.replace``, fsync the folder), the way Lucene publishes a commit
point: a reader sees the old generation or the new one, never half of one.

A reader holds a shared ``flock`` on the generation folder for as long as it
uses it; the writer removes an old generation only when it can take an
exclusive lock on it, i.e. when no process has it open. Where ``fcntl`` does
not exist (Windows) the writer keeps the previous generation and removes the
older ones.

Every part is written and read through the pairs below (``write_store`` /
``read_store`` and so on); the part modules (:mod:`indexer.store`,
:mod:`indexer.keyword_index`, :mod:`indexer.vectors`,
:mod:`indexer.citations_file`) take the paths this module gives them.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from indexer.fsutil import sha256_file
from indexer.manifest import IndexManifest, IndexUnusable, manifest_from_json

DEFAULT_INDEX_DIR = Path("var/index")


def resolve_index_dir(flag: str | os.PathLike | None) -> Path:
    """``--index`` wins over ``JUMELAGE_INDEX``, which wins over ``./var/index``.

    Here, with no heavy import, so that a command can name its index (and fail
    on bad input) before numpy, Whoosh or the model are loaded.
    """
    if flag:
        return Path(flag)
    env = os.environ.get("JUMELAGE_INDEX")
    return Path(env) if env else DEFAULT_INDEX_DIR


try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

SCHEMA_VERSION = 2
POINTER_FILE = "CURRENT"
LOCK_FILE = "write.lock"
GENERATION_PREFIX = "gen-"
STAGING_PREFIX = ".staging-"
MANIFEST_FILE = "manifest.json"
STORE_FILE = "passages.sqlite"
WHOOSH_DIR = "whoosh"
VECTORS_FILE = "vectors.npy"
VECTOR_IDS_FILE = "vector_ids.json"
SENTENCE_VECTORS_FILE = "sentence_vectors.npy"
SENTENCES_FILE = "sentences.json"
CITATIONS_FILE = "citations.json"
# Files of the schema-1 layout (one flat folder, no generations): removed by the first new build.
LEGACY_FILES = (
    MANIFEST_FILE,
    STORE_FILE,
    WHOOSH_DIR,
    VECTORS_FILE,
    VECTOR_IDS_FILE,
    SENTENCE_VECTORS_FILE,
    SENTENCES_FILE,
    CITATIONS_FILE,
)
# Verifying sha256 of every file costs ~2 ms per MiB here; below this size a reader always does it.
FULL_VERIFY_BYTES = 64 * 2**20

_GENERATION = re.compile(r"^gen-(\d{6,})$")

Progress = Callable[[str], None]


class IndexBusy(IndexUnusable):
    """Another process is writing this index."""


class NoIndex(IndexUnusable):
    """Nothing was ever built at this path (as opposed to an index that is damaged or outdated)."""


def reindex_hint(index_dir: Path) -> str:
    return f"run `jumelage index --index {index_dir}`"


# -- names --------------------------------------------------------------------------------------
def generation_name(number: int) -> str:
    return f"{GENERATION_PREFIX}{number:06d}"


def generation_number(name: str) -> int | None:
    match = _GENERATION.match(name)
    return int(match.group(1)) if match else None


@dataclass(frozen=True)
class Layout:
    """The paths of the parts of one generation folder."""

    root: Path

    @property
    def manifest(self) -> Path:
        return self.root / MANIFEST_FILE

    @property
    def store(self) -> Path:
        return self.root / STORE_FILE

    @property
    def whoosh(self) -> Path:
        return self.root / WHOOSH_DIR

    @property
    def vectors(self) -> Path:
        return self.root / VECTORS_FILE

    @property
    def vector_ids(self) -> Path:
        return self.root / VECTOR_IDS_FILE

    @property
    def sentence_vectors(self) -> Path:
        return self.root / SENTENCE_VECTORS_FILE

    @property
    def sentences(self) -> Path:
        return self.root / SENTENCES_FILE

    @property
    def citations(self) -> Path:
        return self.root / CITATIONS_FILE


# -- fingerprints -------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def analyzer_fingerprint() -> str:
    """sha256 of what decides the analysed terms: analysis code, keyword schema, Sudachi and its dictionary.

    A change to any of them makes stored Whoosh segments and echo terms stale,
    so ``--if-stale`` rebuilds and incremental builds re-analyse everything.
    """
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in [*sorted((here / "analysis").glob("*.py")), here / "keyword_index.py"]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    for package in ("sudachipy", "sudachidict-core", "whoosh-reloaded", "simplemma"):
        try:
            digest.update(f"{package}=={metadata.version(package)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{package}==?".encode())
    return "sha256:" + digest.hexdigest()[:32]


def file_digests(root: Path) -> dict[str, dict[str, int | str]]:
    """``{relative path: {bytes, sha256}}`` of every file under ``root`` but the manifest and lock files."""
    out: dict[str, dict[str, int | str]] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        if rel != MANIFEST_FILE and not path.name.endswith("WRITELOCK"):  # Whoosh's lock file holds no data
            out[rel] = {"bytes": path.stat().st_size, "sha256": sha256_file(path)}
    return out


def verify_files(root: Path, manifest: IndexManifest, index_dir: Path, *, full: bool) -> None:
    """Check each file the manifest lists: present, of its size, and (``full``) of its sha256.

    Raises
    ------
    IndexUnusable
        Naming the first damaged file and the fix.
    """
    for rel, info in manifest.files.items():
        path = root / rel
        where = f"{root.name}/{rel}"
        try:
            size = path.stat().st_size
        except FileNotFoundError:
            raise IndexUnusable(f"index damaged: {where} is missing; {reindex_hint(index_dir)}") from None
        if size != info["bytes"]:
            raise IndexUnusable(
                f"index damaged: {where} has {size} bytes, its manifest says {info['bytes']}; {reindex_hint(index_dir)}"
            )
        if full and sha256_file(path) != info["sha256"]:
            raise IndexUnusable(f"index damaged: {where} fails its checksum; {reindex_hint(index_dir)}")


def total_bytes(manifest: IndexManifest) -> int:
    return sum(int(info["bytes"]) for info in manifest.files.values())


# -- pointer ------------------------------------------------------------------------------------
def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform can open a folder
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def read_pointer(index_dir: Path) -> str | None:
    """The generation ``CURRENT`` names, or None when there is no pointer.

    Raises
    ------
    IndexUnusable
        When the pointer exists but does not name a generation.
    """
    path = index_dir / POINTER_FILE
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    name = raw.decode("utf-8", "replace").strip()
    if generation_number(name) is None:
        raise IndexUnusable(
            f"index damaged: {path.name} holds {raw[:40]!r}, not a generation name; {reindex_hint(index_dir)}"
        )
    return name


def write_pointer(index_dir: Path, name: str) -> None:
    """Point ``CURRENT`` at ``name``: temporary file, fsync, one ``os.replace``, fsync of the folder."""
    tmp = index_dir / f".{POINTER_FILE}.tmp-{os.getpid()}"
    with tmp.open("w", encoding="utf-8") as handle:
        handle.write(name + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, index_dir / POINTER_FILE)
    _fsync_dir(index_dir)


# -- manifest -----------------------------------------------------------------------------------
def write_manifest(layout: Layout, manifest: IndexManifest) -> None:
    layout.manifest.write_text(json.dumps(manifest.to_json(), ensure_ascii=False, indent=2), encoding="utf-8")


def read_generation_manifest(root: Path, index_dir: Path) -> IndexManifest:
    """Read and check the manifest of one generation folder."""
    path = root / MANIFEST_FILE
    where = f"{root.name}/{MANIFEST_FILE}"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        manifest = manifest_from_json(data)
    except FileNotFoundError:
        raise IndexUnusable(f"index damaged: {where} is missing; {reindex_hint(index_dir)}") from None
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise IndexUnusable(
            f"index damaged: {where} is unreadable ({err.__class__.__name__}); {reindex_hint(index_dir)}"
        ) from None
    if manifest.schema_version != SCHEMA_VERSION:
        raise IndexUnusable(
            f"index at {index_dir} has schema version {manifest.schema_version}, this jumelage "
            f"reads {SCHEMA_VERSION}: {reindex_hint(index_dir)}"
        )
    return manifest


def current_generation_dir(index_dir: Path) -> Path:
    """The folder ``CURRENT`` names (no lease, no checks beyond the pointer)."""
    name = read_pointer(index_dir)
    if name is None:
        if (index_dir / MANIFEST_FILE).is_file():
            raise IndexUnusable(f"index at {index_dir} has the old single-folder layout: {reindex_hint(index_dir)}")
        if index_dir.is_dir() and any(generation_number(e.name) is not None for e in index_dir.iterdir()):
            raise IndexUnusable(f"index damaged: {index_dir}/{POINTER_FILE} is missing; {reindex_hint(index_dir)}")
        raise NoIndex(f"no index at {index_dir}: build one with `jumelage index --index {index_dir}`")
    return index_dir / name


def read_manifest(index_dir: Path) -> IndexManifest:
    """The manifest of the generation ``index_dir`` serves now."""
    root = current_generation_dir(Path(index_dir))
    if not root.is_dir():
        raise IndexUnusable(
            f"index damaged: {POINTER_FILE} names {root.name}, which does not exist; {reindex_hint(index_dir)}"
        )
    return read_generation_manifest(root, Path(index_dir))


# -- readers' leases ----------------------------------------------------------------------------
class Lease:
    """A shared lock on one generation folder: while held, no writer removes the folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._fd: int | None = None
        if fcntl is not None:
            fd = os.open(root, os.O_RDONLY)
            try:
                fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                raise
            self._fd = fd
        self._finalizer = weakref.finalize(self, _close_fd, self._fd)

    def release(self) -> None:
        self._finalizer()

    @property
    def held(self) -> bool:
        return self._finalizer.alive


def _close_fd(fd: int | None) -> None:
    if fd is not None:
        with contextlib.suppress(OSError):
            os.close(fd)


@dataclass
class Generation:
    """One generation opened for reading: its name, folder, manifest and lease."""

    index_dir: Path
    name: str
    layout: Layout
    manifest: IndexManifest
    lease: Lease

    @property
    def root(self) -> Path:
        return self.layout.root

    def release(self) -> None:
        self.lease.release()


def open_generation(index_dir: Path, *, verify: str = "auto") -> Generation:
    """Open the generation ``CURRENT`` names, take its lease and check its files.

    Parameters
    ----------
    verify
        ``"sizes"``: every listed file exists with its size (a stat each);
        ``"full"``: also its sha256; ``"auto"``: full when the generation
        is at most :data:`FULL_VERIFY_BYTES` (the bundled index: every time).

    Raises
    ------
    IndexUnusable
        One line naming the missing or damaged file and the fix.
    """
    index_dir = Path(index_dir)
    for _attempt in range(20):
        root = current_generation_dir(index_dir)
        try:
            lease = Lease(root)
        except FileNotFoundError:
            # A writer replaced the pointer and removed this generation between our two reads.
            if read_pointer(index_dir) != root.name:
                continue
            raise IndexUnusable(
                f"index damaged: {POINTER_FILE} names {root.name}, which does not exist; {reindex_hint(index_dir)}"
            ) from None
        except OSError:  # a writer holds it exclusively: it is being removed, so the pointer moved on
            continue
        if not root.is_dir():  # removed after we opened it
            lease.release()
            continue
        try:
            manifest = read_generation_manifest(root, index_dir)
            full = verify == "full" or (verify == "auto" and total_bytes(manifest) <= FULL_VERIFY_BYTES)
            verify_files(root, manifest, index_dir, full=full)
        except BaseException:
            lease.release()
            raise
        return Generation(index_dir, root.name, Layout(root), manifest, lease)
    raise IndexUnusable(f"index at {index_dir} keeps changing under the reader; try again")


# -- the writer ---------------------------------------------------------------------------------
_HELD: dict[tuple[Path, int], int] = {}  # (index dir, thread id) -> depth: the lock is re-entrant per thread


@contextlib.contextmanager
def writer_lock(index_dir: Path, *, wait: bool = False, progress: Progress | None = None) -> Iterator[None]:
    """Hold the index's write lock; fail at once (one line) unless ``wait``.

    Re-entrant within a thread, so that a command changing the corpus (``jumelage
    add``) can hold the lock around its change *and* the ``build_index`` it calls.
    """
    import threading

    from filelock import FileLock, Timeout

    index_dir.mkdir(parents=True, exist_ok=True)
    key = (index_dir.resolve(), threading.get_ident())
    if key in _HELD:
        _HELD[key] += 1
        try:
            yield
        finally:
            _HELD[key] -= 1
        return
    lock = FileLock(str(index_dir / LOCK_FILE))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        if not wait:
            raise IndexBusy(
                f"another process is writing the index at {index_dir} (lock {index_dir / LOCK_FILE}): "
                "wait for it to finish, or pass --wait"
            ) from None
        if progress:
            progress(f"waiting for the other writer of {index_dir} to finish")
        lock.acquire()
    _HELD[key] = 1
    try:
        yield
    finally:
        del _HELD[key]
        lock.release()


def _generation_numbers(index_dir: Path) -> list[int]:
    numbers = []
    for entry in index_dir.iterdir():
        number = generation_number(entry.name)
        if number is None and entry.name.startswith(STAGING_PREFIX):
            number = generation_number(entry.name[len(STAGING_PREFIX) :].rsplit("-", 1)[0])
        if number is not None:
            numbers.append(number)
    return numbers


def remove_debris(index_dir: Path, progress: Progress | None = None) -> None:
    """Remove what killed builds left (call with the write lock held).

    Staging folders, generations newer than ``CURRENT`` (renamed but never
    published), stray pointer temporaries, and the ``.NAME.tmp-*`` /
    ``.NAME.old-*`` siblings of the schema-1 swap.
    """
    try:
        current = read_pointer(index_dir)
        current_number = generation_number(current) or 0 if current else 0
    except IndexUnusable:  # a damaged pointer: keep every generation, the new one will be published over it
        current_number = None
    removed = []
    for entry in index_dir.iterdir():
        number = generation_number(entry.name)
        unpublished = number is not None and current_number is not None and number > current_number
        if unpublished or entry.name.startswith((STAGING_PREFIX, f".{POINTER_FILE}.tmp-")):
            _remove(entry)
            removed.append(entry.name)
    for pattern in (f".{index_dir.name}.tmp-*", f".{index_dir.name}.old-*"):
        for entry in index_dir.parent.glob(pattern):
            _remove(entry)
            removed.append(entry.name)
    if removed and progress:
        progress(f"removed the leftovers of an interrupted build: {', '.join(sorted(removed))}")


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def new_staging(index_dir: Path) -> tuple[Path, int]:
    """A fresh staging folder for the next generation, and that generation's number."""
    number = max(_generation_numbers(index_dir), default=0) + 1
    staging = index_dir / f"{STAGING_PREFIX}{generation_name(number)}-{os.getpid()}"
    staging.mkdir(mode=0o755)
    return staging, number


def _fsync_tree(root: Path) -> None:
    for path in root.rglob("*"):
        if path.is_file():
            fd = os.open(path, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)
    for folder in [root, *(p for p in root.rglob("*") if p.is_dir())]:
        _fsync_dir(folder)


def publish(staging: Path, index_dir: Path, number: int) -> str:
    """Make the staged generation durable, give it its name, and point ``CURRENT`` at it."""
    _fsync_tree(staging)
    name = generation_name(number)
    os.rename(staging, index_dir / name)
    _fsync_dir(index_dir)
    write_pointer(index_dir, name)
    return name


def remove_unused_generations(index_dir: Path, keep: str) -> list[str]:
    """Remove every generation but ``keep`` that no reader holds (and the schema-1 files).

    Returns the names removed. Without ``fcntl`` the newest older generation
    is kept, since readers cannot be seen.
    """
    removed = []
    older = sorted(
        (e for e in index_dir.iterdir() if generation_number(e.name) is not None and e.name != keep),
        key=lambda e: generation_number(e.name) or 0,
    )
    if fcntl is None:
        older = older[:-1]
    for entry in older:
        if fcntl is not None:
            fd = os.open(entry, os.O_RDONLY)
            try:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:
                    continue  # a reader has it open: the next build tries again
                shutil.rmtree(entry, ignore_errors=True)
            finally:
                os.close(fd)
        else:  # pragma: no cover - Windows
            shutil.rmtree(entry, ignore_errors=True)
        removed.append(entry.name)
    for legacy in LEGACY_FILES:
        _remove(index_dir / legacy)
    return removed


# -- the parts: writers and readers in pairs ----------------------------------------------------
# Writers take the staging layout; readers take an opened generation and turn any failure into
# one IndexUnusable line naming the file (sizes and checksums were verified at open: what fails
# here is a same-size corruption under ``verify="sizes"``, or a format this code cannot read).
def _damaged(generation: Generation, path: Path, err: BaseException) -> IndexUnusable:
    rel = path.relative_to(generation.root).as_posix()
    return IndexUnusable(
        f"index damaged: {generation.name}/{rel} is unreadable ({err.__class__.__name__}); "
        f"{reindex_hint(generation.index_dir)}"
    )


def write_store(layout: Layout, corpus, passages) -> None:
    from indexer.store import write_store as write

    write(layout.store, corpus, passages)


def read_store(generation: Generation):
    import sqlite3

    from indexer.store import PassageStore

    try:
        return PassageStore(generation.layout.store)
    except (sqlite3.Error, OSError, ValueError, TypeError, KeyError) as err:  # the same thing to the user
        raise _damaged(generation, generation.layout.store, err) from None


def read_passage_texts(generation: Generation) -> tuple[list[str], list[str]]:
    """Passage ids and texts by row, without building passages (an incremental build needs no more)."""
    import sqlite3

    try:
        con = sqlite3.connect(f"file:{generation.layout.store}?mode=ro", uri=True)
        try:
            rows = con.execute("SELECT passage_id, text FROM passages ORDER BY row").fetchall()
        finally:
            con.close()
    except sqlite3.Error as err:
        raise _damaged(generation, generation.layout.store, err) from None
    return [pid for pid, _ in rows], [text for _, text in rows]


def write_keyword(layout: Layout, passages, progress=None, *, previous: Layout | None = None, remove_docs=()) -> None:
    """A fresh Whoosh index, or (``previous``) a copy of the previous one updated in place."""
    from indexer.keyword_index import update_keyword_index, write_keyword_index

    if previous is None:
        write_keyword_index(layout.whoosh, passages, progress)
    else:
        update_keyword_index(previous.whoosh, layout.whoosh, remove_docs, passages, progress)


def read_keyword_index(generation: Generation):
    from indexer.keyword_index import open_keyword_index

    try:
        ix = open_keyword_index(generation.layout.whoosh)
        with ix.searcher() as searcher:  # opens every segment's files now, not during the first query
            searcher.doc_count_all()
        return ix
    except Exception as err:  # noqa: BLE001 - a damaged segment fails in many ways (EOFError, struct, pickle...)
        raise _damaged(generation, generation.layout.whoosh, err) from None


def write_vectors(layout: Layout, passages, vectors) -> None:
    from indexer.vectors import write_vectors as write

    write(layout.vectors, layout.vector_ids, passages, vectors)


def read_vectors(generation: Generation, expected_ids):
    """The passage matrix (memory-mapped), checked against the passage ids of the store."""
    import numpy as np

    layout = generation.layout
    try:
        ids = json.loads(layout.vector_ids.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise _damaged(generation, layout.vector_ids, err) from None
    if not isinstance(ids, list) or ids != list(expected_ids):
        raise _damaged(generation, layout.vector_ids, ValueError("ids differ from the passage store"))
    try:
        matrix = np.load(layout.vectors, mmap_mode="r")
    except (OSError, ValueError, EOFError) as err:
        raise _damaged(generation, layout.vectors, err) from None
    if matrix.ndim != 2 or len(matrix) != len(ids):
        raise _damaged(generation, layout.vectors, ValueError(f"shape {matrix.shape}"))
    return matrix


def write_sentence_vectors(layout: Layout, spans, vectors) -> None:
    from indexer.vectors import write_sentence_vectors as write

    write(layout.sentence_vectors, layout.sentences, spans, vectors)


def read_sentence_vectors(generation: Generation):
    """``(matrix, spans)``, or None for an index built without sentence vectors."""
    from indexer.vectors import load_sentence_vectors

    layout = generation.layout
    if SENTENCE_VECTORS_FILE not in generation.manifest.files:
        return None
    try:
        return load_sentence_vectors(layout.sentence_vectors, layout.sentences)
    except (OSError, ValueError, TypeError, EOFError) as err:
        raise _damaged(generation, layout.sentence_vectors, err) from None


def write_citations(layout: Layout, corpus, passages, vectors, sentence_vectors=None):
    from indexer.citations_file import write_citations as write

    return write(layout.citations, corpus, passages, vectors, sentence_vectors)


def read_citations(generation: Generation):
    from indexer.citations_file import read_citations as read

    return read(generation.layout.citations)  # raises IndexUnusable naming the file
