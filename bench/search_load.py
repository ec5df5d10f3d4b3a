"""Search under load (issue 11, part 2): the search JSON of the customer API (keyword and
hybrid) and the portal's search-as-you-type JSON, at 10k articles, with wrk (16
connections) against gunicorn (2 workers), next to the bare Flask reference in the same
run.

    python -m bench.search_load                      # 10k articles, SQLite, 2 x 10 s per target
    python -m bench.search_load --worker-class sync  # or gthread --threads 4 (the default)
    python -m bench.search_load --distinct           # every request a different query
    python -m bench.search_load --quick              # smoke test: 120 articles, 1 worker, 1 x 1 s
    python -m bench.search_load --write-doc          # section "search-load" of PERFORMANCE.md

Each connection cycles through many different queries (bench/search_load.lua): the
labelled queries of bench/search/data and random 1-4-word queries from the collection's
words (a fifth with a dropped letter), three requests in four anonymous, one in four
signed in (a verified reader: bearer token on the API, session cookie on the portal).
The semantic side is LSA (PORTAL_SEARCH_EMBEDDER=lsa) whatever extras are installed.
Runs are interleaved (every repetition visits every target, the reference included) and
medians reported; quote the ratios, this machine is shared.
"""

import argparse
import json
import os
import random
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

from bench import doc
from bench.tickets_load import (
    PY,
    ROOT,
    WORK,
    Server,
    busy_fraction,
    ensure_wrk,
    get,
    gunicorn_options,
    portal_env,
    quiet_enough,
    reference_rows,
)

LUA = Path(__file__).with_name("search_load.lua")
API = "/api/v1/workspaces/{slug}/articles/search?q={q}&mode={mode}&limit=10"
SUGGEST = "/en-US/{slug}/search/suggest?q={q}"


class Gunicorn(Server):
    """tickets_load's Server with the worker class and threads of this run."""

    def __init__(self, module: str, env: dict, log: Path, worker_class: str, threads: int,
                 workers: int = 2):
        super().__init__(module, env, log, gunicorn_options(workers, threads, worker_class))

    def stop(self) -> None:
        """SIGQUIT: gunicorn's quick shutdown (a graceful one waits for idle keep-alive
        connections; nothing is in flight after a run)."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGQUIT)
        super().stop()


def cpu_seconds(master: int) -> float:
    """CPU time (user + system) used so far by a gunicorn master and its workers: per
    request it stays meaningful when other processes crowd the machine, unlike latency."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(stat.parent.name), int(fields[1])
        if master in (pid, ppid):
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def queries(count: int, distinct: bool, seed: int = 3) -> list[str]:
    """The workload of bench/search/speed.py; `distinct`: no query twice."""
    from bench.search.speed import workload

    found = workload(count * (3 if distinct else 1), seed)
    if distinct:
        found = list(dict.fromkeys(found))[:count]
    return found


def request_lines(kind: str, words: list[str], seed: dict) -> list[str]:
    rng = random.Random(7)
    out = []
    for i, q in enumerate(words):
        if kind == "suggest":
            cut = q[:max(2, len(q) - rng.randint(0, 3))]
            path = SUGGEST.format(slug=seed["slug"], q=quote(cut))
            header = f"Cookie: {seed['cookie']}"
        else:
            path = API.format(slug=seed["slug"], q=quote(q), mode=kind)
            header = f"Authorization: Bearer {seed['api_token']}"
        out.append(f"{path}\t{header}" if i % 4 == 3 else path)
    return out


def wrk(port: int, lines_file: Path | None, path: str, seconds: int, connections: int) -> dict:
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s",
           str(LUA if lines_file else ROOT / "bench" / "wrk_report.lua"),
           f"http://127.0.0.1:{port}{path}"]
    if lines_file:
        cmd += ["--", str(lines_file)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True, cwd=ROOT).stdout
    line = next(x for x in out.splitlines() if x.startswith("BENCH_JSON "))
    data = json.loads(line[len("BENCH_JSON "):])
    data["rps"] = data["requests"] / (data["duration_us"] / 1e6)
    return data


def check(port: int, lines: list[str], count: int = 20) -> int:
    """Every target answers JSON with results before it is measured; returns a size."""
    sizes = []
    for line in lines[:count]:
        path, _tab, header = line.partition("\t")
        if header:  # signed-in lines: wrk's status count catches their failures
            continue
        status, body = get(port, path)
        if status != 200 or not body.startswith(b"{"):
            sys.exit(f"GET {path} answered {status}: {body[:200]!r}")
        sizes.append(len(body))
    return int(statistics.median(sizes))


QUICK_ARTICLES = 120  # the smoke run's size (tests/unit/test_bench_search_load.py)


def _fresh(seed_file: Path, db: Path, articles: int) -> bool:
    """A seed of the last hour with as many articles, in a database at the code's newest
    migration (a seed made before a new migration would answer errors)."""
    return (seed_file.exists() and time.time() - seed_file.stat().st_mtime < 3600
            and json.loads(seed_file.read_text()).get("articles") == articles
            and _migrated(db))


def _migrated(db: Path) -> bool:
    from alembic.script import ScriptDirectory

    from portal.database import alembic_config

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            found = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error:
        return False
    return found is not None and found[0] == head


def seeded(quick: bool, articles: int) -> tuple[dict, Path, Path]:
    """(environment, database, seed file) of a seeded search site; the quick one is reused
    when seeded within the hour (the smoke tests share it: tests/unit/test_bench_search_load.py)."""
    WORK.mkdir(parents=True, exist_ok=True)
    name = "search-quick" if quick else f"search-{articles}"
    db = WORK / (name + ".db")
    env = {**portal_env(f"sqlite:///{db}"), "PORTAL_SEARCH_EMBEDDER": "lsa",
           "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    seed_file = WORK / f"{name}-seed.json"
    if quick and _fresh(seed_file, db, articles):
        print("== reusing the seed of the last hour", flush=True)
    else:
        print(f"== seeding {articles} articles", flush=True)
        seed_file.unlink(missing_ok=True)
        if quick:  # the seeder tops an old database up, never down: start the quick one afresh
            for stale in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
                stale.unlink(missing_ok=True)
        subprocess.run([PY, "-m", "bench.search_seed", "--articles", str(articles),
                        "--out", str(seed_file)], cwd=ROOT, env=env, check=True)
    return env, db, seed_file


def run(args) -> dict:
    name = "search-quick" if args.quick else f"search-{args.articles}"
    env, _db, seed_file = seeded(args.quick, args.articles)
    seed = json.loads(seed_file.read_text())
    words = queries(args.queries, args.distinct)
    targets = []
    for kind, label in (("keyword", "API search JSON, keyword"),
                        ("hybrid", "API search JSON, hybrid"),
                        ("suggest", "Portal search-as-you-type JSON (hybrid, prefix)")):
        lines = request_lines(kind, words, seed)
        file = WORK / f"{name}-{kind}.txt"
        file.write_text("\n".join(lines) + "\n")
        targets.append({"name": kind, "label": label, "file": file, "lines": lines})
    portal = Gunicorn("app:app", env, WORK / f"gunicorn-{name}.log", args.worker_class,
                      args.threads, args.workers)
    reference = Gunicorn("bench.reference_app:app", env, WORK / "gunicorn-search-ref.log",
                         args.worker_class, args.threads, args.workers)
    try:
        portal.wait(targets[0]["lines"][0], 120)
        reference.wait("/page?rows=1")
        for t in targets:
            t["bytes"] = check(portal.port, t["lines"], 4 if args.quick else 20)
            t["port"], t["path"] = portal.port, "/"
        rows = reference_rows(reference.port, targets[1]["bytes"])
        targets.append({"name": "reference", "label": f"Reference: bare Flask ({rows} rows)",
                        "file": None, "path": f"/page?rows={rows}", "port": reference.port,
                        "bytes": len(get(reference.port, f"/page?rows={rows}")[1])})
        for t in targets:  # warm-up: every worker loads the index, caches fill
            if args.warmup:
                wrk(t["port"], t["file"], t["path"], args.warmup, args.connections)
            t["runs"] = []
        for rep in range(args.reps):
            for t in targets:
                busy = busy_fraction(0.2) if args.quick else quiet_enough(args.quiet,
                                                                          args.max_wait)
                server = portal if t["name"] != "reference" else reference
                cpu = cpu_seconds(server.proc.pid)
                r = wrk(t["port"], t["file"], t["path"], args.duration, args.connections)
                r["cpu_ms"] = (cpu_seconds(server.proc.pid) - cpu) * 1000 / max(r["requests"], 1)
                r["background_busy"] = busy
                t["runs"].append(r)
                print(f"  rep {rep + 1} {t['name']:<9} {r['rps']:7.1f} req/s  p50 "
                      f"{r['p50_us'] / 1000:6.1f}  p95 {r['p95_us'] / 1000:6.1f}  p99 "
                      f"{r['p99_us'] / 1000:6.1f} ms  CPU {r['cpu_ms']:5.2f} ms/req  "
                      f"errors {sum(r['errors'].values())}  "
                      f"(others {busy:.0%} CPU)", flush=True)
    finally:
        portal.stop()
        reference.stop()
    return summarise(targets, args, seed)


def summarise(targets, args, seed) -> dict:
    ref = next(t for t in targets if t["name"] == "reference")
    out = []
    for t in targets:
        def med(key, t=t):
            return statistics.median(r[key] for r in t["runs"])
        out.append({"name": t["name"], "label": t["label"], "bytes": t["bytes"],
                    "rps": med("rps"), "p50_ms": med("p50_us") / 1000,
                    "p95_ms": med("p95_us") / 1000, "p99_ms": med("p99_us") / 1000,
                    "cpu_ms": med("cpu_ms"),
                    "ratio": statistics.median(r["rps"] / q["rps"] for r, q in
                                               zip(t["runs"], ref["runs"], strict=True)),
                    "errors": sum(sum(r["errors"].values()) for r in t["runs"])})
    busy = [r["background_busy"] for t in targets for r in t["runs"]]
    return {"articles": seed["articles"], "queries": args.queries, "distinct": args.distinct,
            "workers": args.workers, "worker_class": args.worker_class,
            "threads": args.threads,
            "connections": args.connections, "duration_s": args.duration, "reps": args.reps,
            "load_average": doc.load_average(), "background_busy_max": max(busy),
            "results": out}


def table(s: dict) -> str:
    head = (f"{s['articles']:,} articles, {s['queries']} "
            f"{'all-distinct' if s['distinct'] else 'mixed (labelled ones repeat)'} queries, "
            f"gunicorn {s.get('workers', 2)} x {s['worker_class']}"
            f"{' x ' + str(s['threads']) + ' threads' if s['worker_class'] == 'gthread' else ''}"
            f", wrk -c{s['connections']} -d{s['duration_s']}s x {s['reps']} (medians), "
            f"load average {s['load_average']}, others used up to "
            f"{s['background_busy_max']:.0%} of the CPUs before a run")
    lines = [head, "", "| Target | Size | Req/s | p50 ms | p95 ms | p99 ms | vs reference | "
             "server CPU ms/request | errors |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in s["results"]:
        lines.append(f"| {r['label']} | {r['bytes'] / 1024:.1f} KB | {r['rps']:.0f} | "
                     f"{r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r['p99_ms']:.1f} | "
                     f"{r['ratio']:.2f} | {r['cpu_ms']:.2f} | {r['errors']} |")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Search JSON under load (wrk + gunicorn).")
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=2000, help="different query strings")
    parser.add_argument("--distinct", action="store_true", help="no query string twice")
    parser.add_argument("--duration", type=int, default=10, help="seconds per run")
    parser.add_argument("--warmup", type=int, default=3, help="seconds of warm-up per target")
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--worker-class", default="sync", choices=("gthread", "sync"),
                        help="default sync, as gunicorn.conf.py and the README recommend")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--workers", type=int, default=None,
                        help="gunicorn workers per server (default 2; 1 with --quick)")
    parser.add_argument("--quiet", type=float, default=0.15)
    parser.add_argument("--max-wait", type=float, default=20)
    parser.add_argument("--quick", action="store_true", help="smoke test: tiny and short")
    parser.add_argument("--write-doc", action="store_true")
    parser.add_argument("--note", default="", help="text put above the table in the doc")
    parser.add_argument("--doc", type=Path, default=doc.DOC, help="the document to write")
    args = parser.parse_args(argv)
    if args.quick:
        args.articles, args.queries, args.duration, args.reps = QUICK_ARTICLES, 200, 1, 1
        args.warmup, args.max_wait = 0, 0
        args.workers = args.workers or 1  # the same code path: a second one loads the app again
    args.workers = args.workers or 2
    ensure_wrk()
    summary = run(args)
    text = table(summary)
    print("\n" + text)
    (WORK / "results-search-load.json").write_text(json.dumps(summary, indent=2))
    if args.write_doc:
        command = "python -m bench.search_load " + " ".join(argv or sys.argv[1:])
        doc.write_section("search-load", "\n\n".join(
            x for x in (doc.stamp(command.strip()), args.note, text) if x),
            args.doc, heading="Search under load (issue 11)")


if __name__ == "__main__":
    main()
