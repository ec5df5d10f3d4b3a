"""Who may read which article: knowledge base access x audience x reader, drafts never."""

import pytest

from portal.extensions import db
from portal.services import article_access, articles, portal_settings
from portal.tenancy import use_workspace
from tests.factories import make_account, make_contact

READERS = ("anonymous", "unverified", "verified", "admin")
# access -> audience -> readers who may read it
EXPECTED = {
    "off": {"public": (), "verified": (), "admins": ()},
    "private": {"public": ("verified", "admin", "unverified"), "verified": ("verified", "admin"),
                "admins": ("admin",)},
    "public": {"public": READERS, "verified": ("verified", "admin"), "admins": ("admin",)},
}


@pytest.fixture
def kb_world(acme, globex):
    account = make_account(acme, "Acme")
    readers = {
        "anonymous": None,
        "unverified": make_contact(acme, "u@a.example", verified=False),
        "verified": make_contact(acme, "v@a.example", account=account),
        "admin": make_contact(acme, "adm@a.example", account=account, customer_admin=True),
    }
    made = {}
    with use_workspace(acme.id):
        for audience in ("public", "verified", "admins"):
            made[audience] = articles.save(acme, locale="en-US", title=f"For {audience}",
                                           body="text", status="published", audience=audience)
        made["draft"] = articles.save(acme, locale="en-US", title="Draft", body="x")
    with use_workspace(globex.id):
        made["globex"] = articles.save(globex, locale="en-US", title="Globex", body="x",
                                       status="published")
    return readers, made


@pytest.mark.parametrize("mode", list(EXPECTED))
def test_visibility_matrix(kb_world, acme, mode):
    readers, made = kb_world
    portal_settings.change(acme, {"features.knowledge_base": mode})
    db.session.commit()
    with use_workspace(acme.id):
        for name, reader in readers.items():
            ids = article_access.visible_ids(acme, reader)
            for audience, allowed in EXPECTED[mode].items():
                assert (made[audience].id in ids) == (name in allowed), (mode, name, audience)
                found = article_access.get_visible(acme, reader, made[audience].slug)
                assert (found is not None) == (name in allowed)
            assert made["draft"].id not in ids
            assert made["globex"].id not in ids
            assert article_access.get_visible(acme, reader, made["globex"].id) is None
