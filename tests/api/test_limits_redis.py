"""With PORTAL_REDIS_URL set, sign-in limits live in Redis, shared by every web instance."""

import pytest

from tests.factories import make_contact

EMAIL = "pat@customer.example"


@pytest.mark.redis
def test_send_limit_is_counted_in_redis(app, client, acme, monkeypatch):
    from redis import Redis

    from portal.extensions import limiter

    assert app.config["RATELIMIT_STORAGE_URI"] == app.config["REDIS_URL"]
    assert type(limiter.storage).__name__.lower().startswith("redis")
    monkeypatch.setitem(app.config, "OTP_SEND_LIMIT", "2 per 15 minutes")
    make_contact(acme, EMAIL)
    otp = "/api/v1/workspaces/acme/auth/otp"
    assert [client.post(otp, json={"email": EMAIL}).status_code for _ in range(3)] == \
        [202, 202, 429]
    redis = Redis.from_url(app.config["REDIS_URL"])
    assert any(b"otp-send-email" in key for key in redis.scan_iter("LIMIT*"))
    limiter.reset()
    assert client.post(otp, json={"email": EMAIL}).status_code == 202
