"""Answers worth working out once per request (a workspace's knowledge base access, the
audiences a reader may read, whether a contact is a Customer Admin): kept on `g` and
dropped with the request's other state (`portal.tenancy.REQUEST_SCOPED`). Outside a request
(jobs, the CLI, tests calling a service) nothing is kept. The service that owns an answer
memoizes it and forgets it where it changes what the answer depends on."""

from collections.abc import Callable
from typing import TypeVar

from flask import g, has_request_context

KEY = "request_memo"
T = TypeVar("T")


def memo(key: tuple, compute: Callable[[], T]) -> T:
    """`compute()`, once per request for `key` (a tuple whose first item names the kind)."""
    if not has_request_context():
        return compute()
    store = g.get(KEY)
    if store is None:
        store = {}
        setattr(g, KEY, store)
    if key not in store:
        store[key] = compute()
    return store[key]


def keep(key: tuple, value) -> None:
    """Keep an answer worked out elsewhere (a lookup that had it at hand): `memo(key, ...)`
    then returns it for the rest of the request."""
    if has_request_context():
        store = g.get(KEY)
        if store is None:
            store = {}
            setattr(g, KEY, store)
        store[key] = value


def forget(*kinds: str) -> None:
    """Drop what was kept for these kinds of key (their inputs changed)."""
    store = g.get(KEY) if has_request_context() else None
    if store:
        for key in [k for k in store if k[0] in kinds]:
            del store[key]
