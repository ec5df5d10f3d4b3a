"""The workspace lookup every portal request makes (portal.services.workspaces._rows): one
Core SELECT read fresh each request, the Workspace made from its row as the ORM would."""

from sqlalchemy import inspect, update

from portal.models import Workspace
from portal.services import portal_settings, workspaces

HOME = "/en-US/{}/directories"


def public(db, *spaces):
    for ws in spaces:
        portal_settings.change(ws, {"features.knowledge_base": "public"})
    db.session.commit()


def elsewhere(db, workspace_id: int, **values) -> None:
    """A change committed by another worker: not through this session, which is then thrown
    away as at the end of every request (the test holds one app context across requests)."""
    with db.engine.begin() as connection:
        connection.execute(update(Workspace).where(Workspace.id == workspace_id).values(**values))
    db.session.remove()


def test_a_looked_up_workspace_is_a_clean_persistent_row_of_the_session(db, acme, globex):
    acme.custom_domain = "help.acme.example"
    db.session.commit()
    acme_id, globex_id = acme.id, globex.id
    db.session.remove()  # a request's new session: nothing held yet
    found, host = workspaces.by_slug_and_domain("globex", "help.acme.example")
    assert (found.id, host.id) == (globex_id, acme_id)
    for ws in (found, host):
        state = inspect(ws)
        assert state.persistent and ws in db.session and not state.modified
        assert not state.unloaded  # every column read, nothing lazy
    assert db.session.get(Workspace, acme_id) is host  # the identity map holds it
    assert (host.slug, host.name, found.name) == ("acme", "Acme Support", "Globex Help")
    assert workspaces.by_slug("acme") is host and workspaces.by_domain("HELP.acme.example") is host
    # it writes as a queried one does: the change only, and content_version bumps with it
    version = host.content_version
    host.name = "Acme Help"
    db.session.commit()
    db.session.remove()
    again = workspaces.by_slug("acme")
    assert again.name == "Acme Help" and again.content_version == version + 1
    assert workspaces.by_slug("globex").name == "Globex Help"


def test_a_held_expired_workspace_is_refreshed_from_the_row(db, acme):
    acme_id = acme.id
    db.session.commit()  # expires acme, still held by the session
    assert inspect(acme).expired_attributes
    with db.engine.begin() as connection:
        connection.execute(update(Workspace).where(Workspace.id == acme_id)
                           .values(name="Renamed"))
    assert workspaces.by_slug("acme") is acme
    assert not inspect(acme).expired_attributes and acme.name == "Renamed"
    assert not inspect(acme).modified


def test_changes_made_elsewhere_are_seen_on_the_next_request(app, db, acme, globex):
    public(db, acme, globex)
    acme_id = acme.id
    client = app.test_client()
    first = client.get(HOME.format("acme"))
    assert first.status_code == 200 and "Acme Support" in first.get_data(as_text=True)
    assert client.get(HOME.format("acme")).headers["X-Page-Cache"] == "hit"

    elsewhere(db, acme_id, content_version=Workspace.content_version + 1)
    assert client.get(HOME.format("acme")).headers["X-Page-Cache"] == "miss"

    elsewhere(db, acme_id, name="Acme Renamed", content_version=Workspace.content_version + 1)
    assert "Acme Renamed" in client.get(HOME.format("acme")).get_data(as_text=True)

    logo = "https://cdn.acme.example/logo.png"
    assert logo not in client.get(HOME.format("acme")).get_data(as_text=True)
    elsewhere(db, acme_id, settings={"features": {"knowledge_base": "public"},
                                        "appearance": {"logo": logo}},
              content_version=Workspace.content_version + 1)
    assert logo in client.get(HOME.format("acme")).get_data(as_text=True)

    elsewhere(db, acme_id, settings={"features": {"knowledge_base": "public"}},
              custom_domain="help.acme.example",
              content_version=Workspace.content_version + 1)
    on_domain = {"Host": "help.acme.example"}
    assert client.get(HOME.format("acme"), headers=on_domain).status_code == 200
    assert client.get(HOME.format("globex"), headers=on_domain).status_code == 404
    elsewhere(db, acme_id, custom_domain="support.acme.example")
    assert client.get(HOME.format("globex"), headers=on_domain).status_code == 200
    assert client.get(HOME.format("globex"),
                      headers={"Host": "support.acme.example"}).status_code == 404


def test_two_workspaces_never_mix(app, db, acme, globex):
    public(db, acme, globex)
    client = app.test_client()
    for _ in range(3):
        for slug, name, other in (("acme", "Acme Support", "Globex Help"),
                                  ("globex", "Globex Help", "Acme Support")):
            db.session.remove()
            body = client.get(HOME.format(slug)).get_data(as_text=True)
            assert name in body and other not in body
    db.session.remove()
    first, none = workspaces.by_slug_and_domain("acme", "")
    second = workspaces.by_slug("globex")
    assert (first.slug, none, second.slug) == ("acme", None, "globex")
    assert first.id != second.id and first.name != second.name


def test_the_lookup_flushes_first_as_an_orm_query_does(db, acme):
    """A workspace added, or renamed, in this transaction and not flushed yet is found by
    its new slug (an ORM query autoflushes; the Core SELECT must do the same)."""
    added = Workspace(slug="initech", name="Initech", default_locale="en-US",
                      enabled_locales=["en-US"], settings={})
    db.session.add(added)
    acme.slug = "acme-renamed"
    try:
        assert workspaces.by_slug("initech") is added
        assert workspaces.by_slug("acme-renamed") is acme
        assert workspaces.by_slug("acme") is None
    finally:
        db.session.rollback()
