"""Figures of the automatic aligner: accuracy on the bundled pairs (clean and damaged), confusion, time.

Run: ``python -m bench.align [--index DIR] [--runs N] [--out bench/align_report.md]``.
With an index built with vectors, its passage and sentence vectors are reused;
the rest (merged passages, sentences) is embedded with the model.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from indexer.align import DEFAULT_PARAMS, align_passages
from indexer.auto_alignment import load_glossary
from indexer.corpus import load_corpus
from indexer.corpus_passages import build_passages
from tests.align_cases import accuracy, build_cases, wrong_passages

PAIRS = {"2010-kanazawa-fr": "2010-kanazawa-ja", "2012-chartres-fr": "2012-chartres-ja"}
ABLATIONS = {
    "default": {},
    "no anchors": {"anchor_weight": 0.0},
    "no heading shape": {"heading_weight": 0.0},
    "no length term": {"length_weight": 0.0},
    "merges up to 2": {"max_merge": 2},
}


def _vector_lookup(index_dir: str | None):
    from indexer.embedding.model import EmbeddingModel

    known: dict[str, np.ndarray] = {}
    if index_dir:
        from search.index_reader import open_index

        index = open_index(Path(index_dir))
        if index.vectors is not None:
            known.update({p.text: index.vectors[row] for row, p in enumerate(index.store.passages)})
            for i, (row, s, e) in enumerate(index.sentence_spans):
                known.setdefault(index.store.passages[row].text[s:e].strip(), index.sentence_vectors[i])
    model: list[EmbeddingModel] = []

    def vectors(texts: list[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            if not model:
                model.append(EmbeddingModel())
            known.update(zip(missing, model[0].encode_passages(missing), strict=False))
        return np.array([known[t] for t in texts], dtype=np.float32)

    return vectors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.align", description=__doc__)
    parser.add_argument("--corpus", default="corpus")
    parser.add_argument("--index", help="an index with vectors to reuse")
    parser.add_argument("--runs", type=int, default=20, help="timed runs of the 86 × 86 alignment")
    parser.add_argument("--out", default="bench/align_report.md")
    args = parser.parse_args(argv)

    corpus = load_corpus(args.corpus)
    glossary = load_glossary(corpus.root)
    passages = build_passages(corpus)
    vectors = _vector_lookup(args.index)
    lines = [
        "# Automatic alignment — figures",
        "",
        f"Command: `python -m bench.align{' --index ' + args.index if args.index else ''}`; "
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.2f} at start; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "",
        "Accuracy = share of French passages whose automatic Japanese partners are exactly the hand-marked ones.",
        "",
    ]
    cases = {}
    for fr_id, ja_id in PAIRS.items():
        fr = [p for p in passages if p.doc_id == fr_id]
        ja = [p for p in passages if p.doc_id == ja_id]
        gold = [frozenset(int(q.rsplit(":", 1)[1]) for q in p.aligned_passage_ids) for p in fr]
        cases[fr_id] = (fr, build_cases([p.text for p in fr], [p.text for p in ja], gold, vectors))

    for label, change in ABLATIONS.items():
        params = dataclasses.replace(DEFAULT_PARAMS, **change)
        lines += [
            f"## {label}",
            "",
            "| pair | case | accuracy | links 1:1 / 1:n / n:1 / 1:0 / 0:1 | flagged | wrong (French ordinal: got → expected) |",
            "|---|---|---|---|---|---|",
        ]
        for fr_id, (_fr, fr_cases) in cases.items():
            for case in fr_cases:
                result = align_passages(
                    case.fr_texts, case.ja_texts, case.fr_vecs, case.ja_vecs, glossary=glossary, params=params
                )
                got = result.source_map()
                wrong = [f"{i}: {list(got.get(i, ()))} → {sorted(case.gold[i])}" for i in wrong_passages(case, result)]
                c = result.counts
                kinds = " / ".join(str(c.get(k, 0)) for k in ("1:1", "1:n", "n:1", "1:0", "0:1"))
                lines.append(
                    f"| {fr_id} | {case.name} | {accuracy(case, result):.1%} "
                    f"({len(case.gold) - len(wrong)}/{len(case.gold)}) | {kinds} | "
                    f"{len(result.low_links())} | {'; '.join(wrong) or '—'} |"
                )
        lines.append("")

    kan, cha = cases["2010-kanazawa-fr"][1][0], cases["2012-chartres-fr"][1][0]
    lines += ["## A pair with nothing in common", ""]
    for label, a, b in (("FR Kanazawa × JA Chartres", kan, cha), ("FR Chartres × JA Kanazawa", cha, kan)):
        r = align_passages(a.fr_texts, b.ja_texts, a.fr_vecs, b.ja_vecs, glossary=glossary)
        lines.append(
            f"- {label}: {len(r.low_links())}/{len(r.links)} links below the threshold, median confidence "
            f"{statistics.median(link.confidence for link in r.links):.2f}, coverage {r.coverage:.0%}; "
            f"warning: {r.warning!r}"
        )
    lines.append("")

    timings, cpu = [], []
    for _ in range(args.runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        align_passages(cha.fr_texts, cha.ja_texts, cha.fr_vecs, cha.ja_vecs, glossary=glossary)
        timings.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    split = cases["2012-chartres-fr"][1][3]
    split_t = []
    for _ in range(max(3, args.runs // 4)):
        started = time.perf_counter()
        align_passages(split.fr_texts, split.ja_texts, split.fr_vecs, split.ja_vecs, glossary=glossary)
        split_t.append(time.perf_counter() - started)
    lines += [
        "## Time (vectors computed)",
        "",
        f"- Chartres {len(cha.fr_texts)} × {len(cha.ja_texts)}: median {statistics.median(timings) * 1000:.0f} ms, "
        f"max {max(timings) * 1000:.0f} ms over {args.runs} runs (target ≤ 1 s); CPU time median "
        f"{statistics.median(cpu) * 1000:.0f} ms; load average {os.getloadavg()[0]:.2f} at the end",
        f"- Chartres split at every sentence {len(split.fr_texts)} × {len(split.ja_texts)}: median "
        f"{statistics.median(split_t) * 1000:.0f} ms",
        "",
    ]
    report = "\n".join(lines)
    Path(args.out).write_text(report, encoding="utf-8")
    sys.stdout.write(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
