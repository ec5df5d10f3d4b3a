"""What one search request costs in this process: CPU time and SQL statements per request
for the three targets of bench/search_load.py (API keyword, API hybrid, portal
search-as-you-type), on a copy of its seeded database (bench/search_seed.py).

    python -m bench.search.cpu                          # 600 requests per target
    python -m bench.search.cpu --profile hybrid         # + cProfile of that target
    python -m bench.search.cpu --against ../other-checkout --rounds 4   # old and new interleaved
    python -m bench.search.cpu --no-result-cache        # every search ranked (no kept answers)
    python -m bench.search.cpu --distinct               # no query twice (search_load --distinct)
    python -m bench.search.cpu --no-result-cache --bodies answers.txt   # every line's answer

The database and seed file are those bench/search_load.py writes (instance/bench/
search-10000.db and its -seed.json; run that, or bench.search_seed, once). Each run works
on its own copy. The requests are the load benchmark's own lines (the same queries, one in
four signed in), in order, each a WSGI call into the app with a prepared environ (no test
client, no network); a request's cost is its `time.thread_time()` (CPU of this thread: other
processes on the machine disturb it less than wall time), the median per target. The
request log line is switched off (logging.INFO disabled), as in bench/page_profile.py.
`--against DIR` runs this script on DIR's code in a subprocess, alternating rounds.
"""

import argparse
import cProfile
import io
import json
import logging
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if __name__ == "__main__":  # run by path (--against): not this folder, the checkouts
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).parent]

ROOT = Path(__file__).resolve().parents[2]
WORK = ROOT / "instance" / "bench"
KINDS = ("keyword", "hybrid", "suggest")


def environ(app, db: Path, seed: dict, distinct: bool = False):
    """{kind: [prepared WSGI environ, ...]} in the load benchmark's order (`distinct`: its
    `--distinct` list, no query twice)."""
    from werkzeug.test import EnvironBuilder

    from bench.search_load import queries, request_lines

    words = queries(2000, distinct)
    out = {}
    for kind in KINDS:
        envs = []
        for line in request_lines(kind, words, seed):
            path, _tab, header = line.partition("\t")
            headers = {}
            if header:
                name, _colon, value = header.partition(":")
                headers[name.strip()] = value.strip()
            path, _q, query = path.partition("?")
            env = EnvironBuilder(path=path, query_string=query, headers=headers,
                                 base_url="http://127.0.0.1:8000/").get_environ()
            env.pop("wsgi.input", None)
            envs.append(env)
        out[kind] = envs
    return out


def call(app, env: dict) -> tuple[int, bytes]:
    status = []
    env = dict(env)
    env["wsgi.input"] = io.BytesIO()
    body = app(env, lambda s, h, e=None: status.append(s))
    try:
        data = b"".join(body)
    finally:
        if hasattr(body, "close"):
            body.close()
    return int(status[0].split()[0]), data


def copy_db(source: Path, target: Path) -> None:
    """`source` with what its write-ahead log holds (a plain file copy left the log's pages
    out: the tokens bench.search_seed minted last were missing, and signed-in requests 401)."""
    import sqlite3

    with sqlite3.connect(source) as old, sqlite3.connect(target) as new:
        old.backup(new)


class Counter:
    def __init__(self):
        self.count = 0

    def __call__(self, *_args):
        self.count += 1


def measure(args) -> dict:
    """Copy the database, start the app on it, and time `args.requests` of each target."""
    logging.disable(logging.INFO)
    seed = json.loads(Path(args.seed).read_text())
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "search.db"
        copy_db(args.db, db)
        os.environ.update({
            "PORTAL_DATABASE_URL": f"sqlite:///{db}", "PORTAL_ENV": "development",
            "PORTAL_RUN_EMBEDDED_WORKER": "false", "PORTAL_SEARCH_EMBEDDER": "lsa",
            "PORTAL_OUTBOX_DIR": f"{tmp}/outbox", "PORTAL_UPLOAD_DIR": f"{tmp}/uploads",
            "PORTAL_SEARCH_INDEX_DIR": f"{tmp}/index"})
        if args.no_result_cache:
            os.environ["PORTAL_SEARCH_RESULT_CACHE"] = "0"
        from sqlalchemy import event

        from portal import create_app
        from portal.extensions import db as sa

        app = create_app()
        with app.app_context():
            counter = Counter()
            event.listen(sa.engine, "before_cursor_execute", counter)
        targets = environ(app, db, seed, args.distinct)
        if args.bodies:
            return answers(app, targets, args)
        results = {}
        for kind in args.kinds:
            envs = targets[kind]
            for env in envs[:10]:  # warm-up: index loaded, statements compiled
                call(app, env)
            times, counts = [], []
            for i in range(args.requests):
                counter.count = 0
                start = time.thread_time()
                status, data = call(app, envs[(i + 10) % len(envs)])
                times.append((time.thread_time() - start) * 1000)
                counts.append(counter.count)
                if status != 200:
                    sys.exit(f"{kind}: answered {status}: {data[:200]!r}")
            results[kind] = {"ms": round(statistics.median(times), 3),
                             "mean_ms": round(statistics.fmean(times), 3),
                             "statements": statistics.median(counts)}
            if kind == args.profile:
                profile(app, envs, args.requests)
        return results


def answers(app, targets: dict, args) -> dict:
    """Every request line of each target answered once, status and body written to
    `args.bodies` (one line each): two checkouts' files compare their answers byte for byte
    (rankings, totals, titles, snippets, URLs)."""
    with open(args.bodies, "w", encoding="utf-8") as out:
        for kind in args.kinds:
            for env in targets[kind]:
                status, data = call(app, env)
                out.write(f"{kind}\t{status}\t{data.decode('utf-8').strip()}\n")
    return {}


def profile(app, envs: list, requests: int) -> None:
    """cProfile of `requests` more lines, those after the timed ones (the timed lines'
    answers are kept: profiling them again would profile the kept answers)."""
    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(requests):
        call(app, envs[(i + 10 + requests) % len(envs)])
    profiler.disable()
    if os.environ.get("BENCH_PROFILE_OUT"):
        profiler.dump_stats(os.environ["BENCH_PROFILE_OUT"])
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(60)
    stats.sort_stats("tottime").print_stats(40)
    print(out.getvalue(), file=sys.stderr)


def run_in(checkout: Path, args) -> dict:
    """This script on `checkout`'s code (a subprocess with it first on the path)."""
    command = [sys.executable, str(Path(__file__).resolve()), "--json", "--db", str(args.db),
               "--seed", str(args.seed), "--requests", str(args.requests),
               "--kinds", *args.kinds]
    if args.no_result_cache:
        command.append("--no-result-cache")
    if args.distinct:
        command.append("--distinct")
    env = {**os.environ, "PYTHONPATH": f"{checkout}{os.pathsep}{ROOT}",
           "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    out = subprocess.run(command, cwd=checkout, env=env, capture_output=True, text=True,
                         check=False)
    if out.returncode:
        sys.exit(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def table(here: list[dict], other: list[dict] | None, kinds) -> str:
    def med(runs, kind, key="ms"):
        return statistics.median(r[kind][key] for r in runs)

    if other is None:
        lines = ["| target | statements | CPU ms (median) | mean |", "|---|---:|---:|---:|"]
        lines += [f"| {k} | {med(here, k, 'statements'):.0f} | {med(here, k):.2f} | "
                  f"{med(here, k, 'mean_ms'):.2f} |" for k in kinds]
        return "\n".join(lines)
    from bench.doc import before_after  # here: a compared checkout runs this file too

    return before_after(here, other, kinds, "target")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, default=WORK / "search-10000.db")
    parser.add_argument("--seed", type=Path, default=WORK / "search-10000-seed.json")
    parser.add_argument("--requests", type=int, default=600)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--kinds", nargs="+", choices=KINDS, default=list(KINDS))
    parser.add_argument("--profile", choices=KINDS)
    parser.add_argument("--against", type=Path, help="another checkout, measured as 'before'")
    parser.add_argument("--no-result-cache", action="store_true")
    parser.add_argument("--distinct", action="store_true",
                        help="the load benchmark's --distinct queries (no query twice)")
    parser.add_argument("--bodies", type=Path,
                        help="write every request line's answer to this file instead")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.json or args.bodies:
        print(json.dumps(measure(args)))
        return
    here, other = [], [] if args.against else None
    for round_no in range(args.rounds):
        if other is not None and round_no % 2 == 1:
            other.append(run_in(args.against.resolve(), args))
        here.append(run_in(ROOT, args) if other is not None or args.rounds > 1
                    else measure(args))
        if other is not None and round_no % 2 == 0:
            other.append(run_in(args.against.resolve(), args))
    print(table(here, other, args.kinds))
    print(f"load average {' / '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
