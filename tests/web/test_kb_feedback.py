""""Was this helpful?" votes and view counts are recorded on the server, once per reader:
fresh sessions (cleared cookies) from one address add nothing; a contact's second vote
replaces the first; anonymous votes are limited per address. The form has no CSRF token
(anonymous readers get one cached page): a vote must come from the portal's own page."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.extensions import db
from portal.models import Article, ArticleVote
from portal.services import article_feedback, articles, portal_settings
from portal.tenancy import use_workspace
from tests.factories import login_as, make_contact

ADDRESS = "203.0.113.9"


@pytest.fixture
def site(acme, globex):
    portal_settings.change(acme, {"features.knowledge_base": "public"})
    db.session.commit()
    with use_workspace(acme.id):
        made = [articles.save(acme, locale="en-US", title=title, body="Text.",
                              status="published", audience="public")
                for title in ("Printer setup", "Office wifi", "VPN access")]
        db.session.commit()
        return [a.slug for a in made]


def fresh(app, address=ADDRESS, contact=None):
    """A new browser: no cookies, one client address."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    if contact is not None:
        login_as(client, contact)
    return client


SAME_ORIGIN = {"Sec-Fetch-Site": "same-origin"}  # what a browser sends from our own page


def vote(client, slug, helpful="yes", headers=SAME_ORIGIN):
    return client.post(f"/en-US/acme/articles/{slug}/helpful", data={"helpful": helpful},
                       headers=headers)


def counts(acme, slug):
    with use_workspace(acme.id):
        article = db.session.scalar(select(Article).where(Article.slug == slug))
        db.session.refresh(article)
        return article.helpful_yes, article.helpful_no, article.views


def test_fresh_anonymous_sessions_from_one_address_vote_once(app, acme, site):
    for _ in range(15):
        assert vote(fresh(app), site[0]).status_code == 302
    assert counts(acme, site[0])[:2] == (1, 0)
    vote(fresh(app), site[0], "no")  # the same address later that day: changes the vote
    assert counts(acme, site[0])[:2] == (0, 1)
    vote(fresh(app, "198.51.100.20"), site[0])  # another visitor
    assert counts(acme, site[0])[:2] == (1, 1)
    thanked = fresh(app)  # the thanks after a vote is its flash; the page stays the same
    page = thanked.get(vote(thanked, site[0]).location).get_data(as_text=True)
    assert page.count("Thank you for your feedback.") == 1 and 'value="yes"' in page
    page = fresh(app).get(f"/en-US/acme/articles/{site[0]}").get_data(as_text=True)
    assert "Thank you for your feedback." not in page and 'value="yes"' in page
    with use_workspace(acme.id):
        keys = db.session.scalars(select(ArticleVote.visitor)).all()
    assert len(keys) == 2 and all(len(k) == 64 and ADDRESS not in k for k in keys)


def test_a_contact_votes_once_and_can_change_the_vote(app, acme, site):
    pat = make_contact(acme, "pat@customer.example")
    for _ in range(3):
        vote(fresh(app, contact=pat), site[1])
    assert counts(acme, site[1])[:2] == (1, 0)
    vote(fresh(app, contact=pat), site[1], "no")
    assert counts(acme, site[1])[:2] == (0, 1)
    page = fresh(app, contact=pat).get(f"/en-US/acme/articles/{site[1]}").get_data(as_text=True)
    assert "Thank you for your feedback." in page
    colleague = make_contact(acme, "kim@customer.example")  # same office, same address
    vote(fresh(app, contact=colleague), site[1])
    assert counts(acme, site[1])[:2] == (1, 1)


def test_anonymous_votes_are_limited_per_address(app, acme, site, monkeypatch):
    monkeypatch.setitem(app.config, "KB_VOTE_LIMIT_PER_ADDRESS", "2 per hour")
    client = fresh(app)
    assert [vote(client, slug).status_code for slug in site] == [302, 302, 429]
    assert counts(acme, site[2])[:2] == (0, 0)
    assert vote(fresh(app, "198.51.100.20"), site[2]).status_code == 302
    pat = make_contact(acme, "pat@customer.example")
    assert vote(fresh(app, contact=pat), site[0]).status_code == 302  # contacts: no limit
    assert counts(acme, site[0])[:2] == (2, 0)


def test_an_anonymous_vote_counts_again_the_next_day(app, acme, site, monkeypatch):
    vote(fresh(app), site[0])
    later = article_feedback.utcnow() + timedelta(days=3)
    monkeypatch.setattr(article_feedback, "utcnow", lambda: later)
    vote(fresh(app), site[0])
    assert counts(acme, site[0])[:2] == (2, 0)
    with use_workspace(acme.id):  # yesterday's anonymous rows are gone, the counts stay
        assert db.session.query(ArticleVote).count() == 1


def test_views_count_once_per_reader_and_day(app, acme, site):
    for _ in range(15):
        assert fresh(app).get(f"/en-US/acme/articles/{site[0]}").status_code == 200
    assert counts(acme, site[0])[2] == 1
    pat = make_contact(acme, "pat@customer.example")
    for _ in range(3):
        fresh(app, contact=pat).get(f"/en-US/acme/articles/{site[0]}")
    fresh(app, "198.51.100.20").get(f"/en-US/acme/articles/{site[0]}")
    assert counts(acme, site[0])[2] == 3
    assert counts(acme, site[1])[2] == 0


def test_votes_and_views_stay_in_their_workspace(app, acme, globex, site):
    with use_workspace(globex.id):
        theirs = articles.save(globex, locale="en-US", title="Printer setup", body="Theirs.",
                               status="published", audience="public")
        theirs_id = theirs.id
    vote(fresh(app), site[0])
    with use_workspace(globex.id):
        article = db.session.get(Article, theirs_id)
        assert (article.helpful_yes, article.views) == (0, 0)


def test_the_vote_lookup_is_scoped_like_the_tenancy_guard_would(app, acme, globex, site):
    """current_vote skips the guard's walk (all_workspaces) and scopes itself: only the
    current workspace's votes, none of another, and no lookup without a workspace."""
    from portal.tenancy import NoWorkspace

    pat = make_contact(acme, "pat@customer.example")
    lee = make_contact(acme, "lee@customer.example")
    vote(fresh(app, contact=pat), site[0])
    with use_workspace(acme.id):
        ours = db.session.scalar(select(Article.id).where(Article.slug == site[0]))
        assert article_feedback.current_vote(acme, ours, pat) is True
        assert article_feedback.current_vote(acme, ours, lee) is None
        assert article_feedback.current_vote(globex, ours, pat) is None
    with use_workspace(globex.id):  # acme's vote, asked in globex: not there
        assert article_feedback.current_vote(acme, ours, pat) is None
        assert article_feedback.current_vote(globex, ours, pat) is None
    with pytest.raises(NoWorkspace):
        article_feedback.current_vote(acme, ours, pat)


def test_without_redis_views_are_remembered_in_this_process(app, acme, site):
    from portal.extensions import redis_connection

    conn = redis_connection()
    if not hasattr(conn, "marks"):
        pytest.skip("a real Redis is configured")
    fresh(app).get(f"/en-US/acme/articles/{site[2]}")
    fresh(app).get(f"/en-US/acme/articles/{site[2]}")
    assert counts(acme, site[2])[2] == 1
    assert len(conn.marks) == 1 and not conn.keys("helpport:kb-view:*")


@pytest.mark.parametrize("headers", [
    {}, {"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
    {"Origin": "https://evil.example"}, {"Origin": "null"},
    {"Sec-Fetch-Site": "cross-site", "Origin": "http://localhost"},
], ids=["no-header", "cross-site", "same-site", "other-origin", "null-origin",
        "fetch-metadata-wins"])
def test_a_vote_from_another_site_is_refused_and_counts_nothing(app, acme, site, headers):
    pat = make_contact(acme, "pat@customer.example")
    for client in (fresh(app), fresh(app, contact=pat)):
        assert vote(client, site[0], headers=headers).status_code == 403
    assert counts(acme, site[0])[:2] == (0, 0)


def test_a_vote_with_our_origin_counts(app, acme, site):
    """Browsers without Fetch Metadata (or on plain HTTP beyond localhost) send Origin."""
    assert vote(fresh(app), site[0], headers={"Origin": "http://localhost"}).status_code == 302
    assert counts(acme, site[0])[:2] == (1, 0)


def test_a_contact_sees_their_own_vote_and_the_anonymous_page_is_cached(app, acme, site):
    pat = make_contact(acme, "pat@customer.example")
    reader = fresh(app, contact=pat)
    vote(reader, site[0], "no")
    page = reader.get(f"/en-US/acme/articles/{site[0]}").get_data(as_text=True)
    assert "Thank you for your feedback." in page and 'value="yes"' not in page
    first, again = (fresh(app).get(f"/en-US/acme/articles/{site[0]}") for _ in range(2))
    assert again.headers["X-Page-Cache"] == "hit" and again.data == first.data
    assert "csrf_token" not in again.get_data(as_text=True)
    assert "Set-Cookie" not in again.headers
