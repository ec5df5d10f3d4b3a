"""Index build time, peak memory and search latency on synthetic collections.

    python -m bench.search.speed                      # 1k, 10k, 100k; repeats 3, 3, 1
    python -m bench.search.speed --sizes 1000 --repeats 1 --queries 50
    python -m bench.search.speed --write-doc          # update docs/PERFORMANCE.md
    python -m bench.search.speed --embedder sentence --sizes 1000 10000 --write-doc

Synthetic articles come from the relevance set's own words: a word-bigram chain trained on
the hand-written articles produces titles and bodies with the collection's term
statistics, and each article also gets a few rare made-up words drawn from a Zipf law over
a vocabulary that grows with the collection (as real product names, error codes and
customer jargon do), so the vocabulary -- which typo correction scans -- is not
unrealistically small at 100k.

Every (size, repeat) runs in a fresh process so peak memory (ru_maxrss) belongs to that
build alone; numbers reported are medians over repeats. BLAS threads are capped at 2."""

import argparse
import json
import os
import random
import re
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DEFAULT_SIZES = (1000, 10_000, 100_000)
MODES = ("keyword", "semantic", "hybrid")
BUILD_BUDGET_S = 180  # the 100k build is reported, not waited for forever
THREAD_ENV = {"OMP_NUM_THREADS": "2", "OPENBLAS_NUM_THREADS": "2", "MKL_NUM_THREADS": "2"}

_TOKEN = re.compile(r"[A-Za-z][A-Za-z'-]*|\d+|[.,;:?!]")


class Chain:
    """Word bigram chain over the hand-written articles (sentence-level)."""

    def __init__(self, texts: list[str], seed: int = 0):
        self.next: dict[str, list[str]] = {}
        self.starts: list[str] = []
        for text in texts:
            for sentence in re.split(r"(?<=[.!?])\s+|\n+", text):
                words = [w for w in _TOKEN.findall(sentence) if w not in ".,;:?!"]
                if len(words) < 3:
                    continue
                self.starts.append(words[0])
                for a, b in zip(words, words[1:] + ["<end>"], strict=True):
                    self.next.setdefault(a, []).append(b)
        self.rng = random.Random(seed)

    def sentence(self, max_words: int = 22) -> str:
        word = self.rng.choice(self.starts)
        out = [word]
        while len(out) < max_words:
            word = self.rng.choice(self.next.get(word, ["<end>"]))
            if word == "<end>":
                break
            out.append(word)
        return " ".join(out)


def rare_words(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    syll = ["ka", "lo", "mi", "ra", "te", "vo", "sen", "dor", "qui", "zel", "par", "nix",
            "bo", "fu", "gra", "tel", "win", "sul", "mar", "eko"]
    return ["".join(rng.choice(syll) for _ in range(rng.randint(2, 4))) for _ in range(count)]


def synthetic(n: int, seed: int = 1) -> list[tuple[int, str, str]]:
    """n (id, title, body) triples; ~150-word bodies in 2-4 paragraphs."""
    from bench.search.evaluate import load_articles

    source = load_articles("en-US")
    chain = Chain([f"{a.title}. {a.body}" for a in source], seed)
    rng = random.Random(seed)
    rare = rare_words(max(500, n // 2), seed)
    weights = [1 / (i + 1) for i in range(len(rare))]  # Zipf
    docs = []
    for i in range(1, n + 1):
        title = chain.sentence(rng.randint(4, 9)).capitalize()
        paragraphs = []
        for _ in range(rng.randint(2, 4)):
            paragraphs.append(". ".join(chain.sentence() for _ in range(rng.randint(2, 3))) + ".")
        extra = rng.choices(rare, weights=weights, k=rng.randint(1, 4))
        paragraphs[-1] += " Reference: " + ", ".join(extra) + "."
        docs.append((i, title, "\n\n".join(paragraphs)))
    return docs


def workload(count: int, seed: int = 2) -> list[str]:
    """Search strings: the labelled queries (plain, paraphrase, typo) and random 1-4-word
    queries from the collection's words, some with a dropped letter."""
    from bench.search.evaluate import load_articles, load_queries

    labelled = [q["query"] for q in load_queries("en-US")]
    words = sorted({w.lower() for a in load_articles("en-US")
                    for w in re.findall(r"[A-Za-z]{3,}", a.title + " " + a.body)})
    rng = random.Random(seed)
    out = []
    while len(out) < count:
        if rng.random() < 0.4:
            out.append(rng.choice(labelled))
            continue
        q = [rng.choice(words) for _ in range(rng.randint(1, 4))]
        if rng.random() < 0.2:
            w = q[0]
            cut = rng.randrange(len(w))
            q[0] = w[:cut] + w[cut + 1:]
        out.append(" ".join(q))
    return out


def _percentile(values: list[float], pct: float) -> float:
    values = sorted(values)
    if not values:
        return 0.0
    k = (len(values) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def _rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def measure_once(size: int, n_queries: int, seed: int, params: list[str] | None = None,
                 embedder: str = "lsa") -> dict:
    """Runs inside a fresh process: build, then time every mode over the workload."""
    import sqlite3

    from bench.search.evaluate import parse_params
    from portal.search import codec
    from portal.search.engine import Doc, build_index, lsa_embedder
    from portal.search.sentence import SentenceEmbedder, load_model

    raw = synthetic(size, seed)
    docs = [Doc(i, t, b) for i, t, b in raw]
    queries = workload(n_queries, seed)
    factory = lsa_embedder
    if embedder == "sentence":
        load_model(SentenceEmbedder().reference)  # the model's own memory is not the index's

        def factory(_analyzer, _params, _size):
            return SentenceEmbedder()
    rss_before = _rss_mb()
    t0 = time.perf_counter()
    index = build_index(docs, "en-US", parse_params(params or []), factory)
    build_s = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    t0 = time.perf_counter()
    blob = codec.dumps(index)  # what the database stores (portal.search.store)
    store_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    codec.loads(blob)
    load_s = time.perf_counter() - t0
    result = {"size": size, "build_s": build_s, "rss_before_mb": rss_before,
              "peak_rss_mb": peak_mb, "build_extra_mb": peak_mb - rss_before,
              "rss_after_mb": _rss_mb(), "index_mb": len(blob) / 2**20,
              "store_s": store_s, "load_s": load_s, "queries": len(queries)}
    del blob
    # the portal passes the reader's visible ids; model that with 90% of the collection
    allowed = {d.id for d in docs if d.id % 10}
    runs = {m: (m, None) for m in MODES}
    runs["hybrid+visibility"] = ("hybrid", allowed)
    for label, (mode, ids) in runs.items():
        for q in queries[:20]:  # warm caches
            index.search(q, mode=mode, limit=10, allowed_ids=ids)
        times = []
        for q in queries:
            t0 = time.perf_counter()
            index.search(q, mode=mode, limit=10, allowed_ids=ids)
            times.append((time.perf_counter() - t0) * 1000)
        result[label] = {"p50_ms": _percentile(times, 50), "p95_ms": _percentile(times, 95),
                         "max_ms": max(times)}
    # the baseline on the same data, for scale
    from bench.search.evaluate import Bm25Baseline

    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE docs USING fts5(title, body, tokenize='porter unicode61')")
    t0 = time.perf_counter()
    db.executemany("INSERT INTO docs(rowid, title, body) VALUES (?, ?, ?)", raw)
    db.commit()
    result["fts5_build_s"] = time.perf_counter() - t0
    times = []
    for q in queries:
        expr = Bm25Baseline.match_expression(q)
        t0 = time.perf_counter()
        db.execute("SELECT rowid FROM docs WHERE docs MATCH ? ORDER BY bm25(docs) LIMIT 10",
                   (expr,)).fetchall()
        times.append((time.perf_counter() - t0) * 1000)
    result["bm25 (FTS5)"] = {"p50_ms": _percentile(times, 50),
                             "p95_ms": _percentile(times, 95), "max_ms": max(times)}
    return result


def run_child(size: int, n_queries: int, seed: int, timeout: float,
              params: list[str] | None = None, embedder: str = "lsa") -> dict:
    env = {**os.environ, **THREAD_ENV, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "bench.search.speed", "--child", str(size),
           "--queries", str(n_queries), "--seed", str(seed), "--embedder", embedder]
    if params:
        cmd += ["--params", *params]
    try:
        proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"size": size, "error": f"gave up after {timeout:.0f} s"}
    if proc.returncode:
        return {"size": size, "error": proc.stderr.strip().splitlines()[-1:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def median_of(runs: list[dict]) -> dict:
    ok = [r for r in runs if "error" not in r]
    if not ok:
        return runs[0]
    out = {"size": ok[0]["size"], "repeats": len(ok)}
    for key in ("build_s", "peak_rss_mb", "build_extra_mb", "rss_after_mb", "index_mb",
                "store_s", "load_s", "fts5_build_s"):
        out[key] = statistics.median(r[key] for r in ok)
    for label in (*MODES, "hybrid+visibility", "bm25 (FTS5)"):
        out[label] = {k: statistics.median(r[label][k] for r in ok)
                      for k in ("p50_ms", "p95_ms", "max_ms")}
        out[label]["p95_spread_ms"] = (min(r[label]["p95_ms"] for r in ok),
                                       max(r[label]["p95_ms"] for r in ok))
    return out


def speed_tables(rows: list[dict]) -> str:
    build = ["| articles | repeats | build (s) | peak RSS (MB) | RSS growth in build (MB) | "
             "stored index (MB) | load (s) | FTS5 build (s) |",
             "|---|---|---|---|---|---|---|---|"]
    lat = ["| articles | " + " | ".join(f"{m} p50 / p95 (ms)" for m in
                                        (*MODES, "hybrid+visibility", "bm25 (FTS5)")) + " |",
           "|---|" + "---|" * 5]
    for r in rows:
        if "error" in r:
            build.append(f"| {r['size']:,} | - | {r['error']} | | | | | |")
            continue
        build.append(f"| {r['size']:,} | {r['repeats']} | {r['build_s']:.2f} | "
                     f"{r['peak_rss_mb']:.0f} | {r['build_extra_mb']:.0f} | "
                     f"{r['index_mb']:.1f} | {r['load_s']:.2f} | {r['fts5_build_s']:.2f} |")
        cells = [f"{r[m]['p50_ms']:.1f} / {r[m]['p95_ms']:.1f}"
                 for m in (*MODES, "hybrid+visibility", "bm25 (FTS5)")]
        lat.append(f"| {r['size']:,} | " + " | ".join(cells) + " |")
    return "Index build and memory:\n\n" + "\n".join(build) + \
        "\n\nSearch latency, limit 10 (median over repeats of each run's p50 / p95):\n\n" + \
        "\n".join(lat)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Search build time, memory and latency")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument("--repeats", type=int, nargs="+", default=[3, 3, 1],
                        help="repeats per size (the last value repeats)")
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--params", nargs="*", default=[],
                        help="engine knobs to override, e.g. title_fuzzy_weight=0")
    parser.add_argument("--embedder", choices=("lsa", "sentence"), default="lsa",
                        help="the semantic side: LSA, or the embeddings extra's model")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--write-doc", action="store_true")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)

    if args.child:
        print(json.dumps(measure_once(args.child, args.queries, args.seed, args.params,
                                      args.embedder)))
        return 0

    from bench.search import report

    rows = []
    for i, size in enumerate(args.sizes):
        repeats = args.repeats[min(i, len(args.repeats) - 1)]
        runs = []
        for rep in range(repeats):
            started = time.perf_counter()
            # budget: build within BUILD_BUDGET_S plus the query runs; bounded either way
            r = run_child(size, args.queries, args.seed + rep, BUILD_BUDGET_S * 3, args.params,
                          args.embedder)
            runs.append(r)
            took = time.perf_counter() - started
            summary = r.get("error") or (f"build {r['build_s']:.2f} s, hybrid p95 "
                                         f"{r['hybrid']['p95_ms']:.1f} ms")
            print(f"{size:>7,} #{rep + 1}: {summary} ({took:.0f} s)", flush=True)
            if "error" in r or r["build_s"] > BUILD_BUDGET_S:
                break  # too slow to repeat: report what was measured
        rows.append(median_of(runs))
    tables = speed_tables(rows)
    print("\n" + tables)
    section = "search-speed" if args.embedder == "lsa" else "search-speed-sentence"
    out = args.json or report.RESULTS / f"{section}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(rows, indent=1))
    if args.write_doc:
        cpus = len(os.sched_getaffinity(0))
        note = (f"{report.stamp()} {cpus} CPUs available, BLAS threads capped at 2; "
                f"{args.queries} queries per mode per run; engine parameters: "
                f"{' '.join(args.params) or 'defaults'}; semantic side: {args.embedder}.")
        report.write_section(section, note + "\n\n" + tables)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
