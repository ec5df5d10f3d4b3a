"""What a cached knowledge-base page costs on a hit (portal.web.page_cache): the limiters
skip a request (a page, a search) only while none of their limits applies
(portal.limiter_hooks); the workspace lookup and the reader's vote statements are built
once and keep their rules."""

from inspect import iscoroutinefunction

from config import TestingConfig
from portal import limiter_hooks
from portal.extensions import db, limiter
from portal.services import article_feedback, articles, portal_settings, workspaces
from portal.tenancy import use_workspace
from tests.factories import make_contact

HOME = "/en-US/acme/directories"
SEARCH = "/api/v1/workspaces/acme/articles/search?q=vpn"
SUGGEST = "/en-US/acme/search/suggest?q=vp"
KEEP = ("DATABASE_URL", "OUTBOX_DIR", "UPLOAD_DIR", "BASE_URL")


def public(ws):
    portal_settings.change(ws, {"features.knowledge_base": "public"})
    db.session.commit()


def test_limiters_skip_requests_until_a_limit_of_theirs_applies(app, acme, make_app):
    public(acme)
    other = make_app(type("Fresh", (TestingConfig,), {name: app.config[name] for name in KEEP}))
    try:
        limiters = other.extensions["limiter"]
        assert len(limiters) == 2 and limiter in limiters  # ours and Flask-AppBuilder's
        wrapped = [hook.__wrapped__.__self__ for hook in other.before_request_funcs[None]
                   if getattr(hook, "skips_unlimited", False)]
        assert sorted(map(id, wrapped)) == sorted(map(id, limiters))
        headers = [hook.__wrapped__.args[0] for hook in other.after_request_funcs[None]
                   if getattr(hook, "skips_unlimited", False)]
        assert sorted(map(id, headers)) == sorted(map(id, limiters))
        released = [hook.__wrapped__.__self__ for hook in other.teardown_request_funcs[None]
                    if getattr(hook, "skips_unlimited", False)]
        assert sorted(map(id, released)) == sorted(map(id, limiters))
        for path, method, skipped in ((HOME, "GET", True), (SEARCH, "GET", True),
                                      (SUGGEST, "GET", True),
                                      ("/en-US/acme/articles/x/helpful", "POST", False),
                                      ("/api/v1/workspaces/acme/auth/otp", "POST", False),
                                      (HOME, "DELETE", False)):  # no endpoint (405)
            with other.test_request_context(path, method=method):
                assert limiter_hooks.unlimited(other) is skipped, path
        client = other.test_client()
        assert [client.get(HOME).status_code for _ in range(3)] == [200, 200, 200]
        assert [client.get(SEARCH).status_code for _ in range(3)] == [200, 200, 200]

        # a limit on a blueprint (this app's own Flask-AppBuilder limiter) applies to it
        appbuilder_limiter = next(each for each in limiters if each is not limiter)
        appbuilder_limiter.limit("2/minute")(other.blueprints["portal"])
        appbuilder_limiter.limit("2/minute")(other.blueprints["api"])
        other.extensions.pop(limiter_hooks.KNOWN)
        with other.test_request_context(HOME):
            assert not limiter_hooks.unlimited(other)
        other.config["RATELIMIT_HEADERS_ENABLED"] = True
        appbuilder_limiter._headers_enabled = True  # read at init_app
        for path in (HOME, SEARCH):
            answers = [other.test_client().get(path) for _ in range(3)]
            assert [answer.status_code for answer in answers] == [200, 200, 429], path
            assert answers[0].headers["X-RateLimit-Remaining"] == "1"  # its headers are added
    finally:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def test_the_lookup_statement_is_built_once_and_binds_each_request(app, acme, globex):
    portal_settings.change(acme, {"domain.custom_portal_url": "https://help.acme.example"})
    db.session.commit()
    built = workspaces._statement("either")
    assert workspaces._statement("either") is built
    assert workspaces.by_slug_and_domain("globex", "HELP.acme.example:8443") == (globex, acme)
    assert workspaces.by_slug_and_domain("acme", "help.acme.example") == (acme, acme)
    assert workspaces.by_slug_and_domain("acme", "other.example") == (acme, None)
    assert workspaces.by_slug_and_domain("nope", "") == (None, None)
    assert workspaces.by_slug_and_domain("globex", ":8080") == (globex, None)
    with use_workspace(globex.id):  # the guard skips the lookup: the answers are the same
        assert workspaces.by_slug_and_domain("acme", "help.acme.example") == (acme, acme)
    client = app.test_client()
    public(acme)
    public(globex)
    on_domain = {"Host": "help.acme.example"}
    assert client.get(HOME, headers=on_domain).status_code == 200
    assert client.get("/en-US/globex/directories", headers=on_domain).status_code == 404
    assert client.get("/en-US/globex/directories").status_code == 200


def test_the_vote_statement_is_built_once_and_tells_readers_apart(app, acme, globex):
    with use_workspace(acme.id):
        article = articles.save(acme, locale="en-US", title="Printer", body="Add it.",
                                status="published", audience="public")
        pat = make_contact(acme, "pat@acme.example")
        lee = make_contact(acme, "lee@acme.example")
        with app.test_request_context():
            article_feedback.vote(acme, article, pat, "203.0.113.1", True)
            article_feedback.vote(acme, article, lee, "203.0.113.1", False)
            asked = article_feedback._vote_of_contact()
            assert article_feedback.current_vote(acme, article.id, pat) is True
            assert article_feedback.current_vote(acme, article.id, lee) is False
            assert article_feedback._vote_of_contact() is asked
            kim = make_contact(acme, "kim@acme.example")
            assert article_feedback.current_vote(acme, article.id, kim) is None
    with use_workspace(globex.id), app.test_request_context():  # another workspace: none
        assert article_feedback.current_vote(globex, article.id, pat) is None


def test_security_headers_once_each_on_a_hit_and_hsts_when_cookies_are_secure(
        app, acme, monkeypatch):
    public(acme)
    client = app.test_client()
    client.get(HOME)
    hit = client.get(HOME)
    assert hit.headers["X-Page-Cache"] == "hit"
    names = [name.lower() for name, _value in hit.headers]
    for name in ("Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options",
                 "Referrer-Policy", "Permissions-Policy", "Cross-Origin-Opener-Policy"):
        assert names.count(name.lower()) == 1, name
    assert hit.headers["X-Frame-Options"] == "DENY"
    assert "strict-transport-security" not in names
    monkeypatch.setitem(app.config, "COOKIE_SECURE", True)
    secure = client.get(HOME, base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert client.get("/admin/").headers["X-Frame-Options"] == "SAMEORIGIN"


def test_flask_asks_once_whether_a_hook_is_a_coroutine_function(app, monkeypatch):
    import flask.app

    asked = []

    def counting(func):
        asked.append(func)
        return iscoroutinefunction(func)

    monkeypatch.setattr(flask.app, "iscoroutinefunction", counting)

    def hook():
        return None

    async def coroutine():
        return None

    assert [app.ensure_sync(hook) for _ in range(3)] == [hook] * 3
    assert asked == [hook]
    for _ in range(2):  # an async function goes to Flask every time, as before
        try:
            wrapped = app.ensure_sync(coroutine)
        except RuntimeError:  # Flask without its async extra says so, as before
            wrapped = None
        assert wrapped is not coroutine
    assert asked == [hook, coroutine, coroutine]
