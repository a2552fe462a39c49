"""``manifest.json`` of an index directory: what was built, from what, with which model."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from indexer.errors import JumelageError

SCHEMA_VERSION = 1
MANIFEST_FILE = "manifest.json"


class IndexUnusable(JumelageError, ValueError):
    """The index is missing, corrupt, or was built by another schema or model."""


@dataclass(frozen=True)
class ModelInfo:
    model_id: str
    dimension: int
    prompts: dict[str, str] = field(default_factory=dict)
    backend: str = "torch"  # torch | onnx | onnx-int8: vectors differ slightly between them


@dataclass(frozen=True)
class IndexManifest:
    schema_version: int
    built_at: str
    build_seconds: float
    corpus_checksum: str
    passages: int
    documents: dict[str, int]
    model: ModelInfo | None
    sentences: int = 0

    def to_json(self) -> dict:
        return asdict(self)

    def write(self, directory: Path) -> None:
        (directory / MANIFEST_FILE).write_text(json.dumps(self.to_json(), ensure_ascii=False, indent=2), encoding="utf-8")


def read_manifest(directory: Path) -> IndexManifest:
    """Read and check an index manifest.

    Raises
    ------
    IndexUnusable
        When there is no index, the manifest is unreadable, or its schema
        version is not this program's; the message says to (re-)index.
    """
    path = directory / MANIFEST_FILE
    if not path.is_file():
        raise IndexUnusable(f"no index at {directory}: build one with `jumelage index --index {directory}`")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        model = data.get("model")
        manifest = IndexManifest(
            schema_version=int(data["schema_version"]),
            built_at=str(data["built_at"]),
            build_seconds=float(data["build_seconds"]),
            corpus_checksum=str(data["corpus_checksum"]),
            passages=int(data["passages"]),
            documents={str(k): int(v) for k, v in dict(data["documents"]).items()},
            model=ModelInfo(str(model["model_id"]), int(model["dimension"]), dict(model.get("prompts", {})),
                            str(model.get("backend", "torch"))) if model else None,
            sentences=int(data.get("sentences", 0)),
        )
    except (ValueError, KeyError, TypeError, AttributeError) as err:
        raise IndexUnusable(f"corrupt index manifest {path} ({err.__class__.__name__}: {err}): re-index with `jumelage index`") from None
    if manifest.schema_version != SCHEMA_VERSION:
        raise IndexUnusable(
            f"index at {directory} has schema version {manifest.schema_version}, this jumelage reads {SCHEMA_VERSION}: "
            "re-index with `jumelage index`"
        )
    return manifest
