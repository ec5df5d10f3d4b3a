"""The public page cache on Redis (issue 11 part 1): two instances share the cached pages
and both see an edit at once; while Redis is down every page is still answered (a miss,
rendered by the view), and caching resumes when it is back. Redis is a server of the
test's own that the test kills."""

import pytest
from redis import Redis

from portal.extensions import db
from portal.jobs.worker import drain
from portal.services import articles, portal_settings
from portal.tenancy import use_workspace
from tests.factories import make_workspace
from tests.faults.redis_server import dispose, outage_config

pytestmark = pytest.mark.redis

PAGES = ("/en-US/acme/directories", "/en-US/acme/articles/printer-setup")
ARTICLE = PAGES[1]


@pytest.fixture
def instances(template, tmp_path, redis_server, make_app):
    """Two apps (two instances) on one database and one Redis, with a public article."""
    config = outage_config(template, tmp_path, redis_server.url)
    first, second = make_app(config), make_app(config)
    with first.app_context():
        ws = make_workspace(slug="acme", name="Acme Support")
        portal_settings.change(ws, {"features.knowledge_base": "public"})
        db.session.commit()
        with use_workspace(ws.id):
            articles.save(ws, locale="en-US", title="Printer setup", body="Add the printer.",
                          status="published")
    drain(first)  # the search index the save asked for
    yield first, second
    for app in (first, second):
        dispose(app)


def get(app, url):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    response = client.get(url)
    assert response.status_code == 200, url
    return response


def edit(app, body):
    with app.app_context():
        from portal.models import Article, Workspace

        ws = db.session.query(Workspace).filter_by(slug="acme").one()
        with use_workspace(ws.id):
            article = db.session.query(Article).one()
            articles.save(ws, article=article, locale="en-US", title="Printer setup",
                          body=body, status="published")


def test_instances_share_pages_and_see_an_edit_at_once(instances, redis_server):
    first, second = instances
    assert first.config["CACHE_TYPE"].endswith("TolerantRedisCache")
    for url in PAGES:
        assert get(first, url).headers["X-Page-Cache"] == "miss"
        assert get(second, url).headers["X-Page-Cache"] == "hit"  # stored by the first
    stored = Redis.from_url(redis_server.url).keys("helpport:cache:page:*")
    assert len(stored) == len(PAGES)
    edit(second, "Press the blue button.")
    for app in (first, second):
        assert "Press the blue button." in get(app, ARTICLE).get_data(as_text=True)
    assert get(first, ARTICLE).headers["X-Page-Cache"] == "hit"


def test_pages_are_answered_while_redis_is_down_and_cached_again_after(instances, redis_server,
                                                                      caplog):
    first, _second = instances
    get(first, ARTICLE)
    redis_server.kill()
    for _ in range(2):
        for url in PAGES:
            response = get(first, url)
            assert response.headers["X-Page-Cache"] == "miss"
    assert "Add the printer." in get(first, ARTICLE).get_data(as_text=True)
    assert "cache: Redis unreachable" in caplog.text
    edit(first, "Changed while Redis was down.")
    assert "Changed while Redis was down." in get(first, ARTICLE).get_data(as_text=True)

    redis_server.start()  # empty, as after a restart
    assert get(first, ARTICLE).headers["X-Page-Cache"] == "miss"
    again = get(first, ARTICLE)
    assert again.headers["X-Page-Cache"] == "hit"
    assert "Changed while Redis was down." in again.get_data(as_text=True)
    assert "cache: Redis is back" in caplog.text


def test_a_publish_on_one_instance_is_seen_by_the_other_at_once(instances, redis_server):
    """Portal settings (issue 12): the settings document is cached in the shared Redis;
    a publish on one instance deletes its entry, and the cached home of both instances
    shows the published company name and theme at the next request."""
    first, second = instances
    for app in (first, second):
        get(app, PAGES[0])
    assert get(first, PAGES[0]).headers["X-Page-Cache"] == "hit"
    redis = Redis.from_url(redis_server.url)
    before = set(redis.keys("helpport:cache:portal-settings:*"))
    assert before  # the live document, and those of versions before the article's save
    with second.app_context():
        from portal.models import Workspace

        ws = db.session.query(Workspace).filter_by(slug="acme").one()
        draft = portal_settings.draft(ws).as_dict()
        draft["appearance"]["company_name"] = "Acme Help Center"
        draft["appearance"]["theme"] = "dark"
        portal_settings.save_draft(ws, draft, "test")
        portal_settings.publish(ws, "test")
        db.session.commit()
    for app in (first, second):
        page = get(app, PAGES[0]).get_data(as_text=True)
        assert "Acme Help Center" in page and 'data-theme="dark"' in page
    after = set(redis.keys("helpport:cache:portal-settings:*"))
    [new] = after - before
    assert len(after) == len(before) and b"Acme Help Center" in redis.get(new)  # old: gone
