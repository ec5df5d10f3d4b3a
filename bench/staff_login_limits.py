"""Measures the staff sign-in limits as a guesser meets them, through the real JWT login
(`/api/v1/security/login`) of an app on a temporary SQLite database with the default
limits (in-process counters; PORTAL_REDIS_URL moves them to Redis).

1. One guesser who honours every Retry-After: passwords checked before the first wait,
   each wait, time until the lockout, the lockout's length (takes about 70 s).
2. A burst of parallel guesses at one account (each from its own address): how many
   passwords get checked before the count makes the others wait.
3. One address guessing many accounts: passwords checked before that address must wait
   and before it is locked.

    python -m bench.staff_login_limits
"""

import tempfile
import threading
import time
from pathlib import Path

from config import TestingConfig

LOGIN = "/api/v1/security/login"
EMAIL = "pat@staff.example"
PASSWORD = "staff-password-1"


def build_app(tmp: Path):
    from portal import create_app, database

    class Config(TestingConfig):
        DATABASE_URL = f"sqlite:///{tmp / 'bench.db'}"
        OUTBOX_DIR = str(tmp / "outbox")
        UPLOAD_DIR = str(tmp / "uploads")

    app = create_app(Config)
    with app.app_context():
        database.upgrade()
        from portal.services import staff

        staff.create_staff(EMAIL, PASSWORD, "admin", None)
    return app


def attempt(client, username=EMAIL, password="wrong", address="198.51.100.1"):
    resp = client.post(LOGIN, json={"username": username, "password": password,
                                    "provider": "db"}, environ_base={"REMOTE_ADDR": address})
    return resp.status_code, int(resp.headers.get("Retry-After", 0))


def honest_guesser(app) -> None:
    client = app.test_client()
    lockout = app.config["STAFF_LOGIN_LOCKOUT_SECONDS"]
    start = time.monotonic()
    checked, waits = 0, []
    while True:
        status, retry_after = attempt(client)
        if status == 401:
            checked += 1
            continue
        if retry_after >= lockout - 5:
            break
        waits.append(retry_after)
        time.sleep(retry_after + 0.05)
    elapsed = time.monotonic() - start
    print(f"1. passwords checked before the lockout: {checked}; waits (s): {waits}")
    print(f"   free tries before the first wait: {checked - len(waits)}; "
          f"time to the lockout: {elapsed:.1f} s; lockout: {retry_after} s")
    status, retry_after = attempt(client, password=PASSWORD)
    print(f"   the right password during the lockout: {status}, Retry-After {retry_after} s")


def burst(app, guesses: int = 16) -> None:
    results = []

    def one(n):
        results.append(attempt(app.test_client(), address=f"203.0.113.{n + 1}")[0])

    threads = [threading.Thread(target=one, args=(n,)) for n in range(guesses)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(f"2. {guesses} parallel guesses at one account: {results.count(401)} passwords "
          f"checked, {results.count(429)} refused ({sorted(results)})")


def one_address(app) -> None:
    """Counts only: the first phase keeps the default waits (to see where they start),
    the second drops them (to reach the lockout without sleeping for minutes)."""
    client = app.test_client()
    names = (f"user{n}@staff.example" for n in range(1000))
    checked = 0
    while attempt(client, username=next(names), address="192.0.2.99")[0] == 401:
        checked += 1
    first_wait = checked
    app.config["STAFF_LOGIN_DELAY_SECONDS"] = 0
    time.sleep(2)  # the wait of the last failure
    while True:
        status, retry_after = attempt(client, username=next(names), address="192.0.2.99")
        if status != 401:
            break
        checked += 1
    print(f"3. one address, many accounts: {first_wait} passwords checked before it must "
          f"wait, {checked} before it is locked for {retry_after} s")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = build_app(Path(tmp))
        cfg = app.config
        print("limits:", {k: v for k, v in cfg.items() if k.startswith("STAFF_LOGIN_")})
        honest_guesser(app)
        from portal.extensions import limiter

        with app.app_context():
            limiter.reset()
        burst(app)
        with app.app_context():
            limiter.reset()
        one_address(app)


if __name__ == "__main__":
    main()
