"""gunicorn worker classes for the portal's page mix while live-update streams are open.

    python -m bench.servers                 # SQLite, 10k tickets (--db postgres: PostgreSQL)
    python -m bench.servers --write-doc     # also the "servers" section of docs/PERFORMANCE.md

Every setup serves the same data (bench/seed_tickets.py, six articles) with its own
redis-server, so live updates cross processes as in production. One run: K customers hold a
ticket's event stream open, wrk (16 connections) requests the page mix (ticket list page,
ticket page, the API's ticket list JSON, an article) for a few seconds, and halfway through a
reply is posted through the API: every open stream must receive it as a `comment` event.
Setups are interleaved in every repetition and compared with sync workers serving pages with
no stream open, in the same repetition; also CPU time per request (the machine is shared).

Setups: sync (-w 2; with K streams too, where they end at once and poll), gthread -w 2
with 4 and 8 threads, gevent -w 2, and the split recommended in docs/DEPLOYMENT.md: pages
on sync workers (gunicorn.conf.py; -w 2, and -w 4: two per core), event streams on a gevent
process (deploy/gunicorn-events.conf.py) that the reverse proxy routes `.../events` to.
"""

import argparse
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench import doc
from bench.faults_stack import Proc, wait_port
from bench.servers_client import Stream, cpu_seconds, post_reply, recovered
from bench.tickets_load import (
    PG_ADMIN_URL,
    PY,
    ROOT,
    WORK,
    Server,
    ensure_wrk,
    free_port,
    portal_env,
    quiet_enough,
    wrk,
)

MIX = Path(__file__).with_name("wrk_mix.lua")
EVENTS_CONFIG = "deploy/gunicorn-events.conf.py"
PG_OWN = "helpport_bench_servers"
SYNC = ("-k", "sync", "-w", "2", "--threads", "1")  # threads > 1 would turn sync into gthread
SERVERS = {  # name: (gunicorn config, options)
    "sync": ("gunicorn.conf.py", SYNC),
    "sync4": ("gunicorn.conf.py", ("-k", "sync", "-w", "4", "--threads", "1")),
    "sync1": ("gunicorn.conf.py", ("-k", "sync", "-w", "1", "--threads", "1")),  # --quick
    "gthread4": ("gunicorn.conf.py", ("-k", "gthread", "-w", "2", "--threads", "4")),
    "gthread8": ("gunicorn.conf.py", ("-k", "gthread", "-w", "2", "--threads", "8")),
    "gevent": ("gunicorn.conf.py", ("-k", "gevent", "-w", "2", "--threads", "1")),
    "events": (EVENTS_CONFIG, ()),
}
# (name, label, pages server, streams server or None: no stream open). The sync run with
# streams goes last: its streams poll the same workers until they are closed.
SETUPS = [
    ("sync-pages", "sync -w 2, no stream open (reference)", "sync", None),
    ("split", "split: pages sync -w 2 + streams gevent -w 1 (recommended)", "sync", "events"),
    ("split4", "split: pages sync -w 4 + streams gevent -w 1", "sync4", "events"),
    ("gthread4", "gthread -w 2 --threads 4", "gthread4", "gthread4"),
    ("gthread8", "gthread -w 2 --threads 8 (the old README)", "gthread8", "gthread8"),
    ("gevent", "gevent -w 2", "gevent", "gevent"),
    ("sync", "sync -w 2, streams on the same workers", "sync", "sync"),
]
# --quick: the reference and the split on one page worker (the same code path; a second
# worker would only load the app again)
QUICK_SETUPS = [
    ("sync-pages", "sync -w 1, no stream open (reference)", "sync1", None),
    ("split", "split: pages sync -w 1 + streams gevent -w 1 (recommended, smoke run)", "sync1",
     "events"),
]


def prepare(out: str, tickets: int) -> None:
    """(In a subprocess with the bench environment.) Migrate, seed, add six public articles
    in one directory (so an article page needs no search index), mint a web session and an
    API token for the regular contact, and write the targets to `out`."""
    from bench.seed_tickets import CONTACT_EMAIL, SLUG, seed
    from bench.targets import busiest_ticket
    from portal import create_app, database
    from portal.auth import sessions
    from portal.extensions import db
    from portal.models import Article
    from portal.services import articles, contacts, directories, portal_settings, workspaces
    from portal.tenancy import use_workspace

    app = create_app()
    with app.app_context(), app.test_request_context():
        database.upgrade()
        seed(tickets)
        ws = workspaces.by_slug(SLUG)
        with use_workspace(ws.id):
            portal_settings.change(ws, {"features.knowledge_base": "public"})
            if db.session.query(Article.id).first() is None:
                folder = directories.directory_by_name(ws, "Getting started", "en-US")
                for n in range(6):
                    articles.write(ws, locale="en-US", title=f"Setting up the client, part {n}",
                                   body="Install it, then sign in.\n\n" * 40,
                                   status="published", directory_id=folder.id, author="Bench")
            article = db.session.query(Article).order_by(Article.id).first()
            contact = contacts.by_email(ws, CONTACT_EMAIL)
            web_token, _row = sessions.start(contact, kind="web")
            api_token, _row = sessions.start(contact, kind="api")
            number, _comments = busiest_ticket(ws, contact)
            db.session.commit()
            cookie = f"Cookie\t{sessions.COOKIE}_{ws.id}={web_token}"
            bearer = f"Authorization\tBearer {api_token}"
            base = f"/en-US/{SLUG}"
            data = {"number": number, "cookie": cookie.replace("\t", ": "),
                    "token": api_token, "slug": SLUG,
                    "events": f"{base}/tickets/{number}/events",
                    "mix": [f"{base}/tickets\t{cookie}", f"{base}/tickets/{number}\t{cookie}",
                            f"/api/v1/workspaces/{SLUG}/tickets\t{bearer}",
                            f"{base}/articles/{article.slug}"]}
    Path(out).write_text(json.dumps(data, indent=2))


def check(port: int, line: str) -> None:
    path, *header = line.split("\t")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", path, headers=dict([header]) if header else {})
    status, _ = conn.getresponse().status, conn.close()
    if status != 200:
        sys.exit(f"GET {path} answered {status}, not the page")


def run_once(setup: tuple, ports: dict, groups: dict, targets: dict, mix_file: Path,
             args) -> dict:
    _name, _label, pages, streams_on = setup
    used = [groups[pages]] + ([groups[streams_on]] if streams_on not in (None, pages) else [])
    for port in {ports[pages], ports.get(streams_on, ports[pages])}:
        recovered(port)
    cpu_before = sum(cpu_seconds(g) for g in used)
    streams = []
    if streams_on:
        streams = [Stream(ports[streams_on], targets["events"], targets["cookie"])
                   for _ in range(args.streams)]
        deadline = time.monotonic() + 3
        for s in streams:
            s.ready.wait(max(0.0, deadline - time.monotonic()))
    result: dict = {"streams_open": sum(s.ready.is_set() for s in streams)}
    load: dict = {}
    runner = threading.Thread(target=lambda: load.update(wrk(
        ports[pages], "/", None, args.duration, args.connections, MIX, (str(mix_file),))))
    runner.start()
    time.sleep(args.duration / 2)
    post_reply(ports[pages], targets, result)
    runner.join()
    if streams:
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline and any(s.comment_at is None for s in streams):
            time.sleep(0.05)
    got = [s.comment_at - result["posted_at"] for s in streams if s.comment_at is not None]
    result["streams_event"] = len(got)
    result["event_ms_max"] = max(got) * 1000 if got else None
    for s in streams:
        s.close()
    cpu = sum(cpu_seconds(g) for g in used) - cpu_before
    return {**result, "cpu_ms": cpu * 1000 / max(load["requests"], 1), "rps": load["rps"],
            "p50_ms": load["p50_us"] / 1000, "p95_ms": load["p95_us"] / 1000,
            "errors": sum(load["errors"].values())}


def summarise(setups: list, runs: dict, args, load: list) -> dict:
    ref = runs["sync-pages"]
    rows = []
    for name, label, _pages, streams_on in setups:
        mine = runs[name]
        rows.append({
            "name": name, "label": label, "streams": args.streams if streams_on else 0,
            "rps": statistics.median(r["rps"] for r in mine),
            "p50_ms": statistics.median(r["p50_ms"] for r in mine),
            "p95_ms": statistics.median(r["p95_ms"] for r in mine),
            "cpu_ms": statistics.median(r["cpu_ms"] for r in mine),
            "ratio": statistics.median(r["rps"] / max(q["rps"], 1e-9)
                                       for r, q in zip(mine, ref, strict=True)),
            "errors": sum(r["errors"] for r in mine),
            "streams_open": min(r["streams_open"] for r in mine),
            "streams_event": min(r["streams_event"] for r in mine),
            "post": sorted({str(r["post_status"]) for r in mine}),
            "event_ms_max": max((r["event_ms_max"] or 0) for r in mine) if streams_on else None,
        })
    return {"db": args.db, "tickets": args.tickets, "reps": args.reps,
            "duration_s": args.duration, "connections": args.connections,
            "streams": args.streams, "load": load, "results": rows}


def table(summary: dict) -> str:
    lines = [f"{summary['db']}, {summary['tickets']} tickets, wrk -c{summary['connections']} "
             f"-d{summary['duration_s']}s x {summary['reps']} interleaved, medians; "
             f"{summary['streams']} event streams open during each run except the reference; "
             f"load average before each repetition: {'; '.join(summary['load'])}", "",
             "| Setup | Req/s | p50 ms | p95 ms | vs sync | CPU ms per request | Errors "
             "| Streams ready | Got the event | Reply POST | Event after |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|"]
    for r in summary["results"]:
        n = r["streams"]
        late = f"{r['event_ms_max']:.0f} ms" if r["event_ms_max"] else "-"
        lines.append(f"| {r['label']} | {r['rps']:.0f} | {r['p50_ms']:.1f} | "
                     f"{r['p95_ms']:.1f} | {r['ratio']:.2f} | {r['cpu_ms']:.1f} | "
                     f"{r['errors']} | "
                     f"{r['streams_open']}/{n} | {r['streams_event']}/{n} | "
                     f"{', '.join(r['post'])} | {late} |")
    return "\n".join(lines)


def start(args, env: dict) -> tuple[dict, dict]:
    """The redis-server, the seeded database, and one gunicorn per server in use."""
    redis_port = free_port()
    redis = Proc("redis", ["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1",
                           "--save", "", "--appendonly", "no"], dict(os.environ),
                 WORK / "servers-redis.log")
    redis.start()
    wait_port(redis_port) or sys.exit("redis-server did not start")
    env["PORTAL_REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
    targets_file = WORK / "servers-targets.json"
    subprocess.run([PY, "-m", "bench.servers", "--prepare", str(targets_file),
                    "--tickets", str(args.tickets)], cwd=ROOT, env=env, check=True)
    needed = {s[2] for s in args.setups} | {s[3] for s in args.setups if s[3]}
    servers = {name: Server("app:app", env, WORK / f"servers-{name}.log",
                            SERVERS[name][1], SERVERS[name][0])
               for name in SERVERS if name in needed}
    return {"redis": redis, **servers}, json.loads(targets_file.read_text())


def run(args) -> dict:
    WORK.mkdir(parents=True, exist_ok=True)
    own = f"sqlite:///{WORK / ('servers-quick.db' if args.quick else 'servers.db')}"
    if args.db == "postgres":  # a database of its own: prepare() changes the bench workspace
        import psycopg

        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            if not conn.execute(f"SELECT 1 FROM pg_database WHERE datname = '{PG_OWN}'").fetchone():
                conn.execute(f'CREATE DATABASE "{PG_OWN}"')
        own = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{PG_OWN}"
    env = portal_env(own)
    # a closed stream frees its worker at its next heartbeat: beat often between runs
    env.update({"PORTAL_LIVE_HEARTBEAT_SECONDS": "2", "OPENBLAS_NUM_THREADS": "1",
                "PORTAL_ENV": "production", "PORTAL_SECRET_KEY": "bench-" + "x" * 40,
                "PORTAL_BASE_URL": "http://127.0.0.1"})
    procs, targets = start(args, env)
    try:
        servers = {k: v for k, v in procs.items() if k != "redis"}
        for server in servers.values():
            server.wait("/healthz")
        ports = {name: server.port for name, server in servers.items()}
        groups = {name: server.proc.pid for name, server in servers.items()}
        for line in targets["mix"]:  # every page answers 200 on every server
            for port in {ports[s[2]] for s in args.setups}:
                check(port, line)
        mix_file = WORK / "servers-mix.txt"
        mix_file.write_text("\n".join(targets["mix"]) + "\n")
        for name in {s[2] for s in args.setups} if not args.quick else ():  # warm-up
            wrk(ports[name], "/", None, 2, 4, MIX, (str(mix_file),))
        runs = {s[0]: [] for s in args.setups}
        load = []
        for rep in range(args.reps):
            load.append(doc.load_average())
            for setup in args.setups:
                if not args.quick:
                    quiet_enough(args.quiet, args.max_wait)
                r = run_once(setup, ports, groups, targets, mix_file, args)
                runs[setup[0]].append(r)
                print(f"  rep {rep + 1} {setup[0]:<10} {r['rps']:7.1f} req/s p50 "
                      f"{r['p50_ms']:6.1f} ms p95 {r['p95_ms']:6.1f} ms, CPU "
                      f"{r['cpu_ms']:5.1f} ms/req, streams ready {r['streams_open']}, "
                      f"got the event {r['streams_event']}, reply POST "
                      f"{r['post_status']}", flush=True)
    finally:
        for proc in procs.values():
            proc.stop() if isinstance(proc, Server) else proc.kill()
    return summarise(args.setups, runs, args, load)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--duration", type=int, default=8, help="seconds per run")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--streams", type=int, default=8, help="event streams held open")
    parser.add_argument("--quiet", type=float, default=0.25)
    parser.add_argument("--max-wait", type=float, default=20)
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 300 tickets, the reference and the split on one "
                        "page worker, 1 s")
    parser.add_argument("--write-doc", action="store_true")
    parser.add_argument("--prepare", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.prepare:
        prepare(args.prepare, args.tickets)
        return {}
    args.setups = SETUPS
    if args.quick:
        args.tickets, args.duration, args.reps, args.streams = 300, 1, 1, 2
        args.setups = QUICK_SETUPS
    ensure_wrk()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped"))  # stop the servers too
    summary = run(args)
    text = table(summary)
    print("\n" + text)
    name = f"servers-{'quick-' if args.quick else ''}{args.db}.json"
    (WORK / name).write_text(json.dumps(summary, indent=2))
    if args.write_doc:
        doc.write_section("servers", doc.stamp("python -m bench.servers --write-doc")
                          + "\n\n" + text, heading="Server settings (issue 11)")
    return summary


if __name__ == "__main__":
    main()
