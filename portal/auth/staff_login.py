"""Limits on guessing staff passwords, one count for both entrances (the admin's login
form and `/api/v1/security/login`), kept per account (the typed name, normalized) and per
client address, in Flask-Limiter's storage: Redis when PORTAL_REDIS_URL is set,
in-process otherwise (and while Redis is unreachable).

Every attempt counts as a failure from before its password is checked until it succeeds,
so that attempts made in parallel see each other. The first STAFF_LOGIN_FREE_FAILURES
failures cost nothing; each further one makes the next attempt wait, from
STAFF_LOGIN_DELAY_SECONDS doubling up to STAFF_LOGIN_MAX_DELAY_SECONDS; at
STAFF_LOGIN_MAX_FAILURES the account is locked for STAFF_LOGIN_LOCKOUT_SECONDS, and
every further failure locks it again (the address likewise, with its own thresholds).
An attempt that must wait is refused without looking at the password, so a locked
account refuses even the right one. Failures are forgotten STAFF_LOGIN_FORGET_SECONDS
after the first. A success clears the account's count, and takes back its own count at
the address (a guesser who knows one password cannot clear the address's failures).
"""

import hashlib
import logging
import math
import time
import unicodedata
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from limits.storage import MemoryStorage

from portal.extensions import limiter

log = logging.getLogger(__name__)
_fallback = MemoryStorage()


@dataclass(frozen=True)
class Refusal:
    retry_after: int  # seconds until the next attempt may be made
    locked: bool  # the lockout, rather than one of the increasing delays

    def message(self) -> str:
        wait = format_timedelta(timedelta(seconds=self.retry_after), threshold=1.1,
                                add_direction=False)
        if self.locked:
            return _("Too many failed sign-ins: signing in is locked for %(wait)s.", wait=wait)
        return _("Too many failed sign-ins. Wait %(wait)s before you try again.", wait=wait)


@dataclass(frozen=True)
class _Counter:
    key: str
    free: int  # failures that cost nothing
    most: int  # failures that lock


def normalized(username) -> str:
    """The spelling every variant of a name counts under (case, width, spaces)."""
    text = username if isinstance(username, str) else ""
    return unicodedata.normalize("NFKC", text).strip().casefold()[:320]


def begin(account: str) -> Refusal | None:
    """Before the password is looked at: refuse the attempt, or count it as a failure
    (and arm the wait that failure means) until `succeeded` says otherwise. Counting
    first means attempts made in parallel see each other: only the first few get their
    password checked before the others must wait."""
    refused = refusal(account)
    if refused is not None:
        return refused
    cfg = current_app.config
    for counter in _counters(account):
        failures = _call("incr", _fail_key(counter), cfg["STAFF_LOGIN_FORGET_SECONDS"])
        _arm_wait(counter, failures)
    return None


def failed(account: str) -> None:
    """The attempt `begin` counted did fail: its wait runs from now, not from when the
    password check began."""
    for counter in _counters(account):
        _arm_wait(counter, _call("get", _fail_key(counter)))


def succeeded(account: str) -> None:
    """The account's count and wait start over; the address's count takes back this
    attempt (a wait it already imposed stays)."""
    mine, address = _counters(account)
    _call("clear", _fail_key(mine))
    _call("clear", _wait_key(mine))
    _call("incr", _fail_key(address), current_app.config["STAFF_LOGIN_FORGET_SECONDS"], -1)


def refusal(account: str) -> Refusal | None:
    """Why an attempt on `account` (see `account_key`) must not be made now, if it must not."""
    worst = None
    for counter in _counters(account):
        if not _call("get", _wait_key(counter)):
            continue
        until = _call("get_expiry", _wait_key(counter))
        left = math.ceil(until - time.time())  # never tell a client to come back too early
        if left > 0:
            locked = _call("get", _fail_key(counter)) >= counter.most
            if worst is None or left > worst.retry_after:
                worst = Refusal(left, locked)
    return worst


def delay(failures: int, free: int, most: int) -> int:
    """Seconds the next attempt must wait after `failures` failures."""
    cfg = current_app.config
    if failures >= most:
        return cfg["STAFF_LOGIN_LOCKOUT_SECONDS"]
    if failures <= free:
        return 0
    return min(cfg["STAFF_LOGIN_DELAY_SECONDS"] * 2 ** (failures - free - 1),
               cfg["STAFF_LOGIN_MAX_DELAY_SECONDS"])


def account_key(username) -> str:
    """The account an attempt counts against: the typed name as FAB would match it, and
    then some (case, width and surrounding spaces folded), whether or not it exists."""
    return hashlib.sha256(normalized(username).encode("utf-8", "surrogatepass")).hexdigest()


def _counters(account: str) -> list[_Counter]:
    cfg = current_app.config
    return [
        _Counter(f"account:{account}", cfg["STAFF_LOGIN_FREE_FAILURES"],
                 cfg["STAFF_LOGIN_MAX_FAILURES"]),
        _Counter(f"address:{get_remote_address()}", cfg["STAFF_LOGIN_ADDRESS_FREE_FAILURES"],
                 cfg["STAFF_LOGIN_ADDRESS_MAX_FAILURES"]),
    ]


def _arm_wait(counter: _Counter, failures: int) -> None:
    wait = delay(failures, counter.free, counter.most)
    if wait:
        _call("clear", _wait_key(counter))
        _call("incr", _wait_key(counter), wait)


def _fail_key(counter: _Counter) -> str:
    return f"staff-login:failures:{counter.key}"


def _wait_key(counter: _Counter) -> str:
    return f"staff-login:wait:{counter.key}"


def _call(operation: str, *args):
    """One storage operation; while the shared storage is down, this process's memory."""
    storage = limiter.storage
    try:
        return getattr(storage, operation)(*args)
    except storage.base_exceptions:
        log.warning("rate-limit storage unreachable: staff sign-in limits count in-process")
        return getattr(_fallback, operation)(*args)
