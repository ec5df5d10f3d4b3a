"""The recommended server setup (issue 11, part 4) keeps live updates working under load.

Two real gunicorns started exactly as docs/DEPLOYMENT.md says, on one migrated SQLite file
and a redis-server of the test's own: the page instance (`gunicorn -c gunicorn.conf.py`,
sync workers) and the live-update instance (`gunicorn -c deploy/gunicorn-events.conf.py`,
gevent). More event streams are open on the live-update instance than the page instance
has workers, pages are requested without pause, and a reply posted on the page instance
reaches every stream while the pages keep answering. A stream that reaches a sync worker
anyway (a proxy without the routing rule) ends at once instead of holding the worker.
SIGTERM then ends the streams at once on the gevent worker too (its drain flag is a
patched threading.Event).
"""

import json
import os
import signal
import subprocess
import threading
import time
import urllib.request

import pytest

from config import ROOT
from tests.live import SSEClient
from tests.served import GUNICORN, free_port, seeded_site

pytest.importorskip("gevent", reason="the `server` extra (scripts/install-test-deps.sh)")

STREAMS = 4  # more than the page instance's two sync workers could hold
EVENT_WITHIN = 3.0


@pytest.fixture
def seeded(make_app, template, tmp_path, redis_server):
    env, number, token = seeded_site(make_app, template, tmp_path, "split",
                                     REDIS_URL=redis_server.url)
    env["PORTAL_LIVE_HEARTBEAT_SECONDS"] = "1"
    return env, number, token


def start(config: str, env: dict, log) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([GUNICORN, "-c", config, "-b", f"127.0.0.1:{port}"], cwd=ROOT,
                            env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)
    return proc, f"http://127.0.0.1:{port}"


def wait_ready(proc, base: str, log) -> None:
    deadline = time.monotonic() + 60
    while True:
        assert proc.poll() is None, f"gunicorn exited:\n{_tail(log)}"
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        assert time.monotonic() < deadline, f"gunicorn did not answer:\n{_tail(log)}"
        time.sleep(0.2)


def _tail(log) -> str:
    log.flush()
    log.seek(0)
    return log.read()[-3000:]


@pytest.fixture
def split(seeded, tmp_path):
    env, number, token = seeded
    logs = [open(tmp_path / name, "w+") for name in ("pages.log", "events.log")]
    procs = [start("gunicorn.conf.py", env, logs[0]),
             start("deploy/gunicorn-events.conf.py", env, logs[1])]
    try:
        for (proc, base), log in zip(procs, logs, strict=True):
            wait_ready(proc, base, log)
        yield procs, logs, number, token
    finally:
        for proc, _base in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        for log in logs:
            log.close()


class PageLoad(threading.Thread):
    """Requests the customer's ticket list and ticket without pause, counting answers."""

    def __init__(self, base: str, number: int, token: str):
        super().__init__(daemon=True)
        self.paths = ["/api/v1/workspaces/acme/tickets",
                      f"/api/v1/workspaces/acme/tickets/{number}"]
        self.base, self.token = base, token
        self.statuses: list[int] = []
        self.stop = threading.Event()
        self.start()

    def run(self):
        n = 0
        while not self.stop.is_set():
            request = urllib.request.Request(self.base + self.paths[n % 2],
                                             headers={"Authorization": f"Bearer {self.token}"})
            try:
                with urllib.request.urlopen(request, timeout=10) as answer:
                    self.statuses.append(answer.status)
            except OSError as exc:  # a refused or cut connection counts as a failure
                self.statuses.append(getattr(exc, "code", 0))
            n += 1


def post_reply(base: str, number: int, token: str) -> int:
    request = urllib.request.Request(
        f"{base}/api/v1/workspaces/acme/tickets/{number}/comments", method="POST",
        data=b'{"body": "Live while the pages are busy."}',
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return answer.status


def test_streams_get_the_reply_while_pages_are_served(split):
    (pages, page_base), (events, event_base) = split[0]
    _logs, number, token = split[1:]
    path = f"/api/v1/workspaces/acme/tickets/{number}/events"
    streams = [SSEClient(event_base, path, token) for _ in range(STREAMS)]
    loads = [PageLoad(page_base, number, token) for _ in range(2)]
    try:
        for stream in streams:
            assert stream.response.status == 200
            stream.until("ready", 10)
        time.sleep(0.5)
        served_before = sum(len(load.statuses) for load in loads)
        assert post_reply(page_base, number, token) == 201
        posted = time.monotonic()
        for stream in streams:
            event = stream.until("comment", EVENT_WITHIN)[-1]
            assert "Live while the pages are busy." in event["data"]
        arrived = time.monotonic() - posted
        misrouted = SSEClient(page_base, path, token, last_event_id="0")
        seen = misrouted.until("end", 5)
        assert "Live while the pages are busy." in str(seen)
        assert json.loads(seen[-1]["data"]) == {"reason": "reconnect"}
        misrouted.close()
        time.sleep(0.5)
        served = sum(len(load.statuses) for load in loads)
        assert served > served_before, "pages kept answering while the streams were open"
        assert {s for load in loads for s in load.statuses} == {200}
        signalled = time.monotonic()
        os.kill(events.pid, signal.SIGTERM)
        for stream in streams:
            stream.until("end", 3)
        ended = time.monotonic() - signalled
    finally:
        for load in loads:
            load.stop.set()
            load.join(15)
        for stream in streams:
            stream.close()
    print(f"\nreply -> {STREAMS} streams {arrived:.2f} s; {served} pages; "
          f"SIGTERM -> end {ended:.2f} s")
    assert pages.poll() is None
