"""What a request works out once (portal.request_memo): the answers stay right when their
inputs change in the same request, differ per locale, and nothing is kept outside a
request or carried into the next one; and the workspace of a slug and of a Host in one
query (portal.services.workspaces.by_slug_and_domain)."""

from flask import g
from flask_babel import force_locale
from sqlalchemy import event

from portal import labels
from portal.extensions import db
from portal.request_memo import memo
from portal.services import article_access, contacts, groups, portal_settings, workspaces
from portal.tenancy import enter_workspace
from tests.factories import make_account, make_contact


def test_kept_for_the_request_only(app):
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    assert memo(("n",), compute) == 1 and memo(("n",), compute) == 2  # no request: no memo
    with app.test_request_context():
        assert memo(("n",), compute) == 3 and memo(("n",), compute) == 3
    with app.test_request_context():
        assert memo(("n",), compute) == 4


def test_customer_admin_and_audiences_follow_a_change_in_the_same_request(app, acme):
    account = make_account(acme)
    pat = make_contact(acme, "pat@acme.example", account=account)
    portal_settings.change(acme, {"features.knowledge_base": "public"})
    db.session.commit()
    with app.test_request_context():
        enter_workspace(acme)
        assert not contacts.is_customer_admin(pat)
        assert article_access.audiences(acme, pat) == ("public", "verified")
        groups.add_member(contacts.customer_admins_group(acme), pat)
        assert contacts.is_customer_admin(pat)
        assert article_access.audiences(acme, pat) == ("public", "verified", "admins")
        groups.remove_member(contacts.customer_admins_group(acme), pat)
        assert article_access.audiences(acme, pat) == ("public", "verified")
        assert article_access.audiences(acme, None) == ("public",)
        portal_settings.change(acme, {"features.knowledge_base": "private"})
        assert article_access.access(acme) == "private"
        assert article_access.audiences(acme, None) == ()
        pat.verified = False  # part of the key: no stale answer
        assert article_access.audiences(acme, pat) == ("public",)


def test_labels_follow_the_locale_within_a_request(app):
    with app.test_request_context():
        g.locale = "de-DE"
        assert labels.stage_label("open") == "Offen"
        with force_locale("en_US"):
            assert labels.stage_label("open") == "Open"
            assert labels.priority_label("urgent") == "Urgent"
        assert labels.stage_label("open") == "Offen"
        assert labels.stage_label("no-such-stage") == "no-such-stage"


def test_slug_and_domain_in_one_query(app, acme, globex):
    acme.custom_domain = "help.acme.example"
    db.session.commit()
    seen = []

    def note(*_args):
        seen.append(1)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        assert workspaces.by_slug_and_domain("globex", "HELP.acme.example:8443") == (globex, acme)
        assert workspaces.by_slug_and_domain("acme", "help.acme.example") == (acme, acme)
        assert workspaces.by_slug_and_domain("acme", "portal.test") == (acme, None)
        assert workspaces.by_slug_and_domain("nope", "") == (None, None)
        assert workspaces.by_slug_and_domain("nope", "help.acme.example") == (None, acme)
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert len(seen) == 5


def test_template_strings_follow_the_locale_within_a_request(app):
    from flask import render_template_string

    page = "{% trans %}Open{% endtrans %}|{{ _('Closed') }}"
    with app.test_request_context():
        g.locale = "de-DE"
        assert render_template_string(page) == "Offen|Geschlossen"
        with force_locale("en_US"):  # an email to someone who reads English
            assert render_template_string(page) == "Open|Closed"
        assert render_template_string(page) == "Offen|Geschlossen"
