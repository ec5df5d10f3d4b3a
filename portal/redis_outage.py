"""Redis outages: which errors mean "Redis is unreachable", and a log that says so once per
outage (when it begins and when it ends) instead of at every failed call.

Each part that keeps working without Redis (the worker, the outbox sweep, rate limits,
staff sign-in counts) holds its own `Outage`, so the log says what degraded and how.
"""

import logging
import threading

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

UNREACHABLE = (RedisConnectionError, RedisTimeoutError)

log = logging.getLogger("portal.redis")


class Outage:
    """One part's view of Redis: call `lost()` at a failure and `reached()` at a success;
    only the changes are logged (as warnings: an operator should see both)."""

    def __init__(self, part: str, meanwhile: str):
        self.part = part
        self.meanwhile = meanwhile  # what the part does until Redis is back
        self.down = False
        self._lock = threading.Lock()

    def lost(self, exc: BaseException | None = None) -> None:
        with self._lock:
            if self.down:
                return
            self.down = True
        reason = f" ({exc})" if exc is not None else ""
        log.warning("%s: Redis unreachable%s; %s", self.part, reason, self.meanwhile)

    def reached(self) -> None:
        with self._lock:
            if not self.down:
                return
            self.down = False
        log.warning("%s: Redis is back", self.part)
