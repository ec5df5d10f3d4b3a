"""Faults under load: the scaled deployment (bench/faults_stack.py: PostgreSQL, Redis, two
gunicorn instances, one worker, a real SMTP server) takes ticket creations, reads and
sign-in code requests from concurrent clients while the worker is killed, Redis stops,
the database connections are terminated and the SMTP server goes away. Then it counts.

    python -m bench.faults_load                 # make bench-faults; ~3-4 minutes
    python -m bench.faults_load --clients 8 --duration 70 --label after

Clients sign in through the API (code read from the SMTP server), then create tickets with
an `Idempotency-Key` per ticket and retry on errors and timeouts with the same key (as a
mobile app would), alternating between the instances like a load balancer. Every ticket has
a unique title, so a title found twice is a duplicate. The workspace has a support address,
so every ticket causes one notification email; every code request causes one code email.
Results: instance/bench/faults-<label>.json and a table on stdout (docs/PERFORMANCE.md).
"""

import argparse
import http.client
import json
import os
import platform
import signal
import subprocess
import threading
import time
import uuid
from collections import Counter
from datetime import UTC, datetime

from bench.faults_count import count, drain, table
from bench.faults_stack import ROOT, Stack

WORK = ROOT / "instance" / "bench"
SLUG = "faults"
SUPPORT = "support@faults.example"


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.status: Counter = Counter()  # "POST tickets 201", "GET tickets 500", ...
        self.errors: Counter = Counter()  # connection errors and timeouts by kind
        self.acked: set[str] = set()  # titles answered 2xx
        self.gave_up: set[str] = set()  # titles never answered 2xx after every try
        self.refused: set[str] = set()  # titles answered 4xx (not retried)
        self.latency: list[float] = []
        self.refusal = None  # the body of a 4xx answer to a ticket creation, if any
        self.t0 = time.monotonic()  # the load's start (reset when it starts)
        self.failures: list = []  # [seconds into the load, what]: 5xx answers and errors
        self.signin_failures: list = []  # the same while the clients signed in

    def failed(self, what: str) -> None:
        with self.lock:
            if len(self.failures) < 500:
                self.failures.append([round(time.monotonic() - self.t0, 1), what])

    def count(self, key: str) -> None:
        with self.lock:
            self.status[key] += 1


def call(port: int, method: str, path: str, body=None, headers=None, timeout: float = 10):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=json.dumps(body) if body is not None else None,
                     headers={"Content-Type": "application/json", **(headers or {})})
        response = conn.getresponse()
        data = response.read()
        return response.status, data
    finally:
        conn.close()


class Client:
    def __init__(self, n: int, stack: Stack, stats: Stats, stop: threading.Event):
        self.n, self.stack, self.stats, self.stop = n, stack, stats, stop
        self.email = f"client{n}@customer.example"
        self.token = None
        self.calls = 0

    def port(self) -> int:
        self.calls += 1
        return self.stack.ports[(self.n + self.calls) % len(self.stack.ports)]

    def request(self, method, path, body=None, headers=None, label=""):
        """One attempt: (status, body) or (None, error name)."""
        try:
            status, data = call(self.port(), method, path, body, headers)
        except (OSError, http.client.HTTPException) as exc:
            with self.stats.lock:
                self.stats.errors[f"{label} {type(exc).__name__}"] += 1
            self.stats.failed(f"{label} {type(exc).__name__}")
            return None, type(exc).__name__
        self.stats.count(f"{label} {status}")
        if status >= 500:
            self.stats.failed(f"{label} {status}")
        return status, data

    def sign_in(self, deadline: float) -> bool:
        base = f"/api/v1/workspaces/{SLUG}/auth"
        while time.monotonic() < deadline:
            status, _ = self.request("POST", f"{base}/otp", {"email": self.email},
                                     label="POST otp")
            if status != 202:
                time.sleep(1)
                continue
            code = None
            for _ in range(40):
                code = self.stack.mailbox.code_for(self.email)
                if code:
                    break
                time.sleep(0.25)
            if not code:
                continue
            status, data = self.request("POST", f"{base}/otp/verify",
                                        {"email": self.email, "code": code},
                                        label="POST otp/verify")
            if status == 200:
                self.token = json.loads(data)["access_token"]
                return True
        return False

    def create_tickets(self, attempts: int) -> None:
        path = f"/api/v1/workspaces/{SLUG}/tickets"
        number = 0
        while not self.stop.is_set():
            number += 1
            title = f"bench c{self.n} t{number} {uuid.uuid4().hex[:8]}"
            headers = {"Authorization": f"Bearer {self.token}",
                       "Idempotency-Key": uuid.uuid4().hex}
            body = {"title": title, "description": "Created under faults.", "priority": "normal",
                    "custom_fields": {"category": "problem"}}
            started = time.monotonic()
            for attempt in range(attempts):
                status, data = self.request("POST", path, body, headers, label="POST tickets")
                if status is not None and 200 <= status < 300:
                    with self.stats.lock:
                        self.stats.acked.add(title)
                        self.stats.latency.append(time.monotonic() - started)
                    break
                if status is not None and 400 <= status < 500 and status not in (408, 409, 429):
                    with self.stats.lock:  # refused: a retry would be refused again
                        self.stats.refused.add(title)
                        self.stats.refusal = data[:300].decode(errors="replace")
                    break
                time.sleep(min(0.5 * (attempt + 1), 3))
            else:
                with self.stats.lock:
                    self.stats.gave_up.add(title)

    def read_and_request_codes(self) -> None:
        """Reads (ticket list) and sign-in code requests (each one email)."""
        while not self.stop.is_set():
            self.request("GET", f"/api/v1/workspaces/{SLUG}/tickets",
                         headers={"Authorization": f"Bearer {self.token}"}, label="GET tickets")
            self.request("POST", f"/api/v1/workspaces/{SLUG}/auth/otp", {"email": self.email},
                         label="POST otp")
            self.stop.wait(1.0)


def run_faults(stack: Stack, duration: float, log: list, stop: threading.Event) -> None:
    """The schedule, as fractions of the load's duration."""
    t0 = time.monotonic()

    def at(fraction: float) -> bool:
        return not stop.wait(max(0.0, t0 + fraction * duration - time.monotonic()))

    def note(what: str) -> None:
        log.append({"t": round(time.monotonic() - t0, 1), "event": what})
        print(f"  t+{log[-1]['t']:5.1f}s {what}", flush=True)

    steps = [
        (0.10, "worker killed (SIGKILL)", lambda: stack.worker.kill(signal.SIGKILL)),
        (0.17, "worker started", stack.worker.start),
        (0.25, "redis-server stopped", lambda: stack.redis.kill(signal.SIGTERM)),
        (0.37, "redis-server started (empty)", stack.redis.start),
        (0.47, "database connections terminated", lambda: f"{stack.db.terminate()} ended"),
        (0.52, "database connections terminated", lambda: f"{stack.db.terminate()} ended"),
        (0.62, "SMTP server stopped", stack.smtp.stop),
        (0.75, "SMTP server started", stack.smtp.start),
    ]
    for fraction, what, action in steps:
        if not at(fraction):
            return
        result = action()
        note(what + (f": {result}" if isinstance(result, str) else ""))


def setup(stack: Stack) -> int:
    stack.flask("portal", "init-db")
    stack.flask("portal", "create-workspace", "--slug", SLUG, "--name", "Faults Bench", "--jit")
    stack.db.query("UPDATE workspace SET support_email = %s WHERE slug = %s RETURNING id",
                   (SUPPORT, SLUG))
    (ws_id,), = stack.db.query("SELECT id FROM workspace WHERE slug = %s", (SLUG,))
    return ws_id


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=8, help="ticket-creating clients")
    parser.add_argument("--readers", type=int, default=2,
                        help="clients that read lists and request sign-in codes")
    parser.add_argument("--duration", type=float, default=70, help="seconds of load")
    parser.add_argument("--attempts", type=int, default=8, help="tries per ticket")
    parser.add_argument("--drain", type=float, default=120, help="seconds to wait for emails")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--web-threads", type=int, default=4)
    parser.add_argument("--sweep-seconds", type=int, default=5,
                        help="PORTAL_OUTBOX_SWEEP_SECONDS of the run (default 60 in production)")
    parser.add_argument("--label", default=None, help="results name (default: git commit)")
    args = parser.parse_args(argv)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    label = args.label or commit
    work = WORK / f"faults-{label}"
    stack = Stack(work, args.web_workers, args.web_threads, args.sweep_seconds)
    stats, stop, events = Stats(), threading.Event(), []
    try:
        ws_id = setup(stack)
        stack.start_app()
        print(f"== stack up: web on {stack.ports}, database {stack.db.name}", flush=True)
        everyone = [Client(n, stack, stats, stop) for n in range(args.clients + args.readers)]
        deadline = time.monotonic() + 60
        signed = [threading.Thread(target=c.sign_in, args=(deadline,)) for c in everyone]
        [t.start() for t in signed]
        [t.join() for t in signed]
        if not all(c.token for c in everyone):
            raise SystemExit("sign-in failed for some clients; see " + str(work))
        print(f"== {len(everyone)} clients signed in; load for {args.duration:.0f} s", flush=True)
        threads = [threading.Thread(target=c.create_tickets, args=(args.attempts,))
                   for c in everyone[:args.clients]]
        threads += [threading.Thread(target=c.read_and_request_codes)
                    for c in everyone[args.clients:]]
        faults = threading.Thread(target=run_faults, args=(stack, args.duration, events, stop))
        stats.signin_failures, stats.failures = stats.failures, []  # before the load
        stats.t0 = time.monotonic()
        [t.start() for t in [*threads, faults]]
        time.sleep(args.duration)
        stop.set()
        [t.join() for t in [*threads, faults]]
        print("== load over; waiting for the emails to drain", flush=True)
        drained = drain(stack, ws_id, args.drain)
        result = {"label": label, "commit": commit,
                  "date": datetime.now(UTC).isoformat(timespec="seconds"),
                  "machine": f"{os.cpu_count()} cores, {platform.platform()}",
                  "load_average": os.getloadavg(), "args": vars(args), "faults": events,
                  "worker_exits_on_their_own": stack.worker_exits,
                  "drain_seconds": drained, **count(stack, stats, ws_id)}
    finally:
        stop.set()
        stack.close()
    out = WORK / f"faults-{label}.json"
    out.write_text(json.dumps(result, indent=2))
    print(table(result))
    print(f"results: {out}")
    return result


if __name__ == "__main__":
    main()
