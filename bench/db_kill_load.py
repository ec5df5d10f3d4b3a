"""Ticket creation and reads under load while the app's PostgreSQL connections are killed
(issue 9 part 2), with counts: 500s, acknowledged, persisted, duplicated, acknowledged
but missing, and whether ticket numbers stay gap-free.

    PORTAL_TEST_DATABASE_URL=postgresql://127.0.0.1:5432/test \\
        python -m bench.db_kill_load --threads 8 --tickets 25 --kill-every 1.0

It creates a database of its own (dropped afterwards), starts gunicorn (2 workers x 4
threads) on it, and runs `--threads` clients that each open `--tickets` tickets, every one
with its own Idempotency-Key, sent again (same key) after a 503 or a broken connection,
and list tickets after each. Meanwhile every `--kill-every` seconds all of the app's
connections are terminated.
"""

import argparse
import collections
import json
import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid

import psycopg

TICKET = {"title": "", "description": "Load", "priority": "normal",
          "custom_fields": {"category": "problem"}}


def seed(url: str) -> str:
    """Migrate the database, add workspace `load` and a contact; their bearer token."""
    from config import BaseConfig
    from portal import create_app, database
    from tests.factories import api_token, make_contact, make_workspace

    class Config(BaseConfig):
        DATABASE_URL = url
        RUN_EMBEDDED_WORKER = False

    app = create_app(Config)
    with app.app_context():
        database.upgrade()
        return api_token(make_contact(make_workspace(slug="load"), "load@example.com"))


class Load:
    def __init__(self, base: str, token: str, database: str, admin_url: str):
        self.base, self.database, self.admin_url = base, database, admin_url
        self.headers = {"Authorization": f"Bearer {token}"}
        self.counts = collections.Counter()
        self.acknowledged: dict[str, int] = {}
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def count(self, name: str, n: int = 1) -> None:
        with self.lock:
            self.counts[name] += n

    def killer(self, every: float) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            while not self.stop.wait(every):
                (killed,) = conn.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()", (self.database,)).fetchone()
                self.count("connections_killed", killed)

    def call(self, url: str, body: dict | None = None, key: str | None = None):
        """(status, parsed JSON body or None); status 0 when the connection broke."""
        headers = {**self.headers, "Content-Type": "application/json"}
        if key:
            headers["Idempotency-Key"] = key
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(url, data=data, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return answer.status, json.loads(answer.read() or b"null")
        except urllib.error.HTTPError as refused:
            return refused.code, None
        except OSError:
            return 0, None

    def client(self, tickets: int, attempts: int) -> None:
        url = f"{self.base}/api/v1/workspaces/load/tickets"
        for _ in range(tickets):
            key = uuid.uuid4().hex
            for _attempt in range(attempts):
                status, body = self.call(url, {**TICKET, "title": key}, key)
                self.count(f"post_{status or 'broken_connection'}")
                if status == 201:
                    with self.lock:
                        self.acknowledged[key] = body["number"]
                    break
                time.sleep(0.1)
            status, _body = self.call(f"{url}?limit=5")
            self.count(f"get_{status or 'broken_connection'}")

    def report(self, url: str) -> dict:
        with psycopg.connect(url) as conn:
            rows = conn.execute("SELECT title, number FROM ticket").fetchall()
        titles = collections.Counter(title for title, _number in rows)
        numbers = sorted(number for _title, number in rows)
        stored = dict(rows)
        return {**self.counts, "acknowledged": len(self.acknowledged), "persisted": len(rows),
                "duplicated": sum(n - 1 for n in titles.values()),
                "acknowledged_missing": len(set(self.acknowledged) - set(titles)),
                "numbers_gap_free": numbers == list(range(1, len(numbers) + 1)),
                "acknowledged_numbers_match": all(
                    stored.get(key) == n for key, n in self.acknowledged.items())}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--tickets", type=int, default=25)
    parser.add_argument("--kill-every", type=float, default=1.0)
    parser.add_argument("--attempts", type=int, default=20)
    parser.add_argument("--port", type=int, default=18931)
    args = parser.parse_args(argv)
    admin_url = os.environ["PORTAL_TEST_DATABASE_URL"]
    name = f"hp_fault_bench_{uuid.uuid4().hex[:8]}"
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    server = None
    try:
        load = Load(f"http://127.0.0.1:{args.port}", seed(url), name, admin_url)
        env = {**os.environ, "PORTAL_DATABASE_URL": url, "PORTAL_RUN_EMBEDDED_WORKER": "false"}
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-w", "2", "--threads", "4", "-b",
             f"127.0.0.1:{args.port}", "--log-level", "warning", "app:app"], env=env)
        time.sleep(6)
        killer = threading.Thread(target=load.killer, args=(args.kill_every,))
        killer.start()
        clients = [threading.Thread(target=load.client, args=(args.tickets, args.attempts))
                   for _ in range(args.threads)]
        started = time.monotonic()
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join()
        load.stop.set()
        killer.join()
        result = {"seconds": round(time.monotonic() - started, 1), **load.report(url)}
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    print(json.dumps(result, indent=1))
    return result


if __name__ == "__main__":
    main()
