"""Pages under load (issue 11): gunicorn (2 workers) and wrk (16 connections) on loopback
over the knowledge-base pages an anonymous visitor opens (article, home, directory), a
signed-in customer's ticket list and ticket page, the customer API's ticket list and ticket
creation, each next to a bare Flask page of the same size and shape (bench/reference_app.py)
served by a second gunicorn with the same flags.

    python -m bench.pages_load                  # seed if needed, measure, print the table
    python -m bench.pages_load --write-doc      # and update docs/PERFORMANCE.md
    python -m bench.pages_load --worker-class gthread --threads 8
    python -m bench.pages_load --quick          # tiny data, 1 s runs: the smoke test's run
    python -m bench.pages_load --only create    # some targets only (and their references)
    python -m bench.pages_load --no-peer        # creation without django-helpdesk

Runs are interleaved: each repetition runs every target and then its reference, and the
ratio quoted is the median of the per-repetition ratios, because this machine's speed
drifts (other processes share its two cores; the 1-minute load average before each run is
recorded). Data: bench/seed_tickets.py's 10k tickets and bench/seed_kb.py's 1,000 imported
articles, in instance/bench/helpport_bench.db (what bench/tickets_load.py uses). Every
ticket creation is a real ticket: the run counts them afterwards through the API and
checks the count against wrk's 2xx answers. With --quick a target and its reference run
at the same time, 1 s each (seconds in all; the numbers mean nothing, the code path is
the same).

Ticket creation is also measured against django-helpdesk's public submit form (the issue's
goal: >= 2x its submit rate), served the same way from a virtualenv of its own
(bench/peer_helpdesk.py, set up on the first run and reused after): each repetition runs
ours, the reference, then the peer, and the created tickets are counted in its database
too. `--no-peer` leaves it out, and so does `--quick` unless it is set up already (no
network in the smoke test); without it creation is held to >= 0.15 of the reference.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench import doc, pages_report, peer_helpdesk
from bench.tickets_load import (
    PY,
    ROOT,
    WORK,
    Server,
    ensure_wrk,
    get,
    gunicorn_options,
    portal_env,
    quiet_enough,
    reference_rows,
    wrk,
)

SCRIPT = Path(__file__).with_name("wrk_pages.lua")
ROUTES = {"article": "/article", "home": "/home", "page": "/page", "json": "/json"}
COMMAND = "python -m bench.pages_load --write-doc"
HEADING = "Pages under load (issue 11)"
PROBES = 4  # requests per target before measuring: both workers very likely saw it


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="20 articles, 200 tickets in a small SQLite file, 1 s runs, "
                        "one worker per server")
    parser.add_argument("--duration", type=int,
                        default=int(os.environ.get("BENCH_DURATION", "5")),
                        help="seconds per run (env BENCH_DURATION; default 5)")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=None,
                        help="gunicorn workers per server (default 2; 1 with --quick)")
    parser.add_argument("--worker-class", default="sync",
                        help="gunicorn worker class (default sync, as gunicorn.conf.py "
                        "and the README recommend)")
    parser.add_argument("--threads", type=int, default=1, help="threads per worker")
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--url", help="this database instead of the bench SQLite file")
    parser.add_argument("--no-seed", action="store_true", help="the data is there already")
    parser.add_argument("--no-migrate", action="store_true", help="the schema is current")
    parser.add_argument("--work", type=Path, default=WORK, help="logs, results, quick data")
    parser.add_argument("--quiet", type=float, default=0.5,
                        help="before each run wait until other processes use less than "
                        "this share of the CPUs ...")
    parser.add_argument("--max-wait", type=float, default=0,
                        help="... for at most this many seconds (default 0: only measure "
                        "it, so that the run takes ~4.5 minutes whatever the load)")
    parser.add_argument("--only", nargs="+", metavar="TARGET",
                        help="measure these targets only (article, home, directory, "
                        "list_page, ticket_page, list_json, create)")
    parser.add_argument("--peer", choices=("helpdesk",), default="helpdesk",
                        help="measure creation against django-helpdesk too (default; set "
                        "up on first use, except with --quick)")
    parser.add_argument("--no-peer", dest="peer", action="store_const", const=None)
    parser.add_argument("--write-doc", action="store_true")
    args = parser.parse_args(argv)
    if args.only and args.write_doc:
        parser.error("--write-doc writes the whole table: measure every target")
    if args.quick:
        if args.write_doc:
            parser.error("--quick numbers are not worth writing down")
        args.tickets, args.articles = min(args.tickets, 200), min(args.articles, 20)
        args.duration, args.reps, args.connections = 1, 1, 2
        args.workers = args.workers or 1  # the same code path: a second one loads the app again
    args.workers = args.workers or 2
    return args


def environment(args) -> dict:
    args.work.mkdir(parents=True, exist_ok=True)
    name = "pages-quick.db" if args.quick else "helpport_bench.db"
    env = portal_env(args.url or f"sqlite:///{args.work / name}")
    env.update(PORTAL_OUTBOX_DIR=str(args.work / "outbox"),
               PORTAL_UPLOAD_DIR=str(args.work / "uploads"))
    if args.quick:
        env["PORTAL_SEARCH_EMBEDDER"] = "lsa"  # no sentence model to load in seconds
    return env


def make_targets(args, env) -> dict:
    out = args.work / "pages-targets.json"
    cmd = [PY, "-m", "bench.pages_targets", "--out", str(out), "--tickets", str(args.tickets),
           "--articles", str(args.articles)]
    cmd += ["--no-seed"] if args.no_seed else []
    cmd += ["--no-migrate"] if args.no_migrate else []
    subprocess.run(cmd, cwd=ROOT, env=env, check=True)
    return json.loads(out.read_text())


def _headers(lines) -> dict:
    return dict(line.split(": ", 1) for line in lines)


def request(t: dict) -> tuple[int, bytes]:
    body = t.get("body")
    return get(t["port"], t["path"], method=t.get("method", "GET"),
               headers=_headers(t["headers"]), body=body.replace("{n}", "0") if body else None)


def probe(targets: list[dict], times: int) -> None:
    """Each target answers what it should, `times` times on new connections, eight
    requests at a time (so that each worker has seen it before it is measured; a POST
    creates tickets here)."""
    with ThreadPoolExecutor(2 * times) as pool:
        answers = list(pool.map(request, [t for t in targets for _ in range(times)]))
    for i, t in enumerate(targets):
        for status, body in answers[i * times:(i + 1) * times]:
            if status not in t.get("status", (200, 201)) or t["expect"].encode() not in body:
                sys.exit(f"{t['name']}: {t.get('method', 'GET')} {t['path']} answered "
                         f"{status}, not the page: {body[:300]!r}")
        t["bytes"], t["probes"] = len(body), times


def reference_for(t: dict, port: int) -> dict:
    route = ROUTES[t["shape"]]
    rows = reference_rows(port, t["bytes"], route)
    ref = {"name": f"{t['name']}:reference", "port": port, "path": f"{route}?rows={rows}",
           "method": t.get("method", "GET"), "body": t.get("body"), "expect": "",
           "headers": ["Content-Type: application/json"] if t.get("body") else []}
    ref["bytes"] = len(request(ref)[1])
    return ref


def run_one(t: dict, seconds: int, connections: int) -> dict:
    env = {"BENCH_METHOD": t.get("method", "GET")}
    if t.get("body"):
        env["BENCH_BODY"] = t["body"]
    load = os.getloadavg()[0]
    result = wrk(t["port"], t["path"], None, seconds, connections, headers=t["headers"],
                 script=SCRIPT, env=env)
    result["load_1m"] = load
    result["ok"] = result["requests"] - result["errors"]["status"]
    return result


def _at_once(pair: tuple[dict, ...], seconds: int, connections: int) -> list[dict]:
    with ThreadPoolExecutor(len(pair)) as pool:
        return list(pool.map(lambda t: run_one(t, seconds, connections), pair))


def measure(pairs: list[tuple[dict, ...]], args) -> None:
    """Each pair is (target, reference) or, for creation with the peer, (target,
    reference, peer)."""
    runs = [t for pair in pairs for t in pair]
    for t in runs:
        t["runs"], t["warmup_ok"] = [], 0
    if args.quick:  # a target and its reference at once: seconds, and numbers mean nothing
        for pair in pairs:
            for t, result in zip(pair, _at_once(pair, args.duration, args.connections),
                                 strict=True):
                t["runs"].append(result)
        return
    for t in runs:
        t["warmup_ok"] = run_one(t, 1, args.connections)["ok"]
    for rep in range(args.reps):
        for t in runs:
            busy = quiet_enough(args.quiet, args.max_wait)
            result = run_one(t, args.duration, args.connections)
            result["background_busy"] = busy
            t["runs"].append(result)
            print(f"  rep {rep + 1} {t['name']:<20} {result['rps']:8.1f} req/s  "
                  f"p50 {result['p50_us'] / 1000:6.1f} ms  p95 {result['p95_us'] / 1000:6.1f} "
                  f"ms  load {result['load_1m']:.2f}", flush=True)


def count_created(port: int, path: str, token: str) -> int:
    """The creator's tickets, once creations still in flight when wrk stopped are done
    (the same count twice, a second apart)."""
    last, count = -1, _count(port, path, token)
    for _ in range(10):
        if count == last:
            break
        time.sleep(1)
        last, count = count, _count(port, path, token)
    return count


def _count(port: int, path: str, token: str) -> int:
    """The creator's tickets, read back page by page through the customer API."""
    total, after = 0, ""
    while True:
        status, body = get(port, f"{path}?limit=100" + (f"&after={after}" if after else ""),
                           headers={"Authorization": f"Bearer {token}"})
        if status != 200:
            sys.exit(f"counting the created tickets: GET {path} answered {status}")
        page = json.loads(body)
        total += len(page["tickets"])
        after = page.get("next_cursor")
        if not after:
            return total


def setup_peer(args):
    """django-helpdesk for the creation target, or None (`--no-peer`, creation not measured,
    `--quick` before it was set up, or it could not be installed: said so)."""
    if args.peer is None or (args.only and "create" not in args.only):
        return None
    try:
        peer = peer_helpdesk.setup(tickets=args.tickets, install=not args.quick)
    except (OSError, RuntimeError, subprocess.CalledProcessError) as error:
        print(f"  warning: django-helpdesk could not be set up ({error}); creation is "
              "measured against the reference only", file=sys.stderr)
        return None
    if peer is None:
        say("django-helpdesk is not set up (--quick does not install it): creation without it")
    return peer


STARTED = [time.monotonic()]


def say(message: str) -> None:
    print(f"== pages: {message} ({time.monotonic() - STARTED[0]:.0f} s)", flush=True)


def main(argv=None) -> dict:
    args = parse_args(argv)
    STARTED[0] = time.monotonic()
    ensure_wrk()
    env = environment(args)
    load_before = doc.load_average()
    options = {"options": gunicorn_options(args.workers, args.threads, args.worker_class)}
    reference = Server("bench.reference_app:app", env, args.work / "gunicorn-pages-ref.log",
                       **options)
    portal = peer_server = None
    try:
        peer = setup_peer(args)
        if peer is not None:
            peer_server = peer_helpdesk.PeerServer(
                peer, args.work / "gunicorn-pages-helpdesk.log", options["options"])
        if args.no_seed:  # the schema is there: boot while the sessions are minted
            portal = Server("app:app", env, args.work / "gunicorn-pages.log", **options)
        plan = make_targets(args, env)
        say("sessions minted, targets picked")
        portal = portal or Server("app:app", env, args.work / "gunicorn-pages.log", **options)
        portal.wait("/healthz")
        reference.wait("/page?rows=1")
        if peer_server is not None:
            peer_server.wait(peer_helpdesk.SUBMIT_PATH)
        say("the servers answer")
        targets = [t for t in plan["targets"] if not args.only or t["name"] in args.only]
        if not targets:
            sys.exit(f"--only {' '.join(args.only)}: no such target")
        for t in targets:
            t["port"] = portal.port
        peer_t = None if peer_server is None else peer_helpdesk.target(peer, peer_server.port)
        peer_before = 0 if peer_t is None else peer_helpdesk.count_settled(peer)
        probe(targets + ([peer_t] if peer_t else []), PROBES)
        with ThreadPoolExecutor(len(targets)) as pool:
            refs = list(pool.map(lambda t: reference_for(t, reference.port), targets))
        pairs = [(t, ref, peer_t) if t["name"] == "create" and peer_t else (t, ref)
                 for t, ref in zip(targets, refs, strict=True)]
        say("every target answered; references sized")
        measure(pairs, args)
        say("measured")
        create = next((t for t in targets if t["name"] == "create"), None)
        created = 0 if create is None else count_created(portal.port, create["path"],
                                                         plan["creator_token"])
        peer_created = 0 if peer_t is None else \
            peer_helpdesk.count_settled(peer) - peer_before
    finally:  # a graceful stop waits for requests wrk gave up on: nothing is needed of them
        for server in (reference, portal, peer_server):
            if server is not None:
                server.stop(signal.SIGKILL)
    say("servers stopped")
    summary = pages_report.summarise(pairs, args, plan, created, load_before, peer_created)
    name = "pages-results-quick.json" if args.quick else "pages-results.json"
    (args.work / name).write_text(json.dumps(summary, indent=2))
    print()
    print(pages_report.table(summary))
    if args.write_doc:
        doc.write_section("pages", doc.stamp(COMMAND) + "\n\n" + pages_report.table(summary),
                          heading=HEADING)
        print(f"\nwrote the table into {doc.DOC.relative_to(ROOT)}")
    return summary


if __name__ == "__main__":
    main()
