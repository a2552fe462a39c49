"""``manifest.json`` of an index generation: what was built, from what, with which model.

The file's place and version belong to :mod:`indexer.index_format`; this module
holds the record and its JSON form.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from indexer.errors import JumelageError

# The embedding runtime that built the vectors: torch (sentence-transformers), onnx, onnx-q4 or onnx-int8
# (indexer.embedding.backends). "sentence-transformers" is how early generations named torch.
DEFAULT_BACKEND = "torch"
_BACKEND_ALIASES = {"sentence-transformers": "torch"}


class IndexUnusable(JumelageError, ValueError):
    """The index is missing, corrupt, or was built by another schema or model."""


@dataclass(frozen=True)
class ModelInfo:
    model_id: str
    dimension: int
    prompts: dict[str, str] = field(default_factory=dict)
    backend: str = DEFAULT_BACKEND


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
    generation: int = 0
    analyzer_fingerprint: str = ""
    # doc id -> sha256 of the passages as indexed (what decides whether a document's Whoosh
    # documents can be kept by the next incremental build)
    document_checksums: dict[str, str] = field(default_factory=dict)
    # relative path -> {"bytes": n, "sha256": hex}: every file of the generation but this one
    files: dict[str, dict] = field(default_factory=dict)
    reused: dict[str, int] = field(default_factory=dict)  # what the build took from the previous generation

    def to_json(self) -> dict:
        return asdict(self)


def model_from_json(model: dict | None) -> ModelInfo | None:
    if not model:
        return None
    return ModelInfo(
        str(model["model_id"]),
        int(model["dimension"]),
        dict(model.get("prompts", {})),
        _BACKEND_ALIASES.get(str(model.get("backend", DEFAULT_BACKEND)), str(model.get("backend", DEFAULT_BACKEND))),
    )


def manifest_from_json(data: dict) -> IndexManifest:
    """Raises ValueError, KeyError or TypeError on a malformed record."""
    files = {str(k): {"bytes": int(v["bytes"]), "sha256": str(v["sha256"])} for k, v in dict(data["files"]).items()}
    return IndexManifest(
        schema_version=int(data["schema_version"]),
        built_at=str(data["built_at"]),
        build_seconds=float(data["build_seconds"]),
        corpus_checksum=str(data["corpus_checksum"]),
        passages=int(data["passages"]),
        documents={str(k): int(v) for k, v in dict(data["documents"]).items()},
        model=model_from_json(data.get("model")),
        sentences=int(data.get("sentences", 0)),
        generation=int(data["generation"]),
        analyzer_fingerprint=str(data["analyzer_fingerprint"]),
        document_checksums={str(k): str(v) for k, v in dict(data["document_checksums"]).items()},
        files=files,
        reused={str(k): int(v) for k, v in dict(data.get("reused", {})).items()},
    )
