"""With PORTAL_REDIS_URL set, failed staff sign-ins are counted in Redis: every web
instance sees the same count, so a lockout holds whichever instance is asked."""

import pytest

from tests.admin.conftest import PASSWORD, new_client
from tests.factories import make_staff

EMAIL = "pat@staff.example"
LOGIN_API = "/api/v1/security/login"


def attempt(client, password):
    return client.post(LOGIN_API, json={"username": EMAIL, "password": password,
                                        "provider": "db"})


@pytest.mark.redis
def test_staff_login_failures_are_counted_in_redis(app, acme, make_app, monkeypatch):
    from redis import Redis

    from portal.extensions import limiter

    assert type(limiter.storage).__name__.lower().startswith("redis")
    monkeypatch.setitem(app.config, "STAFF_LOGIN_DELAY_SECONDS", 0)
    make_staff(EMAIL, PASSWORD, "admin", acme)
    client = new_client(app)
    most = app.config["STAFF_LOGIN_MAX_FAILURES"]
    assert [attempt(client, "wrong").status_code for _ in range(most)] == [401] * most

    redis = Redis.from_url(app.config["REDIS_URL"])
    keys = {key.decode() for key in redis.scan_iter("LIMITS:staff-login:*")}
    waits = [key for key in keys if key.startswith("LIMITS:staff-login:wait:account:")]
    assert len(waits) == 1
    assert 0 < redis.ttl(waits[0]) <= app.config["STAFF_LOGIN_LOCKOUT_SECONDS"]

    class SecondInstance:
        pass

    for key, value in app.config.items():
        if key.isupper():
            setattr(SecondInstance, key, value)
    other = make_app(SecondInstance)
    resp = other.test_client().post(LOGIN_API, json={"username": EMAIL, "password": PASSWORD,
                                                     "provider": "db"})
    assert resp.status_code == 429

    limiter.reset()
    assert attempt(client, PASSWORD).status_code == 200
