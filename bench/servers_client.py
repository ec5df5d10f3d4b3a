"""The clients of bench/servers.py: a customer's open ticket page (an event stream that
reconnects as EventSource does), the reply posted during a run, and what the servers cost."""

import http.client
import json
import os
import threading
import time
from pathlib import Path


class Stream(threading.Thread):
    """One customer's open ticket page, as EventSource does it: reads the event stream and,
    when the server ends it, comes back after `retry` with Last-Event-ID. Notes when the
    first `ready` and the first `comment` event arrived."""

    def __init__(self, port: int, path: str, cookie: str):
        super().__init__(daemon=True)
        self.port, self.path, self.cookie = port, path, cookie
        self.ready = threading.Event()
        self.closed = threading.Event()
        self.comment_at: float | None = None
        self.conn: http.client.HTTPConnection | None = None
        self.last_id: str | None = None
        self.start()

    def run(self) -> None:
        while not self.closed.is_set():
            retry = self.read_once()
            self.closed.wait(retry)

    def read_once(self) -> float:
        retry = 2.0
        name, value = self.cookie.split(": ", 1)
        headers = {name: value, **({"Last-Event-ID": self.last_id} if self.last_id else {})}
        try:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            self.conn.request("GET", self.path, headers=headers)
            response = self.conn.getresponse()
            while line := response.readline():
                if line.startswith(b"retry: "):
                    retry = int(line[7:]) / 1000
                elif line.startswith(b"id: "):
                    self.last_id = line[4:].strip().decode()
                elif line.startswith(b"event: ready"):
                    self.ready.set()
                elif line.startswith(b"event: comment") and self.comment_at is None:
                    self.comment_at = time.monotonic()
        except (OSError, http.client.HTTPException, ValueError, AttributeError):
            return retry
        finally:
            self.conn.close()
        return retry

    def close(self) -> None:
        self.closed.set()
        try:
            self.conn.sock.shutdown(2)
        except (OSError, AttributeError):
            pass


def recovered(port: int, seconds: float = 45) -> bool:
    """Wait until the server answers again (a previous run may have left its workers busy)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            status, _ = conn.getresponse().status, conn.close()
            if status == 200:
                return True
        except (OSError, http.client.HTTPException):
            time.sleep(0.5)
    return False


def post_reply(port: int, targets: dict, result: dict) -> None:
    """The change during the run: a customer reply through the API (its commit publishes)."""
    body = json.dumps({"body": "A reply while the pages are under load."})
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
        conn.request("POST", f"/api/v1/workspaces/{targets['slug']}/tickets/"
                     f"{targets['number']}/comments", body=body,
                     headers={"Authorization": f"Bearer {targets['token']}",
                              "Content-Type": "application/json"})
        result["post_status"] = conn.getresponse().status
        conn.close()
    except (OSError, http.client.HTTPException) as exc:
        result["post_status"] = type(exc).__name__
    result["posted_at"] = time.monotonic()


def cpu_seconds(group: int) -> float:
    """CPU time used so far by the processes of a process group (a gunicorn and its
    workers): what a request costs, whatever else the shared machine is running."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group:  # pgrp; utime and stime follow at 11 and 12
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")
