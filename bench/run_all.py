"""`make bench`: the issue 11 benchmarks in order, each writing its tables into
docs/PERFORMANCE.md with the load average of its run.

    python -m bench.run_all            # BENCH_DURATION=5 (seconds per wrk run) by default

1. seeding: bench.seed_tickets (10k tickets) and bench.seed_kb (1,000 imported articles)
   into the bench SQLite database (instance/bench/helpport_bench.db); idempotent, so a
   second `make bench` only checks;
2. bench.pages_load --write-doc (pages and the API under load, ~4-5 minutes);
3. bench.search_load, bench.memory and bench.servers --write-doc, each only when its
   module is there (a line says so when it is not), each in its own process.

A step that fails is reported and the others still run; the exit status says whether all
of them passed."""

import importlib.util
import os
import subprocess
import sys
import time

from bench.tickets_load import PY, ROOT, database_url, portal_env

AFTER_PAGES = ("bench.search_load", "bench.memory", "bench.servers")


def run(label: str, cmd: list[str], env: dict | None = None) -> bool:
    print(f"== {label}: {' '.join(cmd[1:])}", flush=True)
    started = time.monotonic()
    code = subprocess.run(cmd, cwd=ROOT, env=env).returncode
    print(f"== {label}: {'done' if code == 0 else f'FAILED (exit {code})'} in "
          f"{time.monotonic() - started:.0f} s", flush=True)
    return code == 0


def available(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ImportError:
        return False


def main(argv=None) -> int:
    os.environ.setdefault("BENCH_DURATION", "5")
    env = portal_env(database_url("sqlite"))
    results = {}
    seeded = run("seed tickets", [PY, "-m", "bench.seed_tickets"], env) and \
        run("seed knowledge base", [PY, "-m", "bench.seed_kb", "--no-migrate"], env)
    results["seeding"] = seeded
    if seeded:
        results["bench.pages_load"] = run(
            "pages", [PY, "-m", "bench.pages_load", "--write-doc", "--no-seed", "--no-migrate"])
    for module in AFTER_PAGES:
        if not available(module):
            print(f"== {module}: skipped, the module is not in this checkout", flush=True)
            continue
        results[module] = run(module, [PY, "-m", module, "--write-doc"])
    failed = [name for name, ok in results.items() if not ok]
    print(f"== make bench: {len(results) - len(failed)} of {len(results)} steps passed"
          + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
