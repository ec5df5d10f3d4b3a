"""Ticket list and ticket page under load: seed 10k tickets, serve the portal with gunicorn
(2 workers x 4 threads), hit it with wrk on loopback, and compare with a bare Flask page of
the same size served the same way (bench/reference_app.py).

    python -m bench.tickets_load --db sqlite        # or postgres, or both (make bench-tickets)

Runs are interleaved (each repetition visits every target once, the reference included) and
medians are reported, because this machine's speed drifts by up to 2x over minutes; quote
the ratios to the reference, not the absolute numbers. PostgreSQL uses its own database
`helpport_bench` (created here), SQLite a file under instance/bench/. Results also go to
instance/bench/results-<db>.json (results-<db>-url.json with --url).
"""

import argparse
import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "instance" / "bench"
PY = sys.executable
GUNICORN = str(Path(PY).with_name("gunicorn"))
LUA = Path(__file__).with_name("wrk_report.lua")
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://127.0.0.1:5432/test")
PG_DB = "helpport_bench"


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        if subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], env=env).returncode:
            subprocess.run(["apt-get", "update", "-qq"], env=env, check=True)
            subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], env=env, check=True)
        return shutil.which("wrk") or sys.exit("wrk did not install")
    sys.exit("wrk is missing: apt-get install -y wrk")


def database_url(kind: str) -> str:
    if kind == "sqlite":
        WORK.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{WORK / 'helpport_bench.db'}"
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (PG_DB,)).fetchone():
            conn.execute(f'CREATE DATABASE "{PG_DB}"')
    return PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{PG_DB}"


def portal_env(db_url: str) -> dict:
    return {**os.environ, "PORTAL_DATABASE_URL": db_url, "PORTAL_ENV": "development",
            "PORTAL_RUN_EMBEDDED_WORKER": "false", "PORTAL_OUTBOX_DIR": str(WORK / "outbox"),
            "PORTAL_UPLOAD_DIR": str(WORK / "uploads"), "PYTHONPATH": str(ROOT),
            # no sentence model loading beside what a benchmark measures
            "PORTAL_SEARCH_WARM_UP": "false"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A gunicorn started by us, stopped by its own process group id."""

    def __init__(self, module: str, env: dict, log: Path,
                 options: tuple = ("-w", "2", "--threads", "4"),
                 config: str = "gunicorn.conf.py"):
        self.port = free_port()
        self.log = log.open("w")
        self.proc = subprocess.Popen(
            [GUNICORN, "-c", config, *options, "-b", f"127.0.0.1:{self.port}", module],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True)

    def wait(self, path: str, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                sys.exit(f"gunicorn exited, see {self.log.name}")
            try:
                get(self.port, path)
                return
            except OSError:
                time.sleep(0.3)
        sys.exit(f"gunicorn did not answer on port {self.port}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """SIGTERM: gunicorn's graceful stop; SIGINT: its quick one."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
        self.log.close()


def gunicorn_options(workers: int = 2, threads: int = 4,
                     worker_class: str | None = None) -> tuple:
    """Server's `options` for a worker count, threads and worker class."""
    kind = ("-k", worker_class) if worker_class else ()
    return ("-w", str(workers), *kind, "--threads", str(threads))


def get(port: int, path: str, cookie: str | None = None, *, method: str = "GET",
        headers: dict | None = None, body: str | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request(method, path, body=body,
                 headers={**({"Cookie": cookie} if cookie else {}), **(headers or {})})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response.status, body


def wrk(port: int, path: str, cookie: str | None, seconds: int, connections: int,
        script: Path = LUA, script_args: tuple = (), *, headers: list[str] = (),
        env: dict | None = None) -> dict:
    """One wrk run; `headers` ("Name: value"), `script_args` and `env` (both read by
    `script`) are extra."""
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency",
           "-s", str(script)]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    for header in headers:
        cmd += ["-H", header]
    out = subprocess.run(cmd + [f"http://127.0.0.1:{port}{path}", *script_args],
                         capture_output=True, text=True, check=True, cwd=ROOT,
                         env={**os.environ, **(env or {})}).stdout
    line = next(x for x in out.splitlines() if x.startswith("BENCH_JSON "))
    data = json.loads(line[len("BENCH_JSON "):])
    data["rps"] = data["requests"] / (data["duration_us"] / 1e6)
    failed = sum(data["errors"].values())
    if failed:
        print(f"  warning: {failed} errors on {path}: {data['errors']}", file=sys.stderr)
    return data


def busy_fraction(seconds: float = 1.0) -> float:
    """Share of all CPUs busy over `seconds` (from /proc/stat), taken while our servers are
    idle between runs: what other processes on the machine are using."""

    def sample():
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        return sum(fields), fields[3] + fields[4]  # total, idle + iowait

    total0, idle0 = sample()
    time.sleep(seconds)
    total1, idle1 = sample()
    return 1 - (idle1 - idle0) / max(total1 - total0, 1)


def quiet_enough(limit: float, max_wait: float) -> float:
    """Wait (up to `max_wait` s) until other processes use less than `limit` of the CPUs;
    returns the last reading, which goes into the results either way."""
    deadline = time.monotonic() + max_wait
    busy = busy_fraction()
    while busy > limit and time.monotonic() < deadline:
        busy = busy_fraction(2.0)
    return busy


def reference_rows(port: int, size: int, route: str = "/page") -> int:
    """How many rows make the reference page at `route` as large as `size` bytes."""
    small = len(get(port, f"{route}?rows=0")[1])
    large = len(get(port, f"{route}?rows=100")[1])
    return max(0, round((size - small) / ((large - small) / 100)))


def run(kind: str, args) -> dict:
    db_url = args.url or database_url(kind)
    env = portal_env(db_url)
    print(f"== {kind}: seeding {args.tickets} tickets")
    subprocess.run([PY, "-m", "bench.seed_tickets", "--tickets", str(args.tickets)],
                   cwd=ROOT, env=env, check=True)
    targets_file = WORK / f"targets-{kind}.json"
    subprocess.run([PY, "-m", "bench.targets", "--out", str(targets_file)], cwd=ROOT, env=env,
                   check=True)
    targets = json.loads(targets_file.read_text())["targets"]
    portal = Server("app:app", env, WORK / f"gunicorn-{kind}.log")
    reference = Server("bench.reference_app:app", env, WORK / "gunicorn-reference.log")
    try:
        portal.wait(targets[0]["path"])
        reference.wait("/page?rows=1")
        for t in targets:
            status, body = get(portal.port, t["path"], t["cookie"])
            if status != 200 or b"ticket" not in body:
                sys.exit(f"{t['name']}: GET {t['path']} answered {status}, not the page")
            t["bytes"], t["port"] = len(body), portal.port
        rows = reference_rows(reference.port, targets[0]["bytes"])
        ref_path = f"/page?rows={rows}"
        targets.append({"name": "reference", "path": ref_path, "cookie": None,
                        "label": f"Reference: bare Flask template ({rows} rows)",
                        "bytes": len(get(reference.port, ref_path)[1]),
                        "port": reference.port})
        for t in targets:
            wrk(t["port"], t["path"], t["cookie"], 2, args.connections)  # warm-up
            t["runs"] = []
        for rep in range(args.reps):
            for t in targets:
                background = quiet_enough(args.quiet, args.max_wait)
                result = wrk(t["port"], t["path"], t["cookie"], args.duration, args.connections)
                result["background_busy"] = background
                t["runs"].append(result)
                p50, p95 = result["p50_us"] / 1000, result["p95_us"] / 1000
                print(f"  rep {rep + 1} {t['name']:<10} {result['rps']:8.1f} req/s  "
                      f"p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  "
                      f"(others used {background:.0%} CPU before)", flush=True)
    finally:
        portal.stop()
        reference.stop()
    return summarise(kind, targets, args)


def summarise(kind: str, targets: list, args) -> dict:
    def med(t, key):
        return statistics.median(r[key] for r in t["runs"])

    ref = next(t for t in targets if t["name"] == "reference")
    rows = []
    for t in targets:
        # each repetition runs the target next to the reference: compare within a repetition
        ratio = statistics.median(r["rps"] / q["rps"]
                                  for r, q in zip(t["runs"], ref["runs"], strict=True))
        rows.append({"name": t["name"], "label": t["label"], "path": t["path"].split("?")[0]
                     + ("?" + t["path"].split("?")[1][:24] + "..." if "?" in t["path"] else ""),
                     "bytes": t["bytes"], "rps": med(t, "rps"),
                     "p50_ms": med(t, "p50_us") / 1000, "p95_ms": med(t, "p95_us") / 1000,
                     "p99_ms": med(t, "p99_us") / 1000,
                     "rps_runs": [round(r["rps"], 1) for r in t["runs"]],
                     "ratio": ratio,
                     "errors": sum(sum(r["errors"].values()) for r in t["runs"])})
    background = [r["background_busy"] for t in targets for r in t["runs"]]
    return {"db": kind, "background_busy_median": statistics.median(background),
            "background_busy_max": max(background),
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "cpus": os.cpu_count(), "tickets": args.tickets, "duration_s": args.duration,
            "reps": args.reps, "connections": args.connections, "results": rows}


def table(summary: dict) -> str:
    lines = [f"{summary['db']} ({summary['date']}, {summary['cpus']} cores, "
             f"{summary['tickets']} tickets, wrk -t1 -c{summary['connections']} "
             f"-d{summary['duration_s']}s x {summary['reps']}, medians; other processes used "
             f"{summary['background_busy_median']:.0%} of the CPUs before a run, at most "
             f"{summary['background_busy_max']:.0%})", "",
             "| Target | Size | Req/s | p50 ms | p95 ms | p99 ms | Req/s vs reference |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for r in summary["results"]:
        lines.append(f"| {r['label']} | {r['bytes'] / 1024:.1f} KB | {r['rps']:.0f} | "
                     f"{r['p50_ms']:.1f} | {r['p95_ms']:.1f} | {r['p99_ms']:.1f} | "
                     f"{r['ratio']:.2f} |")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Ticket pages under load (wrk + gunicorn).")
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="sqlite")
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--duration", type=int, default=10, help="seconds per run")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--quiet", type=float, default=0.15,
                        help="before each run, wait until other processes use less than this "
                        "share of the CPUs (other test suites may share the machine)")
    parser.add_argument("--max-wait", type=float, default=60, help="seconds to wait for that")
    parser.add_argument("--url", help="use this database instead (e.g. a copy with an extra "
                        "index, to try a fix); results are labelled with --db")
    args = parser.parse_args(argv)
    ensure_wrk()
    WORK.mkdir(parents=True, exist_ok=True)
    if args.url and args.db == "both":
        parser.error("--url goes with --db sqlite or --db postgres")
    for kind in ("sqlite", "postgres") if args.db == "both" else (args.db,):
        summary = run(kind, args)
        name = f"results-{kind}{'-url' if args.url else ''}.json"
        (WORK / name).write_text(json.dumps({**summary, "url": args.url}, indent=2))
        print()
        print(table(summary))
        print()


if __name__ == "__main__":
    main()
