"""Rate limiters skip the requests none of their limits can apply to.

Two Flask-Limiter instances are bound to the app (ours, portal.extensions.limiter, and
Flask-AppBuilder's), and each runs three hooks on every request: a before-request check
that resolves the endpoint's limits (an empty list for most endpoints: a search request, a
page), an after-request hook that adds the headers of the limit checked and deducts
conditional limits, and a teardown that empties the request's limiter state. On an endpoint
that no limiter limits they do nothing but take ~0.2-0.3 ms of a search request's CPU, so
they are skipped there.

An endpoint is unlimited for a limiter when the limiter has no application, default, meta
or in-memory fallback limits, no limit on the endpoint's blueprint or any blueprint it is
nested in, and none decorated on its view (decided once per endpoint: limits are declared
when the app is built); nor any "hint" (a limit decorated on a function that the view
calls, which Flask-Limiter notes per endpoint the first time it runs: asked every request).
A limit decorated on a view checks itself when the view is called, whatever the
before-request hook does; the hooks only run for it as they did before.
"""

from flask import Flask, request
from flask_limiter.util import get_qualified_name

KNOWN = "limiter_unlimited_endpoints"  # app.extensions: {endpoint: no limit applies}


def register(app: Flask) -> None:
    """Wrap every limiter's three hooks so that they are skipped on unlimited endpoints.
    Call once every extension is bound (the hooks are replaced where they are)."""
    limiters = app.extensions.get("limiter", ())

    def theirs(hook, name: str) -> bool:
        owner = hook.args[0] if getattr(hook, "args", ()) else getattr(hook, "__self__", None)
        func = getattr(hook, "func", hook)
        return owner in limiters and getattr(func, "__name__", "") == name

    for hooks, name, kind in (
            (app.before_request_funcs.get(None, []), "_check_request_limit", "before"),
            (app.after_request_funcs.get(None, []), "__inject_headers", "after"),
            (app.teardown_request_funcs.get(None, []), "__release_context", "teardown")):
        for index, hook in enumerate(hooks):
            if theirs(hook, name):
                hooks[index] = _unless_unlimited(app, hook, kind)


def _unless_unlimited(app: Flask, hook, kind: str):
    if kind == "after":
        def limited(response):
            return response if unlimited(app) else hook(response)
    elif kind == "teardown":
        def limited(exc=None):
            return None if unlimited(app) else hook(exc)
    else:
        def limited():
            return None if unlimited(app) else hook()

    limited.__name__ = getattr(getattr(hook, "func", hook), "__name__", "limited")
    limited.skips_unlimited = True
    limited.__wrapped__ = hook
    return limited


def unlimited(app: Flask) -> bool:
    """Whether no limiter of `app` has a limit that could apply to this request."""
    endpoint = request.endpoint
    if endpoint is None:  # no route matched (404, 405): as Flask-Limiter, nothing to check
        return False
    limiters = app.extensions.get("limiter", ())
    known = app.extensions.setdefault(KNOWN, {})
    found = known.get(endpoint)
    if found is None:
        view = app.view_functions.get(endpoint)
        found = known[endpoint] = view is not None and not any(
            _declared(limiter, app, view, request.blueprint) for limiter in limiters)
    return found and not any(limiter.limit_manager.has_hints(endpoint) for limiter in limiters)


def _declared(limiter, app: Flask, view, blueprint: str | None) -> bool:
    """Whether `limiter` declares any limit that could apply to `view` (of `blueprint`)."""
    manager = limiter.limit_manager
    return bool(manager.application_limits or manager.default_limits
                or limiter._meta_limits or limiter._in_memory_fallback
                or (blueprint and manager.blueprint_limits(app, blueprint))
                or manager.decorated_limits(get_qualified_name(view)))
