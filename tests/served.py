"""A site served by a real gunicorn, for the tests that start one (tests/faults): a migrated
SQLite file with workspace acme, a customer's ticket and their API token, and the
environment a gunicorn needs to serve it (nothing of the test run's own PORTAL_ settings)."""

import os
import shutil
import socket
import sys
from pathlib import Path

from config import TestingConfig
from tests.factories import api_token, make_contact, make_workspace
from tests.tickets_helpers import open_ticket

GUNICORN = str(Path(sys.executable).with_name("gunicorn"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seeded_site(make_app, template: Path, tmp_path: Path, name: str,
                **settings) -> tuple[dict, int, str]:
    """(environment for gunicorn, the ticket's number, the customer's API token), on a copy
    of `template` (a migrated SQLite file: tests/faults/conftest.py's `template`);
    `settings` are extra app settings (REDIS_URL, ...), passed on as PORTAL_ variables."""
    shutil.copy(template, tmp_path / f"{name}.db")
    settings = {"DATABASE_URL": f"sqlite:///{tmp_path / f'{name}.db'}",
                "OUTBOX_DIR": str(tmp_path / "outbox"), "UPLOAD_DIR": str(tmp_path / "up"),
                **settings}
    app = make_app(type("Config", (TestingConfig,), settings))
    with app.app_context():
        acme = make_workspace(slug="acme", name="Acme Support")
        pat = make_contact(acme, "pat@customer.example")
        number = open_ticket(acme, pat).number
        token = api_token(pat)
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("PORTAL_", "GUNICORN_"))}
    env.update({"PORTAL_ENV": "testing", "PYTHONUNBUFFERED": "1",
                **{f"PORTAL_{k}": str(v) for k, v in settings.items()}})
    return env, number, token
