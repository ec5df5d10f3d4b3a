"""django-helpdesk as the peer of the ticket-creation benchmark (bench/pages_load.py; issue
11 part 5: creation >= 2x django-helpdesk's submit rate).

    python -m bench.peer_helpdesk               # set it up (idempotent), print what is there
    python -m bench.peer_helpdesk --serve 60    # and serve it for a minute (a manual look)
    python -m bench.peer_helpdesk --cpu 300     # CPU ms per submission in process (median)

Everything lives under instance/bench (not committed):

- helpdesk-venv/: a virtualenv of its own (`python -m venv`, then pip through the
  configured index: django-helpdesk==VERSION and gunicorn, with what they require);
- helpdesk-site/: a minimal Django project this module writes (settings, urls, wsgi, a seed
  script, cpu.py for --cpu: Django's test client, CSRF checked): DEBUG off, SQLite in WAL
  mode with the portal's pragmas (synchronous=NORMAL, 5 s busy timeout, journal size
  limit), persistent connections, e-mail rendered but not
  delivered (the dummy backend: the portal queues its notifications too), the apps
  django-helpdesk's install docs list minus pinax-teams (teams mode off, as its docs allow);
  its URLs at /helpdesk/, public submission allowed;
- helpdesk-site/helpdesk.db: migrated, the e-mail templates loaded (install step 8), a
  public queue "Bench Support" and 10k tickets with one to four follow-ups each, inserted
  with bulk_create (seconds). A file `ready` records the ticket count once all that is done:
  a second run only checks it.

The request measured is its public "submit a ticket" form, POST /helpdesk/tickets/submit/
(helpdesk.views.public.CreateTicketView with helpdesk.forms.PublicTicketForm: queue, title,
body, priority, submitter_email), urlencoded, with Django's CSRF cookie and form token taken
from one GET of the form; a ticket created answers 302 to its public view. Served by the
venv's gunicorn with the flags the portal gets (`-w 2 -k sync --threads 1`).
"""

import argparse
import http.client
import os
import re
import secrets
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote_plus

from bench.tickets_load import WORK, Server, free_port

VERSION = "2.6.1"
PACKAGES = (f"django-helpdesk=={VERSION}", "gunicorn")
SUBMIT_PATH = "/helpdesk/tickets/submit/"
QUEUE_SLUG, QUEUE_TITLE = "bench", "Bench Support"
# the same ticket as bench/pages_targets.py's TICKET_BODY (a test keeps them equal)
TITLE = "Export fails after the update ({n})"
DESCRIPTION = ("Since this morning the CSV export stops at 40%. Steps: open Reports, choose "
               "last month, press Export.")
SUBMITTER = "casey.creator@bench-corp.example"
PRIORITY = "3"  # django-helpdesk's "normal"
SQLITE_INIT = ("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
               "PRAGMA journal_size_limit=67108864")

SETTINGS = '''"""Written by bench/peer_helpdesk.py: django-helpdesk {version} for the benchmark."""
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
SECRET_KEY = {secret!r}
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.sites",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "django_cleanup.apps.CleanupConfig",
    "helpdesk",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "helpdesk_site.urls"
WSGI_APPLICATION = "helpdesk_site.wsgi.application"
TEMPLATES = [{{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [],
    "APP_DIRS": True,
    "OPTIONS": {{"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]}},
}}]
DATABASES = {{"default": {{
    "ENGINE": "django.db.backends.sqlite3",
    "NAME": {db!r},
    "CONN_MAX_AGE": None,
    "OPTIONS": {{"timeout": 5, "init_command": {init!r}}},
}}}}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
SITE_ID = 1
USE_TZ = True
TIME_ZONE = "UTC"
LANGUAGE_CODE = "en-us"
STATIC_URL = "/static/"
MEDIA_ROOT = str(HERE / "media")
LOGIN_URL = "/helpdesk/login/"
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
DEFAULT_FROM_EMAIL = "helpdesk@bench.example"
HELPDESK_TEAMS_MODE_ENABLED = False
HELPDESK_SUBMIT_A_TICKET_PUBLIC = True
'''

URLS = '''from django.urls import include, path

urlpatterns = [path("helpdesk/", include("helpdesk.urls", namespace="helpdesk"))]
'''

WSGI = '''import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk_site.settings")
application = get_wsgi_application()
'''

SEED = '''"""Written by bench/peer_helpdesk.py: the public queue and N tickets (bulk_create)."""
import os
import random
import sys
from datetime import timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk_site.settings")
import django  # noqa: E402

django.setup()
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from helpdesk.models import FollowUp, Queue, Ticket  # noqa: E402

want = int(sys.argv[1])
queue, _ = Queue.objects.get_or_create(slug={slug!r}, defaults={{
    "title": {title!r}, "allow_public_submission": True}})
have = Ticket.objects.filter(queue=queue).count()
rng, now = random.Random(1), timezone.now()
with transaction.atomic():
    for start in range(have, want, 1000):
        tickets = []
        for n in range(start, min(start + 1000, want)):
            at = now - timedelta(minutes=rng.randint(60, 60 * 24 * 365))
            tickets.append(Ticket(
                title=f"Bench ticket {{n + 1}}: the export stops", queue=queue, created=at,
                modified=at, submitter_email=f"customer{{n % 50}}@bench-corp.example",
                status=rng.choice((1, 1, 2, 3, 4)), priority=rng.randint(1, 5),
                description="Since this morning the CSV export stops at 40%."))
        tickets = Ticket.objects.bulk_create(tickets)
        FollowUp.objects.bulk_create([
            FollowUp(ticket=t, title="Comment", date=t.created + timedelta(hours=i),
                     comment=f"Follow-up {{i}} on this ticket.", public=True)
            for t in tickets for i in range(rng.randint(1, 4))])
print(f"queue {{queue.id}}: {{Ticket.objects.filter(queue=queue).count()}} tickets")
'''

CPU = '''"""Written by bench/peer_helpdesk.py: CPU (thread_time) and SQL statements per public
submission, in process through Django's test client (CSRF checked, e-mail rendered)."""
import json
import os
import re
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "helpdesk_site.settings")
import django  # noqa: E402

django.setup()
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from helpdesk.models import Queue  # noqa: E402

client = Client(enforce_csrf_checks=True, HTTP_HOST="127.0.0.1")
page = client.get({path!r}).content.decode()
data = {fields!r}
data["queue"] = str(Queue.objects.get(slug={slug!r}).id)
data["csrfmiddlewaretoken"] = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"',
                                        page).group(1)
ms, statements = [], []
for n in range(int(sys.argv[1])):
    data["title"] = {title!r}.replace("{{n}}", str(n))
    if n < 5:
        with CaptureQueriesContext(connection) as queries:
            answer = client.post({path!r}, data)
        statements.append(len(queries))
    else:
        start = time.thread_time()
        answer = client.post({path!r}, data)
        ms.append((time.thread_time() - start) * 1000)
    assert answer.status_code == 302, answer.status_code
print(json.dumps({{"ms": statistics.median(ms), "statements": statistics.median(statements),
                  "requests": len(ms)}}))
'''


class Peer:
    """Where the peer lives: instance/bench/helpdesk-{venv,site}."""

    def __init__(self, work: Path = WORK):
        self.work = Path(work)
        self.venv = self.work / "helpdesk-venv"
        self.site = self.work / "helpdesk-site"
        self.db = self.site / "helpdesk.db"
        self.python = self.venv / "bin" / "python"
        self.gunicorn = self.venv / "bin" / "gunicorn"
        self.marker = self.site / "ready"

    def ready(self, tickets: int) -> bool:
        """Set up before, with at least `tickets` tickets seeded (no network needed)."""
        try:
            seeded = int(self.marker.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return False
        return seeded >= tickets and self.gunicorn.exists() and self.db.exists()

    def run(self, *args: str) -> str:
        out = subprocess.run([str(self.python), *args], cwd=self.site, capture_output=True,
                             text=True, env=site_env())
        if out.returncode:
            raise RuntimeError(f"{' '.join(args)} failed: {out.stderr[-2000:]}")
        return out.stdout


def site_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return {**env, "DJANGO_SETTINGS_MODULE": "helpdesk_site.settings"}


def site_files(peer: Peer, secret: str) -> dict[str, str]:
    """The generated project: relative path -> text."""
    settings = SETTINGS.format(version=VERSION, secret=secret, db=str(peer.db),
                               init=SQLITE_INIT)
    return {"helpdesk_site/__init__.py": "", "helpdesk_site/settings.py": settings,
            "helpdesk_site/urls.py": URLS, "helpdesk_site/wsgi.py": WSGI,
            "seed.py": SEED.format(slug=QUEUE_SLUG, title=QUEUE_TITLE),
            "cpu.py": CPU.format(path=SUBMIT_PATH, title=TITLE, slug=QUEUE_SLUG,
                                 fields=_fields(0, ""))}


def write_site(peer: Peer) -> None:
    """Write the project's files (keeping the secret key of an earlier run)."""
    settings = peer.site / "helpdesk_site" / "settings.py"
    found = re.search(r"^SECRET_KEY = '([^']+)'", settings.read_text(), re.M) \
        if settings.exists() else None
    for name, text in site_files(peer, found.group(1) if found else
                                 secrets.token_urlsafe(40)).items():
        path = peer.site / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text() != text:
            path.write_text(text)


def ensure_venv(peer: Peer) -> None:
    if peer.python.exists() and subprocess.run(
            [str(peer.python), "-c", "import helpdesk, gunicorn, django"],
            capture_output=True).returncode == 0:
        return
    peer.work.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(peer.venv)], check=True)
    subprocess.run([str(peer.python), "-m", "pip", "install", "-q", *PACKAGES], check=True)


def setup(work: Path = WORK, tickets: int = 10_000, *, install: bool = True) -> Peer | None:
    """The peer, set up if needed: None when it is not there and `install` is off."""
    peer = Peer(work)
    if peer.ready(tickets):
        write_site(peer)  # this module's settings of today (the secret key kept)
        return peer
    if not install:
        return None
    ensure_venv(peer)
    write_site(peer)
    peer.run("-m", "django", "migrate", "--noinput", "-v", "0")
    peer.run("-m", "django", "loaddata", "-v", "0", "emailtemplate.json")
    print(peer.run("seed.py", str(tickets)).strip(), flush=True)
    peer.marker.write_text(f"{tickets} tickets, django-helpdesk {VERSION}\n")
    return peer


class PeerServer(Server):
    """The peer under the venv's gunicorn, with the portal's flags (`options`)."""

    def __init__(self, peer: Peer, log: Path, options: tuple):
        self.port = free_port()
        self.log = log.open("w")
        self.proc = subprocess.Popen(
            [str(peer.gunicorn), *options, "--no-control-socket", "-b",
             f"127.0.0.1:{self.port}", "helpdesk_site.wsgi:application"],
            cwd=peer.site, env=site_env(), stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True)


def csrf(port: int) -> tuple[str, str]:
    """(csrftoken cookie, the form's csrfmiddlewaretoken) from one GET of the form."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("GET", SUBMIT_PATH)
    response = conn.getresponse()
    page = response.read().decode()
    cookie = re.search(r"csrftoken=([^;]+)", response.getheader("Set-Cookie") or "")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    conn.close()
    if response.status != 200 or not cookie or not token:
        raise RuntimeError(f"GET {SUBMIT_PATH} answered {response.status} without a CSRF "
                           f"cookie and token: {page[:300]!r}")
    return cookie.group(1), token.group(1)


def _fields(queue: int, token: str) -> dict[str, str]:
    return {"csrfmiddlewaretoken": token, "queue": str(queue), "title": TITLE,
            "body": DESCRIPTION, "priority": PRIORITY, "submitter_email": SUBMITTER}


def form_body(queue: int, token: str) -> str:
    """The urlencoded form, "{n}" left for bench/wrk_pages.lua to number."""
    return "&".join(f"{k}={quote_plus(v, safe='{}')}" for k, v in _fields(queue, token).items())


def queue_id(peer: Peer) -> int:
    with sqlite3.connect(f"file:{peer.db}?mode=ro", uri=True) as conn:
        row = conn.execute("SELECT id FROM helpdesk_queue WHERE slug = ?",
                           (QUEUE_SLUG,)).fetchone()
    if row is None:
        raise RuntimeError(f"no queue {QUEUE_SLUG!r} in {peer.db}")
    return row[0]


def target(peer: Peer, port: int) -> dict:
    """The submit POST as a bench/pages_load.py target (302 is its success)."""
    cookie, token = csrf(port)
    return {"name": "create:django-helpdesk", "label": f"django-helpdesk {VERSION} submit",
            "port": port, "path": SUBMIT_PATH, "method": "POST",
            "body": form_body(queue_id(peer), token), "expect": "", "status": [302],
            "headers": ["Content-Type: application/x-www-form-urlencoded",
                        f"Cookie: csrftoken={cookie}"]}


def count_tickets(peer: Peer) -> int:
    with sqlite3.connect(f"file:{peer.db}?mode=ro", uri=True, timeout=10) as conn:
        return conn.execute("SELECT count(*) FROM helpdesk_ticket").fetchone()[0]


def count_settled(peer: Peer) -> int:
    """The ticket count once submissions still in flight are done (twice the same)."""
    last, count = -1, count_tickets(peer)
    for _ in range(10):
        if count == last:
            break
        time.sleep(1)
        last, count = count, count_tickets(peer)
    return count


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, default=WORK)
    parser.add_argument("--tickets", type=int, default=10_000)
    parser.add_argument("--serve", type=int, default=0, help="then serve it this many seconds")
    parser.add_argument("--cpu", type=int, default=0, metavar="N",
                        help="CPU ms per submission in process, median of N (JSON)")
    args = parser.parse_args(argv)
    peer = setup(args.work, args.tickets)
    print(f"django-helpdesk {VERSION}: {peer.site}, {count_tickets(peer)} tickets")
    if args.cpu:
        print(peer.run("cpu.py", str(args.cpu)).strip())
    if args.serve:
        server = PeerServer(peer, args.work / "gunicorn-helpdesk.log",
                            ("-w", "2", "-k", "sync", "--threads", "1"))
        try:
            server.wait(SUBMIT_PATH)
            print(f"serving on http://127.0.0.1:{server.port}{SUBMIT_PATH}", flush=True)
            time.sleep(args.serve)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
