"""Limits on guessing staff passwords, one count for both entrances (the admin's login
form and `/api/v1/security/login`), kept per account (the typed name, normalized) and per
client address, in Flask-Limiter's storage: Redis when PORTAL_REDIS_URL is set,
in-process otherwise (and while Redis is unreachable).

The first STAFF_LOGIN_FREE_FAILURES failures cost nothing. Each further failure makes
the next attempt wait, from STAFF_LOGIN_DELAY_SECONDS doubling up to
STAFF_LOGIN_MAX_DELAY_SECONDS; at STAFF_LOGIN_MAX_FAILURES the account is locked for
STAFF_LOGIN_LOCKOUT_SECONDS, and every further failure locks it again (the address
likewise, with its own thresholds). Failures are forgotten STAFF_LOGIN_FORGET_SECONDS
after the first. An attempt that must wait is refused without looking at the password,
so a locked account refuses even the right one. A success clears the account's count
and takes its own attempt back from the address's.

Attempts made in parallel must not all slip through: each attempt is counted (atomic
increments) before its password is checked, and once waits apply, an attempt must also
take the counter's gate, a key that exists while a wait runs or an attempt is being
checked; only the attempt whose increment creates it may go on.
"""

import hashlib
import math
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from limits.storage import MemoryStorage

from portal.extensions import limiter
from portal.redis_outage import Outage

_fallback = MemoryStorage()
_outage = Outage("staff sign-in limits", "failures count in this process")


@dataclass(frozen=True)
class Refusal:
    retry_after: int  # seconds until the next attempt may be made
    locked: bool  # the lockout, rather than one of the growing waits

    def message(self) -> str:
        wait = format_timedelta(timedelta(seconds=self.retry_after), threshold=1.1,
                                add_direction=False)
        if self.locked:
            return _("Too many failed sign-ins: signing in is locked for %(wait)s.", wait=wait)
        return _("Too many failed sign-ins. Wait %(wait)s before you try again.", wait=wait)


@dataclass(frozen=True)
class _Counter:
    name: str  # "account:<digest>" or "address:<ip>"
    free: int  # failures that cost nothing
    most: int  # failures that lock

    @property
    def failures_key(self) -> str:
        return f"staff-login:failures:{self.name}"

    @property
    def gate_key(self) -> str:
        return f"staff-login:wait:{self.name}"


@dataclass
class Attempt:
    """One sign-in attempt: `refused` says why it must not be made; otherwise the caller
    checks the password and reports `failed()` or `succeeded()`."""

    counters: list[_Counter]
    gates: list[_Counter] = field(default_factory=list)  # gates this attempt holds
    refused: Refusal | None = None

    def failed(self) -> None:
        """The gate this attempt took in `begin` was sized by the same count, so it stays
        until it expires: clearing and setting it again would let a parallel attempt slip
        in between. A wait that a parallel failure added starts here."""
        for counter in self.counters:
            failures = _call("get", counter.failures_key)
            wait = delay(failures, counter.free, counter.most)
            if wait and counter not in self.gates:
                _call("incr", counter.gate_key, wait)
            elif not wait and counter in self.gates:
                _call("clear", counter.gate_key)

    def succeeded(self) -> None:
        account, address = self.counters
        _call("clear", account.failures_key)
        _call("clear", account.gate_key)
        self._take_back(address)

    def _take_back(self, counter: _Counter) -> None:
        _call("incr", counter.failures_key, _forget(), -1)
        if counter in self.gates:
            _call("clear", counter.gate_key)


def begin(username) -> Attempt:
    """Count an attempt to sign in as `username` from this request's address, or refuse it."""
    attempt = Attempt(_counters(account_key(username)))
    for n, counter in enumerate(attempt.counters):
        failures = _call("incr", counter.failures_key, _forget())
        wait = delay(failures, counter.free, counter.most)  # what failing will cost
        if wait and _call("incr", counter.gate_key, wait) != 1:
            attempt.refused = _refusal(counter)
            for taken in attempt.counters[: n + 1]:
                attempt._take_back(taken)
            break
        if wait:
            attempt.gates.append(counter)
    return attempt


def delay(failures: int, free: int, most: int) -> int:
    """Seconds the next attempt must wait after `failures` failures."""
    cfg = current_app.config
    if failures >= most:
        return cfg["STAFF_LOGIN_LOCKOUT_SECONDS"]
    if failures <= free:
        return 0
    return min(cfg["STAFF_LOGIN_DELAY_SECONDS"] * 2 ** (failures - free - 1),
               cfg["STAFF_LOGIN_MAX_DELAY_SECONDS"])


def normalized(username) -> str:
    """The spelling every variant of a name counts under (case, width, spaces)."""
    text = username if isinstance(username, str) else ""
    return unicodedata.normalize("NFKC", text).strip().casefold()[:320]


def account_key(username) -> str:
    """The account an attempt counts against: the typed name as FAB would match it, and
    then some (case, width and surrounding spaces folded), whether or not it exists."""
    return hashlib.sha256(normalized(username).encode("utf-8", "surrogatepass")).hexdigest()


def _refusal(counter: _Counter) -> Refusal:
    until = _call("get_expiry", counter.gate_key)
    left = max(1, math.ceil(until - time.time()))  # never tell a client to come back early
    # the failure count still includes the refused attempt here (taken back afterwards)
    locked = _call("get", counter.failures_key) - 1 >= counter.most
    return Refusal(left, locked)


def _counters(account: str) -> list[_Counter]:
    cfg = current_app.config
    return [
        _Counter(f"account:{account}", cfg["STAFF_LOGIN_FREE_FAILURES"],
                 cfg["STAFF_LOGIN_MAX_FAILURES"]),
        _Counter(f"address:{get_remote_address()}", cfg["STAFF_LOGIN_ADDRESS_FREE_FAILURES"],
                 cfg["STAFF_LOGIN_ADDRESS_MAX_FAILURES"]),
    ]


def _forget() -> int:
    return current_app.config["STAFF_LOGIN_FORGET_SECONDS"]


def _call(operation: str, *args):
    """One storage operation; while the shared storage is down, this process's memory."""
    storage = limiter.storage
    try:
        result = getattr(storage, operation)(*args)
    except storage.base_exceptions as exc:
        _outage.lost(exc)
        return getattr(_fallback, operation)(*args)
    _outage.reached()
    return result
