"""Does `POST /api/v1/workspaces/<slug>/auth/otp` answer as fast for an unknown email as for
a known one when sign-up (JIT) is closed? If not, the answer time tells who is a customer.

    python -m bench.otp_timing                  # 200 requests each, SQLite in a temp dir
    python -m bench.otp_timing --requests 500 --database-url postgresql://host/db

The app runs in this process with the rate limits off and is called through Flask's test
client (no network noise). Known and unknown requests alternate, so drift of this machine's
speed hits both alike; medians are reported, then their difference. docs/PERFORMANCE.md
quotes the results. A fresh known and unknown address every round would only add noise:
the same two addresses are asked for again and again, as an attacker would.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

KNOWN = "known@customer.example"
UNKNOWN = "stranger@customer.example"
WARM_UP = 20


def build_app(tmp: Path, database_url: str | None):
    from config import TestingConfig
    from portal import create_app

    class Config(TestingConfig):
        DATABASE_URL = database_url or f"sqlite:///{tmp / 'bench.db'}"
        OUTBOX_DIR = str(tmp / "outbox")
        UPLOAD_DIR = str(tmp / "uploads")
        RATELIMIT_ENABLED = False
        TESTING = False  # errors surface as responses, as in production

    return create_app(Config)


def seed(slug: str) -> None:
    from portal import database
    from portal.extensions import db
    from portal.models import Contact
    from portal.services import workspaces

    database.upgrade()
    ws = workspaces.create_workspace(slug, "Bench Support")
    ws.jit_provisioning = False
    db.session.add(Contact(workspace_id=ws.id, email=KNOWN, name="Known", verified=True))
    db.session.commit()


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
    known = statistics.median(times["known"])
    unknown = statistics.median(times["unknown"])
    result = {"known_ms": known, "unknown_ms": unknown, "difference_ms": known - unknown}
    print(f"requests each: {len(times['known'])}")
    print(f"median known:   {known:.3f} ms")
    print(f"median unknown: {unknown:.3f} ms")
    print(f"difference:     {known - unknown:+.3f} ms (known - unknown)")
    return result


def main(argv=None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database-url", default=None,
                        help="an empty database to migrate (default: SQLite in a temp dir)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        app = build_app(Path(tmp), args.database_url)
        with app.app_context():
            seed("bench")
        return report(measure(app.test_client(), "/api/v1/workspaces/bench/auth/otp",
                              args.requests))


if __name__ == "__main__":
    main()
