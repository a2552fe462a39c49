"""Incremental index updates: the cost of adding one 40-passage declaration to an existing index.

Usage::

    python -m bench.incremental                 # bundled corpus + 100,000 synthetic passages
    python -m bench.incremental --scale 10000   # a smaller synthetic index

Writes ``bench/incremental.json`` and ``bench/incremental.md``. Targets (issue
"index lifecycle"): adding a 40-passage declaration to the bundled index in
≤ 10 s with the model loaded, to the 100k synthetic index in ≤ 30 s.

The added declaration is made of recombined sentences of the bundled French
texts, each sentence tagged with a unique marker so that no passage *and no
sentence* is already known to the index: every vector of the new document is
computed by the real model.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bench.stats import load_average, machine_info

BENCH_DIR = Path(__file__).resolve().parent
NEW_DOC = "2014-takamatsu-bench-fr"
NEW_PASSAGES = 40
TARGET_BUNDLED_S = 10.0
TARGET_SCALE_S = 30.0
_STARTED = time.perf_counter()


def say(message: str) -> None:
    print(f"[incremental {time.perf_counter() - _STARTED:7.1f}s] {message}", file=sys.stderr, flush=True)


def new_declaration_paragraphs(real, n: int = NEW_PASSAGES, seed: int = 7) -> list[str]:
    """``n`` French paragraphs no index has seen, sentence by sentence."""
    from bench.synthetic import generate
    from indexer.vectors import sentence_spans

    synth = generate([p for p in real if p.lang == "fr"], n * 10, seed=seed)
    paragraphs = []
    for i, p in enumerate(x for x in synth.passages if x.kind == "paragraph"):
        sentences = [p.text[s:e].rstrip(" .") for s, e in sentence_spans(p.text)]
        paragraphs.append(" ".join(f"{s} (point {i + 1}.{j + 1})." for j, s in enumerate(sentences)))
        if len(paragraphs) == n:
            break
    return paragraphs


def corpus_with_new_declaration(source: Path, dest: Path, paragraphs: list[str]) -> Path:
    shutil.copytree(source, dest)
    (dest / "fr" / f"{NEW_DOC}.txt").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    with (dest / "declarations.toml").open("a", encoding="utf-8") as handle:
        handle.write(
            f'\n[[document]]\nid = "{NEW_DOC}"\ntitle = "Déclaration de Takamatsu (banc d\'essai)"\n'
            'edition = 4\ncity = "Takamatsu"\ncountry = "Japon"\ndate = "2014-10-01"\nlang = "fr"\n'
            f'path = "fr/{NEW_DOC}.txt"\nstatus = "official"\n'
        )
    return dest


def timed_build(corpus, target: Path, encoder, **kwargs) -> tuple[float, object]:
    from indexer.build import build_index

    started = time.perf_counter()
    manifest = build_index(corpus, target, encoder, **kwargs)
    return round(time.perf_counter() - started, 2), manifest


def open_costs(index_dir: Path, repeats: int = 5) -> dict:
    """Median ms to open the current generation checking sizes only, and checking every sha256."""
    from indexer import index_format as fmt
    from search.index_reader import open_index

    costs: dict = {"bytes": fmt.total_bytes(fmt.read_manifest(index_dir))}
    for verify in ("sizes", "full"):
        samples = []
        for _ in range(repeats):
            started = time.perf_counter()
            open_index(index_dir, verify=verify).close()
            samples.append((time.perf_counter() - started) * 1000)
        costs[f"open_{verify}_ms"] = round(statistics.median(samples), 1)
    return costs


class TimedEncoder:
    """The real model, with the time spent encoding and the number of texts encoded recorded."""

    def __init__(self, model) -> None:
        self.model = model
        self.model_id, self.dimension, self.prompts = model.model_id, model.dimension, dict(model.prompts)
        self.backend = getattr(model, "backend", "torch")  # part of the reuse key: a wrapper must keep it
        self.seconds, self.texts = 0.0, 0

    def encode_passages(self, texts, batch_size: int | None = None, show_progress: bool = False):
        started = time.perf_counter()
        try:
            return self.model.encode_passages(texts, batch_size=batch_size, show_progress=False)
        finally:
            self.seconds += time.perf_counter() - started
            self.texts += len(texts)


def bundled(args, model, workdir: Path, out: dict) -> None:
    """One full build, then (add the declaration, remove it) ``repeats`` times: each add embeds it anew."""
    from indexer.corpus import load_corpus
    from indexer.corpus_passages import build_passages

    base = load_corpus(args.corpus)
    real = build_passages(base)
    bigger_dir = corpus_with_new_declaration(args.corpus, workdir / "corpus-plus", new_declaration_paragraphs(real))
    bigger = load_corpus(bigger_dir)
    added = sum(p.doc_id == NEW_DOC for p in build_passages(bigger))
    target = workdir / "bundled"
    full_s, _ = timed_build(base, target, model)
    say(f"bundled full build {full_s} s")
    runs = []
    for i in range(args.repeats):
        encoder = TimedEncoder(model)
        add_s, manifest = timed_build(bigger, target, encoder)
        remove_s, _ = timed_build(base, target, model)
        runs.append(
            {
                "add_s": add_s,
                "embedding_s": round(encoder.seconds, 2),
                "texts_embedded": encoder.texts,
                "other_s": round(add_s - encoder.seconds, 2),
                "remove_s": remove_s,
                "reused": manifest.reused,
            }
        )
        say(f"bundled run {i + 1}: {runs[-1]}")
    out["bundled"] = {
        "passages_before": len(real),
        "passages_added": added,
        "runs": runs,
        "full_build_s": full_s,
        "add_median_s": statistics.median(r["add_s"] for r in runs),
        "embedding_median_s": statistics.median(r["embedding_s"] for r in runs),
        "other_median_s": statistics.median(r["other_s"] for r in runs),
        "target_s": TARGET_BUNDLED_S,
        "open": open_costs(target),
    }


def scale(args, model, workdir: Path, out: dict) -> None:
    from bench.synthetic import ComposedEncoder, generate
    from indexer.corpus import load_corpus
    from indexer.corpus_passages import build_passages
    from indexer.normalize import normalize_french

    base = load_corpus(args.corpus)
    real = build_passages(base)
    synth = generate(real, args.scale)
    target = workdir / "scale"
    say(f"building the {args.scale:,}-passage synthetic index (composed vectors)")
    full_s, _ = timed_build(
        base, target, ComposedEncoder(model, synth), passages=synth.passages, sentence_vectors=False
    )
    new = normalize_french("\n\n".join(new_declaration_paragraphs(real)) + "\n", "synth-new-fr")
    say(f"adding {len(new)} passages with the real model")
    encoder = TimedEncoder(model)
    add_s, manifest = timed_build(base, target, encoder, passages=synth.passages + new, sentence_vectors=False)
    out["scale"] = {
        "passages_before": args.scale,
        "passages_added": len(new),
        "full_build_s": full_s,
        "add_s": add_s,
        "embedding_s": round(encoder.seconds, 2),
        "texts_embedded": encoder.texts,
        "reused": manifest.reused,
        "target_s": TARGET_SCALE_S,
        "open": open_costs(target),
    }
    say(f"scale: full {full_s} s, add {add_s} s; open {out['scale']['open']}")


def render(out: dict) -> str:
    lines = [
        "# Incremental index updates",
        "",
        f"Command: `{out['command']}`  ",
        f"Machine: {out['machine']}  ",
        f"Load average before / after: {out['load_before']} / {out['load_after']}  ",
        f"Embedding backend: {out.get('backend', 'torch')}",
        "",
    ]
    if "bundled" in out:
        b = out["bundled"]
        ok = "met" if b["add_median_s"] <= b["target_s"] else "MISSED"
        lines += [
            (
                f"## Bundled corpus ({b['passages_before']} passages) + one declaration of {b['passages_added']} "
                "passages, model loaded"
            ),
            "",
            (
                f"- add (incremental build): median **{b['add_median_s']} s** over {len(b['runs'])} runs "
                f"(target ≤ {b['target_s']} s: {ok}); runs: {', '.join(str(r['add_s']) for r in b['runs'])} s"
            ),
            (
                f"- of which embedding the new texts ({b['runs'][0]['texts_embedded']} passages and sentences): "
                f"median {b['embedding_median_s']} s; everything else (store, Whoosh copy and add, citations, "
                f"checksums, fsync): median {b['other_median_s']} s"
            ),
            (
                f"- removing it again (nothing to embed): {', '.join(str(r['remove_s']) for r in b['runs'])} s; "
                f"full build of the bundled corpus: {b['full_build_s']} s"
            ),
            f"- reused from the previous generation: {b['runs'][0]['reused']}",
            (
                f"- opening the index ({b['open']['bytes']:,} bytes): sizes checked {b['open']['open_sizes_ms']} ms, "
                f"every sha256 checked {b['open']['open_full_ms']} ms (median of 5)"
            ),
            "",
        ]
    if "scale" in out:
        s = out["scale"]
        ok = "met" if s["add_s"] <= s["target_s"] else "MISSED"
        lines += [
            f"## Synthetic index of {s['passages_before']:,} passages + {s['passages_added']} passages",
            "",
            (
                f"- add with the real model (loaded): **{s['add_s']} s** (target ≤ {s['target_s']} s: {ok}), "
                f"of which embedding {s['texts_embedded']} texts {s['embedding_s']} s; reused {s['reused']}"
            ),
            f"- full build (composed vectors, no real embedding): {s['full_build_s']} s",
            (
                f"- opening the index ({s['open']['bytes']:,} bytes): sizes checked {s['open']['open_sizes_ms']} ms, "
                f"every sha256 checked {s['open']['open_full_ms']} ms (median of 5)"
            ),
            "",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.incremental", description=__doc__.splitlines()[0])
    p.add_argument("--scale", type=int, default=100_000, help="synthetic passages (0: skip; default 100000)")
    p.add_argument("--repeats", type=int, default=3, help="bundled runs (default 3)")
    p.add_argument("--corpus", type=Path, default=Path("corpus"))
    p.add_argument("--model", default="var/model/multilingual-e5-small")
    p.add_argument("--out", type=Path, default=BENCH_DIR)
    p.add_argument(
        "--embedding-backend",
        default=None,
        help="torch, onnx, onnx-q4 or onnx-int8 (default: the index default, as `jumelage add` uses)",
    )
    args = p.parse_args(argv)
    from indexer.embedding.backends import effective_backend, load_encoder

    out: dict = {
        "command": "python -m bench.incremental " + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": machine_info(),
        "load_before": load_average(),
    }
    model = load_encoder(args.model, args.embedding_backend)
    out["backend"] = effective_backend(args.model, args.embedding_backend)
    with tempfile.TemporaryDirectory(prefix="jumelage-incremental-") as tmp:
        workdir = Path(tmp)
        bundled(args, model, workdir, out)
        if args.scale:
            scale(args, model, workdir, out)
    out["load_after"] = load_average()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "incremental.json").write_text(json.dumps(out, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    (args.out / "incremental.md").write_text(render(out) + "\n", encoding="utf-8")
    say(f"wrote {args.out / 'incremental.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
