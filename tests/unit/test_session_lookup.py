"""The customer session lookup (auth.sessions.find) is a Core statement that names its
workspace itself: a web token finds its session only in its own workspace, and the API's
lookup brings the token's contact, account and workspace as loaded objects."""

import pytest

from portal.auth import sessions
from portal.extensions import db
from portal.models import Workspace
from portal.tenancy import NoWorkspace, use_workspace
from tests.factories import api_token, make_account, make_contact
from tests.web.helpers import Statements


def _web_token(contact) -> str:
    with use_workspace(contact.workspace_id):
        token, _row = sessions.start(contact, kind="web")
    return token


def test_a_web_session_is_found_in_its_own_workspace_only(acme, globex):
    token = _web_token(make_contact(acme, "a@a.example", customer_admin=True))
    acme_id, globex_id = acme.id, globex.id
    db.session.expunge_all()
    with use_workspace(acme_id):
        found, is_admin, workspace = sessions.find(token, "web")
        assert workspace is None
        assert (found.contact.email, found.workspace_id, is_admin) == ("a@a.example", acme_id, True)
        assert sessions.find(token, "api") is None  # another kind
    with use_workspace(globex_id):
        assert sessions.find(token, "web") is None
    with pytest.raises(NoWorkspace):
        sessions.find(token, "web")


def test_the_api_lookup_loads_contact_account_and_workspace(acme, globex):
    account = make_account(acme, "Acme Corp")
    token = api_token(make_contact(acme, "a@a.example", account=account))
    other = api_token(make_contact(globex, "g@g.example"))
    acme_id = acme.id
    db.session.expunge_all()
    with Statements() as seen:
        found = sessions.find(token, "api", any_workspace=True)
        assert not found.is_admin
        with use_workspace(acme_id):
            # read without a statement: the lookup brought them
            assert found.row.contact.account.name == "Acme Corp"
            assert found.workspace.slug == "acme"
            assert db.session.get(Workspace, acme_id) is found.workspace  # held
    assert seen.count() == 1, seen.report()
    theirs = sessions.find(other, "api", any_workspace=True).row
    assert theirs.contact.email == "g@g.example" and theirs.contact.account is None
    assert sessions.find("no-such-token", "api", any_workspace=True) is None
