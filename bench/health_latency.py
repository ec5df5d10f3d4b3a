"""How long do /healthz and /readyz take? A load balancer asks every instance every second.

    python -m bench.health_latency                  # 500 requests each, SQLite in a temp dir
    python -m bench.health_latency --database-url postgresql://127.0.0.1:5432/test \
        --redis-url redis://127.0.0.1:6379/14       # scaled: a schema of its own, dropped after

In-process through Flask's test client (no network noise), against a reference: a bare
Flask app whose one route returns the same JSON. The three alternate, so drift of this
machine's speed hits them alike; medians are reported, and their ratios to the reference.
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from flask import Flask, jsonify

from bench.otp_timing import fresh_database

WARM_UP = 20


def reference_app() -> Flask:
    app = Flask(__name__)

    @app.get("/healthz")
    def healthz():
        return jsonify(status="ok")

    return app


def portal_app(tmp: Path, database_url: str, redis_url: str | None):
    from config import TestingConfig
    from portal import create_app, database

    class Config(TestingConfig):
        DATABASE_URL = database_url
        REDIS_URL = redis_url or ""
        OUTBOX_DIR = str(tmp / "outbox")
        UPLOAD_DIR = str(tmp / "uploads")
        TESTING = False

    app = create_app(Config)
    with app.app_context():
        database.upgrade()
    return app


def measure(requests: int, database_url: str | None, redis_url: str | None) -> dict:
    with tempfile.TemporaryDirectory() as tmp, fresh_database(database_url, Path(tmp)) as url:
        app = portal_app(Path(tmp), url, redis_url)
        targets = {"reference": (reference_app().test_client(), "/healthz"),
                   "healthz": (app.test_client(), "/healthz"),
                   "readyz": (app.test_client(), "/readyz")}
        times: dict[str, list[float]] = {name: [] for name in targets}
        for n in range(WARM_UP + requests):
            for name, (client, path) in targets.items():
                started = time.perf_counter()
                status = client.get(path).status_code
                elapsed = time.perf_counter() - started
                if status != 200:
                    sys.exit(f"{path} answered {status}")
                if n >= WARM_UP:
                    times[name].append(elapsed)
        if database_url:
            with app.app_context():
                from portal.extensions import db

                db.engine.dispose()
                app.extensions["helpport_health_engine"].dispose()
    result = {f"{name}_ms": statistics.median(values) * 1000 for name, values in times.items()}
    reference = result["reference_ms"]
    result["healthz_ratio"] = result["healthz_ms"] / reference
    result["readyz_ratio"] = result["readyz_ms"] / reference
    return result


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--redis-url", default="")
    args = parser.parse_args(argv)
    result = measure(args.requests, args.database_url or None, args.redis_url or None)
    print(f"requests each: {args.requests} (medians, in-process)")
    print(f"reference {result['reference_ms']:.3f} ms")
    for name in ("healthz", "readyz"):
        print(f"{name:9} {result[f'{name}_ms']:.3f} ms  "
              f"({result[f'{name}_ratio']:.1f}x the reference)")
    return result


if __name__ == "__main__":
    main()
