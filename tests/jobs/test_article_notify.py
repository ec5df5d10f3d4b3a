"""Publish & Notify end to end (issue 14, part 4): after ARTICLE_NOTIFY_DELAY_SECONDS the
sweep writes one email per subscriber who may still read the article, delivered over real
SMTP (aiosmtpd) from "Article Subscriber bot" with the subject, the comment, a View link
and a one-click unsubscribe (RFC 8058) that works."""

import re
from datetime import timedelta
from email.utils import parseaddr

import pytest

from portal.extensions import db
from portal.jobs import tasks
from portal.models.base import utcnow
from portal.services import article_follow, articles, snap_ins
from portal.tenancy import use_workspace
from tests.factories import follow_on, make_contact
from tests.jobs.support import text_and_html

LATER = timedelta(seconds=301)


@pytest.fixture
def guide(acme, jobs):
    follow_on(acme, more={"appearance.company_name": "Acme Printing"})
    with use_workspace(acme.id):
        found = articles.save(acme, locale="en-US", title="Replace the toner",
                              body="Open the cover.", status="published", audience="verified")
        db.session.commit()
    jobs()
    return found


def follow(ws, article, *emails_):
    made = []
    with use_workspace(ws.id):
        for address in emails_:
            contact = make_contact(ws, address)
            article_follow.subscribe(ws, article, contact)
            made.append(contact)
    return made


def notify(ws, article, comment):
    with use_workspace(ws.id):
        return article_follow.publish_notify(ws, article, comment, "Sam Staff")


def test_subscribers_get_one_email_after_the_delay(smtp_server, jobs, acme, guide):
    follow(acme, guide, "kim@customer.example", "lee@customer.example")
    notify(acme, guide, "First try")
    notify(acme, guide, "The cover is now on the left.")  # within the delay: joins it
    assert article_follow.send_due(utcnow()) == 0  # not due yet
    assert article_follow.send_due(utcnow() + LATER) == 2
    assert article_follow.send_due(utcnow() + LATER) == 0  # sent once
    jobs()
    assert sorted(m["To"] for m in smtp_server.messages) == [
        "kim@customer.example", "lee@customer.example"]
    message = smtp_server.messages[0]
    assert parseaddr(message["From"])[0] == "Article Subscriber bot"
    assert message["Subject"] == "[Acme Printing] Update on Article – Replace the toner"
    text, html = text_and_html(message)
    assert "The cover is now on the left." in text and "First try" not in text
    assert "http://" in html and "/en-US/acme/articles/replace-the-toner" in html
    assert re.search(r'<a href="https?://[^"]+/en-US/acme/articles/replace-the-toner"[^>]*>View',
                     html)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(r"<https?://\S+/en-US/acme/unsubscribe/\S+>", message["List-Unsubscribe"])


def test_nothing_for_a_subscriber_who_lost_access(smtp_server, jobs, acme, guide, db):
    kim, lee = follow(acme, guide, "kim@customer.example", "lee@customer.example")
    lee.verified = False  # the article is for verified customers only
    db.session.commit()
    notify(acme, guide, "")
    assert article_follow.send_due(utcnow() + LATER) == 1
    jobs()
    assert [m["To"] for m in smtp_server.messages] == ["kim@customer.example"]


def test_the_sweep_sends_and_the_custom_domain_is_linked(smtp_server, jobs, acme, guide, app):
    acme.custom_domain = "help.acme.example"
    db.session.commit()
    follow(acme, guide, "kim@customer.example")
    app.config["ARTICLE_NOTIFY_DELAY_SECONDS"] = 0
    try:
        notify(acme, guide, "New steps")
        tasks.periodic()
    finally:
        app.config["ARTICLE_NOTIFY_DELAY_SECONDS"] = 300
    jobs()
    (message,) = smtp_server.messages
    text, _html = text_and_html(message)
    assert "https://help.acme.example/en-US/acme/articles/replace-the-toner" in text
    assert message["List-Unsubscribe"].startswith("<https://help.acme.example/")


def test_no_emails_when_the_snap_in_is_uninstalled(smtp_server, jobs, acme, guide):
    follow(acme, guide, "kim@customer.example")
    notify(acme, guide, "x")
    snap_ins.set_installed(acme, snap_ins.ARTICLE_FOLLOW, False)
    assert article_follow.send_due(utcnow() + LATER) == 0
    with use_workspace(acme.id), pytest.raises(article_follow.NotFound):
        article_follow.publish_notify(acme, guide, "again")


def test_one_click_unsubscribe(smtp_server, jobs, acme, guide, client):
    (kim,) = follow(acme, guide, "kim@customer.example")
    notify(acme, guide, "x")
    article_follow.send_due(utcnow() + LATER)
    jobs()
    url = smtp_server.messages[0]["List-Unsubscribe"].strip("<>")
    path = "/" + url.split("/", 3)[3]
    page = client.get(path)
    assert page.status_code == 200 and "<form" in page.get_data(as_text=True)
    with use_workspace(acme.id):
        assert article_follow.is_subscribed(acme, guide, kim)  # GET only asks
    assert client.get(path[:-3] + "xyz").status_code == 404  # a tampered token
    done = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200
    with use_workspace(acme.id):
        assert not article_follow.is_subscribed(acme, guide, kim)
