"""Does `POST /api/v1/workspaces/<slug>/auth/otp` answer as fast for an unknown email as for
a known one when sign-up (JIT) is closed? If not, the answer time tells who is a customer.

    python -m bench.otp_timing                  # 200 requests each, SQLite in a temp dir
    python -m bench.otp_timing --database-url postgresql://127.0.0.1:5432/test \
        --redis-url redis://127.0.0.1:6379/14  # scaled: a schema of its own (dropped after)
                                               # and a spare Redis database (queues emptied)

The app runs in this process (rate limits on, set too high to trip) and is called through
Flask's test client (no network noise). Known and unknown requests alternate, so drift of
this machine's speed hits both alike; medians are reported, then their difference.
docs/PERFORMANCE.md quotes the results. The same two addresses are asked for again and
again, as an attacker would.
"""

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

KNOWN = "known@customer.example"
UNKNOWN = "stranger@customer.example"
WARM_UP = 20


def build_app(tmp: Path, database_url: str, redis_url: str | None = None):
    from config import TestingConfig
    from portal import create_app

    class Config(TestingConfig):
        DATABASE_URL = database_url
        REDIS_URL = redis_url or ""
        OUTBOX_DIR = str(tmp / "outbox")
        UPLOAD_DIR = str(tmp / "uploads")
        # the limits run, as in production, but never trip
        OTP_SEND_LIMIT = OTP_SEND_LIMIT_PER_ADDRESS = "1000000 per hour"
        TESTING = False  # errors surface as responses, as in production

    return create_app(Config)


def seed(slug: str) -> None:
    from portal import database
    from portal.extensions import db
    from portal.models import Contact
    from portal.services import workspaces
    from portal.tenancy import use_workspace

    database.upgrade()
    ws = workspaces.create_workspace(slug, "Bench Support")
    ws.jit_provisioning = False
    with use_workspace(ws.id):
        db.session.add(Contact(workspace_id=ws.id, email=KNOWN, name="Known", verified=True))
        db.session.commit()


@contextmanager
def fresh_database(database_url: str | None, tmp: Path):
    """SQLite in `tmp`, or a new schema in the given PostgreSQL database, dropped after."""
    if not database_url:
        yield f"sqlite:///{tmp / 'bench.db'}"
        return
    import psycopg

    plain = database_url.replace("postgresql+psycopg://", "postgresql://")
    schema = f"otp_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        sep = "&" if "?" in database_url else "?"
        yield f"{database_url}{sep}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')


def measure(client, path: str, requests: int) -> dict[str, list[float]]:
    """Milliseconds per request, known and unknown alternating (which goes first alternates
    too). Every answer must be the same 202 body, else the run stops."""
    times: dict[str, list[float]] = {"known": [], "unknown": []}
    expected = None
    for n in range(WARM_UP + requests):
        order = (("known", KNOWN), ("unknown", UNKNOWN))
        for label, email in order if n % 2 == 0 else order[::-1]:
            start = time.perf_counter()
            response = client.post(path, json={"email": email})
            elapsed = (time.perf_counter() - start) * 1000
            answer = (response.status_code, response.get_data())
            expected = expected or answer
            if answer != expected or response.status_code != 202:
                sys.exit(f"{label}: {answer} differs from {expected}")
            if n >= WARM_UP:
                times[label].append(elapsed)
    return times


def report(times: dict[str, list[float]]) -> dict[str, float]:
    """The medians and their difference, and the noise floor: the same difference between
    two halves of the known requests (rounds 0-1 vs 2-3 modulo 4, so each half has both
    orders). A difference below the noise floor is no difference."""
    known = statistics.median(times["known"])
    unknown = statistics.median(times["unknown"])
    halves = ([t for n, t in enumerate(times["known"]) if n % 4 < 2],
              [t for n, t in enumerate(times["known"]) if n % 4 >= 2])
    noise = statistics.median(halves[0]) - statistics.median(halves[1])
    result = {"known_ms": known, "unknown_ms": unknown, "difference_ms": known - unknown,
              "noise_ms": noise}
    print(f"requests each: {len(times['known'])}")
    print(f"median known:   {known:.3f} ms")
    print(f"median unknown: {unknown:.3f} ms")
    print(f"difference:     {known - unknown:+.3f} ms (known - unknown)")
    print(f"noise floor:    {noise:+.3f} ms (known - known, two halves)")
    return result


def main(argv=None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database-url", default=None,
                        help="a database to migrate (default: SQLite in a temp dir)")
    parser.add_argument("--redis-url", default=None,
                        help="a spare Redis database for the queue (default: in-process)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp, fresh_database(args.database_url,
                                                              Path(tmp)) as url:
        app = build_app(Path(tmp), url, args.redis_url)
        try:
            with app.app_context():
                seed("bench")
            return report(measure(app.test_client(), "/api/v1/workspaces/bench/auth/otp",
                                  args.requests))
        finally:
            with app.app_context():
                _forget_queued_jobs()
                from portal.extensions import db

                db.session.remove()
                db.engine.dispose()


def _forget_queued_jobs() -> None:
    """The sign-in jobs (and emails) queued in a real Redis by the run: no worker should
    ever send them. (The in-process stand-in ends with the process.)"""
    from flask import current_app

    from portal.jobs import QUEUES, queue

    if not current_app.config.get("REDIS_URL"):
        return
    for name in QUEUES:
        queue(name).empty()


if __name__ == "__main__":
    main()
