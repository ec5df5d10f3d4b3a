"""The scaled deployment of bench/faults_load.py, on this machine: a fresh PostgreSQL
database, a redis-server of its own, a real SMTP server (aiosmtpd, in this process), two
gunicorn instances and one worker process. Every process is ours, started in its own
session and stopped by its own id; the database is dropped at the end.
"""

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from email import message_from_bytes
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
GUNICORN = str(Path(PY).with_name("gunicorn"))
FLASK = [str(Path(PY).with_name("flask")), "--app", "app"]
PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://127.0.0.1:5432/test")
CODE = re.compile(r"(\d{6})\s*$")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.2)
    return False


class Database:
    """CREATE DATABASE with a unique name; `terminate()` ends the app's connections."""

    def __init__(self):
        import psycopg

        self.name = f"helpport_faults_{uuid.uuid4().hex[:10]}"
        self.admin = psycopg.connect(PG_ADMIN_URL, autocommit=True)
        self.admin.execute(f'CREATE DATABASE "{self.name}"')
        self.url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{self.name}"

    def query(self, sql: str, params=()) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            return conn.execute(sql, params).fetchall()

    def terminate(self) -> int:
        rows = self.admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()", (self.name,)).fetchall()
        return sum(1 for (ok,) in rows if ok)

    def drop(self) -> None:
        self.admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self.admin.close()


class Proc:
    """One child process (and its children), restartable, logging to a file."""

    def __init__(self, name: str, cmd: list[str], env: dict, log: Path):
        self.name, self.cmd, self.env, self.log = name, cmd, env, log
        self.proc: subprocess.Popen | None = None
        self.expected_down = False

    def start(self) -> None:
        with self.log.open("a") as fh:
            self.proc = subprocess.Popen(self.cmd, cwd=ROOT, env=self.env, stdout=fh,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        self.expected_down = False

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self, sig=signal.SIGKILL, wait: float = 20) -> None:
        self.expected_down = True
        if self.alive():
            os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(wait)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


class Mailbox:
    """What the SMTP server received: deliveries per outbox id, the newest code per address."""

    def __init__(self):
        self.lock = threading.Lock()
        self.by_outbox_id: Counter = Counter()
        self.codes: dict[str, str] = {}
        self.messages = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        msg = message_from_bytes(envelope.content)
        found = CODE.search(str(msg["Subject"] or ""))
        with self.lock:
            self.messages += 1
            self.by_outbox_id[msg["X-Helpport-Outbox-Id"]] += 1
            if found:
                for rcpt in envelope.rcpt_tos:
                    self.codes[rcpt.lower()] = found.group(1)
        return "250 OK"

    def code_for(self, email: str) -> str | None:
        with self.lock:
            return self.codes.pop(email.lower(), None)


class SmtpServer:
    def __init__(self, mailbox: Mailbox):
        self.mailbox, self.port, self.controller = mailbox, free_port(), None

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        self.controller = Controller(self.mailbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


class Stack:
    """Everything the run needs; `close()` stops it all and drops the database."""

    def __init__(self, work: Path, web_workers: int, web_threads: int, sweep_seconds: int):
        self.work = work
        work.mkdir(parents=True, exist_ok=True)
        self.db = Database()
        self.mailbox = Mailbox()
        self.smtp = SmtpServer(self.mailbox)
        self.smtp.start()
        redis_port = free_port()
        self.redis = Proc("redis", ["redis-server", "--port", str(redis_port), "--bind",
                                    "127.0.0.1", "--save", "", "--appendonly", "no",
                                    "--dir", str(work)], dict(os.environ), work / "redis.log")
        self.redis.start()
        wait_port(redis_port) or sys.exit("redis-server did not start")
        self.env = {**os.environ, "PYTHONPATH": str(ROOT), "PORTAL_ENV": "production",
                    "PORTAL_SEARCH_WARM_UP": "false",
                    "PORTAL_SECRET_KEY": secrets.token_hex(32),
                    "PORTAL_DATABASE_URL": self.db.url,
                    "PORTAL_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
                    "PORTAL_SMTP_URL": f"smtp://127.0.0.1:{self.smtp.port}",
                    "PORTAL_SMTP_TIMEOUT": "10",
                    "PORTAL_UPLOAD_DIR": str(work / "uploads"),
                    "PORTAL_OUTBOX_SWEEP_SECONDS": str(sweep_seconds),
                    "PORTAL_NOTIFY_COALESCE_SECONDS": "1",
                    # limits run, but the bench's few addresses must not trip them
                    "PORTAL_OTP_SEND_LIMIT": "100000 per hour",
                    "PORTAL_OTP_SEND_LIMIT_PER_ADDRESS": "100000 per hour",
                    "PORTAL_OTP_VERIFY_LIMIT": "100000 per hour",
                    "OPENBLAS_NUM_THREADS": "1"}
        self.webs: list[Proc] = []
        self.ports: list[int] = []
        self.web_args = ["-w", str(web_workers), "--threads", str(web_threads)]
        self.worker = Proc("worker", FLASK + ["portal", "worker"], self.env, work / "worker.log")
        self.worker_exits = 0

    def flask(self, *args: str) -> str:
        out = subprocess.run(FLASK + list(args), cwd=ROOT, env=self.env, capture_output=True,
                             text=True)
        if out.returncode:
            sys.exit(f"flask {' '.join(args)} failed:\n{out.stdout}{out.stderr}")
        return out.stdout

    def start_app(self, instances: int = 2) -> None:
        config = ["-c", "gunicorn.conf.py"] if (ROOT / "gunicorn.conf.py").exists() else []
        for n in range(instances):
            port = free_port()
            cmd = [GUNICORN, *config, *self.web_args, "-b", f"127.0.0.1:{port}", "app:app"]
            web = Proc(f"web{n + 1}", cmd, self.env, self.work / f"web{n + 1}.log")
            web.start()
            self.webs.append(web)
            self.ports.append(port)
        for port in self.ports:
            wait_port(port, 60) or sys.exit(f"gunicorn on {port} did not start")
        self.worker.start()
        threading.Thread(target=self._supervise, daemon=True).start()

    def _supervise(self) -> None:
        """What systemd's Restart=always does: a worker that exits on its own is started
        again after 2 s (and counted)."""
        while not getattr(self, "closing", False):
            if not self.worker.expected_down and not self.worker.alive():
                self.worker_exits += 1
                time.sleep(2)
                if not getattr(self, "closing", False):
                    self.worker.start()
            time.sleep(0.5)

    def close(self) -> None:
        self.closing = True
        for proc in [self.worker, *self.webs, self.redis]:
            proc.kill(signal.SIGTERM)
        self.smtp.stop()
        self.db.drop()
