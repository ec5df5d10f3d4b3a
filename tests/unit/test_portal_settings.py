"""The portal settings document (portal.services.portal_settings, issue 12): the live
document read with defaults for what is missing or no longer valid (logged once per stored
text), a read-only view; a draft checked as a whole (every wrong field named by its path),
published with a history entry, discarded, restored from an earlier publish."""

import logging

import pytest

from portal import request_memo
from portal.appearance import colors, custom_css
from portal.extensions import cache, db
from portal.models import Workspace
from portal.services import portal_settings
from portal.services.errors import Invalid, NotFound
from portal.services.portal_settings import Settings, published, repaired
from tests.factories import make_workspace

TEN_MB = 10 * 1024 * 1024


def workspace(settings, slug="unit") -> Workspace:
    return Workspace(slug=slug, name="Unit", settings=settings)


def document(**parts) -> dict:
    """A full valid document (the defaults) with `parts` ({"features.tickets": "off"})."""
    found = portal_settings.defaults()
    for path, value in parts.items():
        *parents, last = path.split(".")
        part = found
        for name in parents:
            part = part[name]
        part[last] = value
    return found


def refused(ws, doc) -> dict:
    """{path: message} of the Invalid that `check` raises for `doc`."""
    with pytest.raises(Invalid) as exc:
        portal_settings.check(ws, doc)
    details = exc.value.details
    assert details["field"] in details["fields"]
    return details["fields"]


# -- reading the live document ----------------------------------------------------------

def _but_languages(document: dict) -> dict:
    """A document without its `locales` (the workspace's, not the stored document's)."""
    return {key: value for key, value in document.items() if key != "locales"}


def test_missing_or_odd_stored_settings_are_the_defaults(app):
    for stored in ({}, None, "not a dict", [1, 2]):
        assert _but_languages(published(workspace(stored)).as_dict()) \
            == _but_languages(portal_settings.defaults())
    live = published(workspace({}))
    assert live.features.knowledge_base == "private" and live.features.tickets == "private"
    assert live.features.banner.enabled is False and live.features.banner.level == "info"
    assert live.tickets.attachment_max_bytes == TEN_MB
    assert live.tickets.attachment_extensions == () and live.tickets.reopen_window_days == 7
    assert live.appearance.logo == "" and live.custom_css == ""
    assert [tab.kind for tab in live.appearance.header_tabs] == ["knowledge_base", "tickets"]
    assert live.domain.custom_portal_url == "" and live.domain.allowlist == ()


def test_stored_values_come_back_as_a_read_only_view(app):
    live = published(workspace({
        "features": {"knowledge_base": "public", "tickets": "off"},
        "tickets": {"attachment_max_bytes": 2048, "attachment_extensions": [".PDF", ".txt"],
                    "reopen_window_days": 0},
        "appearance": {"logo": "https://cdn.example/logo.svg"}}))
    assert live.features.knowledge_base == "public" and live.features.tickets == "off"
    assert live["features"]["tickets"] == "off" and live.get("nothing", 1) == 1
    assert live.tickets.attachment_max_bytes == 2048 and live.tickets.reopen_window_days == 0
    assert live.tickets.attachment_extensions == (".pdf", ".txt")
    assert live.appearance.logo == "https://cdn.example/logo.svg"
    with pytest.raises(AttributeError):
        live.features.knowledge_base = "off"
    with pytest.raises(AttributeError):
        live.features = {}
    with pytest.raises(AttributeError):
        live.no_such_setting  # noqa: B018
    copy = live.as_dict()
    copy["features"]["knowledge_base"] = "off"  # a copy: the view does not change
    assert live.features.knowledge_base == "public"


@pytest.mark.parametrize("path, bad", [
    ("features.knowledge_base", "everyone"), ("features.tickets", True),
    ("features.banner.level", "loud"), ("features.ai_search", "yes"),
    ("tickets.attachment_max_bytes", "10MB"), ("tickets.attachment_max_bytes", 0),
    ("tickets.attachment_max_bytes", True), ("tickets.attachment_extensions", ".pdf"),
    ("tickets.attachment_extensions", ["pdf"]), ("tickets.reopen_window_days", -1),
    ("tickets.reopen_window_days", 7.5), ("appearance.theme", "neon"),
    ("appearance.logo", "javascript:alert(1)"), ("appearance.no_such_key", 1),
])
def test_a_bad_stored_value_becomes_its_default_logged_once_per_version(
        db, path, bad, caplog):
    stored = {"features": {"knowledge_base": "public", "banner": {"text": {"en-US": "Hi"}}},
              "tickets": {"reopen_window_days": 3}, "appearance": {"company_name": "Acme"}}
    section, *rest = path.split(".")
    part = stored.setdefault(section, {})
    for name in rest[:-1]:
        part = part.setdefault(name, {})
    part[rest[-1]] = bad
    ws = make_workspace(slug="bad")
    ws.settings = stored  # as an older release or a hand edit may have left it
    db.session.commit()
    with caplog.at_level(logging.WARNING, logger=portal_settings.__name__):
        first = published(ws)
        request_memo.forget("portal_settings")  # the next request: from the cache
        again = published(ws)
    defaults = Settings(portal_settings.defaults())
    value, default = first, defaults
    for name in path.split("."):
        value, default = value.get(name), default.get(name)
    assert value == default and again == first
    if path != "features.knowledge_base":
        assert first.features.knowledge_base == "public"  # the good values stay
    if path != "tickets.reopen_window_days":
        assert first.tickets.reopen_window_days == 3
    assert first.appearance.company_name == "Acme"
    assert first.features.banner.text.as_dict() == {"en-US": "Hi"}
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1 and path.rsplit(".", 1)[0] in lines[0], lines
    assert _but_languages(repaired("direct", stored)) == _but_languages(first.as_dict())


@pytest.mark.parametrize("bad", [
    {"kind": "link", "label": {"en-US": "Status"}, "url": "javascript:alert(1)"},
    {"kind": "link", "label": {"en-US": "Status"}},  # a rule across keys: no url
    {"label": {"en-US": "No kind"}},  # a required key missing
])
def test_a_bad_list_item_is_dropped_and_the_others_kept(app, bad, caplog):
    stored = {"features": {"knowledge_base": "public"},
              "appearance": {"header_tabs": [{"kind": "tickets"}, bad]}}
    with caplog.at_level(logging.WARNING, logger=portal_settings.__name__):
        live = published(workspace(stored, slug=f"tab-{bad!r}"))
    assert [tab.kind for tab in live.appearance.header_tabs] == ["tickets"]
    assert live.features.knowledge_base == "public"
    assert len(caplog.records) == 1 and "appearance.header_tabs" in caplog.messages[0]


def test_another_version_is_logged_again(db, caplog):
    ws = make_workspace(slug="again")
    with caplog.at_level(logging.WARNING, logger=portal_settings.__name__):
        for days in (-1, -2):
            ws.settings = {"tickets": {"reopen_window_days": days}}
            db.session.commit()
            published(ws), published(ws)
    assert len(caplog.records) == 2


def test_the_live_document_is_cached_by_flask_caching_and_dropped_on_publish(db):
    ws = make_workspace(slug="cached")
    key = portal_settings._cache_key(ws)
    cache.delete(key)
    portal_settings._parsed.clear()
    assert published(ws).features.tickets == "private"
    assert cache.get(key)["features"]["tickets"] == "private"
    portal_settings._parsed.clear()  # another process: reads the shared entry
    cache.set(key, {**cache.get(key), "custom_css": "/* from the cache */"})
    assert published(ws).custom_css == "/* from the cache */"
    portal_settings.change(ws, {"features.tickets": "public"})
    db.session.commit()
    assert cache.get(key) is None  # deleted on publish; the new version has its own key
    assert portal_settings._cache_key(ws) != key
    assert published(ws).features.tickets == "public"


def test_the_portal_header_shows_a_valid_logo_only(client, acme):
    portal_settings.change(acme, {"appearance.logo": "https://cdn.example/acme.svg"})
    db.session.commit()
    page = client.get("/en-US/acme/directories").get_data(as_text=True)
    assert '<img class="brand-logo" src="https://cdn.example/acme.svg"' in page
    appearance = {**acme.settings["appearance"], "logo": "javascript:alert(1)"}
    acme.settings = {**acme.settings, "appearance": appearance}  # a hand-edited row
    db.session.commit()
    page = client.get("/en-US/acme/directories").get_data(as_text=True)
    assert "javascript:" not in page and "brand-logo" not in page


# -- checking a whole document ------------------------------------------------------------

def test_check_accepts_a_full_valid_document(acme):
    doc = document(**{
        "features.knowledge_base": "public", "features.tickets": "off",
        "features.banner": {"enabled": True, "level": "warning",
                            "text": {"en-US": "Maintenance tonight"},
                            "starts_at": "2027-01-31T09:00:00+01:00",
                            "ends_at": "2027-01-31T12:00:00Z"},
        "features.pdf_export": True,
        "appearance.theme": "dark", "appearance.company_name": "Acme",
        "appearance.accent_color": "#1f4fc4", "appearance.dark_accent_color": "#8fb0ff",
        "appearance.header_tabs": [
            {"kind": "tickets", "label": {}, "url": ""},
            {"kind": "link", "label": {"en-US": "Status"}, "url": "https://status.example"}],
        "appearance.hero": {"welcome_text": {"en-US": "Welcome"},
                            "search_placeholder": {"de-DE": "Suchen"}},
        "appearance.footer": {"social": [{"network": "github", "url": "https://github.com/a"}],
                              "links": [{"label": {"en-US": "Terms"}, "url": "/terms"}]},
        "custom_css": "", "domain.custom_portal_url": "https://help.acme.example",
        "domain.allowlist": ["cdn.example.com", "*.fonts.example"],
        "tickets.attachment_max_bytes": 2048, "tickets.attachment_extensions": [".pdf"],
        "tickets.reopen_window_days": 30})
    loaded = portal_settings.check(acme, doc)
    assert loaded["features"]["banner"]["starts_at"] == "2027-01-31T08:00:00Z"  # UTC
    assert loaded["features"]["banner"]["ends_at"] == "2027-01-31T12:00:00Z"
    assert loaded["appearance"]["header_tabs"][1]["url"] == "https://status.example"
    assert loaded["domain"]["allowlist"] == ["cdn.example.com", "*.fonts.example"]
    assert loaded["tickets"]["attachment_extensions"] == [".pdf"]


def test_check_names_every_wrong_field_by_its_path(acme):
    doc = document(**{"features.knowledge_base": "everyone", "features.banner.level": "loud",
                      "tickets.reopen_window_days": -1})
    doc["features"]["no_such_feature"] = True
    doc["bogus"] = 1
    found = refused(acme, doc)
    assert set(found) == {"features.knowledge_base", "features.banner.level",
                          "features.no_such_feature", "tickets.reopen_window_days", "bogus"}
    assert "features.no_such_feature" in found["features.no_such_feature"]
    assert "not a known setting" in found["bogus"]
    for not_a_document in (None, [], "{}"):
        with pytest.raises(Invalid):
            portal_settings.check(acme, not_a_document)


def test_a_banner_must_end_after_it_starts(acme):
    banner = {"enabled": True, "text": {"en-US": "Hi"}, "starts_at": "2027-02-01T10:00:00Z",
              "ends_at": "2027-02-01T09:00:00Z"}
    found = refused(acme, document(**{"features.banner": banner}))
    assert found == {"features.banner.ends_at": "The banner must end after it starts."}
    found = refused(acme, document(**{"features.banner.starts_at": "tomorrow"}))
    assert list(found) == ["features.banner.starts_at"]


def test_header_tabs_limits(acme):
    link = {"kind": "link", "label": {"en-US": "Docs"}, "url": "https://docs.example"}
    found = refused(acme, document(**{"appearance.header_tabs": [link] * 9}))
    assert found == {"appearance.header_tabs": "At most 8 header tabs."}
    assert portal_settings.check(acme, document(**{"appearance.header_tabs": [link] * 8}))
    twice = [{"kind": "tickets"}, {"kind": "tickets"}]
    found = refused(acme, document(**{"appearance.header_tabs": twice}))
    assert found == {"appearance.header_tabs": "Each built-in tab may appear once."}
    found = refused(acme, document(**{"appearance.header_tabs": [{"kind": "link",
                                                                  "label": {"en-US": "X"}}]}))
    assert found == {"appearance.header_tabs.url": "A link tab needs an address."}
    found = refused(acme, document(**{"appearance.header_tabs": [{"kind": "menu"}]}))
    assert list(found) == ["appearance.header_tabs.kind"]


def test_a_very_light_accent_comes_out_adjusted_and_passing(acme):
    """There is no refusal to test: the accent is adjusted automatically (colors.tokens with
    adjust=True moves a failing accent until every pair passes; only "exact colours",
    which the document does not offer, refuses one). So the document keeps the accent as
    given and the tokens derived from it reach AA contrast in both schemes."""
    loaded = portal_settings.check(acme, document(**{"appearance.accent_color": "#fffde0"}))
    assert loaded["appearance"]["accent_color"] == "#fffde0"
    found = colors.tokens(loaded["appearance"]["accent_color"])
    assert found["adjusted"]["light"] is True
    primary = found["light"][colors.PRIMARY]
    assert primary != "#fffde0"
    assert colors.contrast(primary, "#ffffff") >= colors.TEXT_AA
    for scheme in colors.SCHEMES:
        assert colors.worst_pair(found[scheme], scheme) is None
    found = refused(acme, document(**{"appearance.accent_color": "blue"}))
    assert list(found) == ["appearance.accent_color"]  # not a colour at all


def test_custom_css_is_checked_and_stored_normalized(acme):
    found = refused(acme, document(custom_css="@import url(http://evil.example/x.css);"))
    assert list(found) == ["custom_css"] and "@import" in found["custom_css"]
    clean = "a   {  color : red }\n.hero{background:url(https://cdn.example.com/b.png)}"
    loaded = portal_settings.check(acme, document(**{
        "custom_css": clean, "domain.allowlist": ["cdn.example.com"]}))
    assert loaded["custom_css"] == custom_css.check_css(clean, ["cdn.example.com"])
    found = refused(acme, document(custom_css=clean))  # the host is not allowed
    assert list(found) == ["custom_css"] and "cdn.example.com" in found["custom_css"]


@pytest.mark.parametrize("url", [
    "https://help.acme.example/portal", "https://help.acme.example:8443",
    "https://pat@help.acme.example", "https://help.acme.example/?x=1",
])
def test_a_custom_domain_is_a_host_only(acme, url):
    found = refused(acme, document(**{"domain.custom_portal_url": url}))
    assert list(found) == ["domain.custom_portal_url"]


def test_a_custom_domain_of_another_workspace_is_refused(acme, globex):
    portal_settings.change(globex, {"domain.custom_portal_url": "https://help.globex.example"})
    db.session.commit()
    assert globex.custom_domain == "help.globex.example"
    found = refused(acme, document(**{"domain.custom_portal_url":
                                      "https://HELP.globex.example"}))
    assert found == {"domain.custom_portal_url": "Another workspace uses this domain."}
    assert portal_settings.check(globex, document(**{  # its own domain
        "domain.custom_portal_url": "https://help.globex.example"}))


# -- draft, publish, history ------------------------------------------------------------------

def test_a_draft_is_checked_and_never_seen_live(acme):
    live = published(acme)
    with pytest.raises(Invalid):
        portal_settings.save_draft(acme, document(**{"features.tickets": "maybe"}), "ann")
    portal_settings.save_draft(acme, document(**{"features.knowledge_base": "public"}), "ann")
    db.session.commit()
    assert published(acme) == live and published(acme).features.knowledge_base == "private"
    assert portal_settings.draft(acme).features.knowledge_base == "public"
    view = portal_settings.overview(acme)
    assert view["has_draft"] and view["version"] == 0
    assert view["draft"]["features"]["knowledge_base"] == "public"
    assert view["published"]["features"]["knowledge_base"] == "private"


def test_a_put_keeps_the_drafts_images(acme):
    portal_settings.set_image(acme, "logo", "https://cdn.example/acme.svg", "ann")
    doc = document(**{"appearance.company_name": "Acme",
                      "appearance.logo": "https://x.example/other.png",
                      "appearance.favicon": "javascript:alert(1)"})
    saved = portal_settings.save_draft(acme, doc, "ann")
    assert saved["appearance"]["logo"] == "https://cdn.example/acme.svg"
    assert saved["appearance"]["favicon"] == ""
    draft = portal_settings.draft(acme).appearance
    assert draft.logo == "https://cdn.example/acme.svg" and draft.company_name == "Acme"
    assert published(acme).appearance.logo == ""  # still only a draft


def test_publish_makes_the_draft_live_with_a_history_entry(acme):
    with pytest.raises(NotFound):
        portal_settings.publish(acme, "ann")  # no draft
    portal_settings.save_draft(acme, document(**{
        "features.knowledge_base": "public",
        "domain.custom_portal_url": "https://help.acme.example"}), "ann")
    assert portal_settings.publish(acme, "ann@acme.example") == 1
    db.session.commit()
    assert published(acme).features.knowledge_base == "public"
    assert acme.custom_domain == "help.acme.example"
    assert portal_settings.overview(acme)["has_draft"] is False
    assert portal_settings.version(acme) == 1
    [entry] = portal_settings.history(acme)
    assert entry["version"] == 1 and entry["published_by"] == "ann@acme.example"
    assert entry["published_at"] is not None
    with pytest.raises(NotFound):
        portal_settings.publish(acme, "ann")  # the draft went live
    portal_settings.save_draft(acme, document(**{"features.tickets": "off"}), "bob")
    assert portal_settings.publish(acme, "bob") == 2
    db.session.commit()
    assert published(acme).features.tickets == "off" and acme.custom_domain is None
    assert [e["version"] for e in portal_settings.history(acme)] == [2, 1]


def test_discard_drops_the_draft(acme):
    assert portal_settings.discard(acme) is False
    portal_settings.save_draft(acme, document(**{"features.tickets": "off"}), "ann")
    assert portal_settings.discard(acme) is True
    db.session.commit()
    assert portal_settings.overview(acme)["has_draft"] is False
    assert portal_settings.draft(acme) == published(acme)
    assert published(acme).features.tickets == "private"


def test_restore_puts_an_earlier_version_back_into_the_draft(acme):
    for access in ("public", "off"):
        portal_settings.save_draft(acme, document(**{"features.knowledge_base": access}), "ann")
        portal_settings.publish(acme, "ann")
    db.session.commit()
    restored = portal_settings.restore(acme, 1, "bob")
    assert restored["features"]["knowledge_base"] == "public"
    assert portal_settings.draft(acme).features.knowledge_base == "public"
    assert published(acme).features.knowledge_base == "off"  # until published again
    assert portal_settings.publish(acme, "bob") == 3
    assert published(acme).features.knowledge_base == "public"
    with pytest.raises(NotFound):
        portal_settings.restore(acme, 9, "bob")


def test_change_sets_values_in_the_live_document_at_once(acme, globex):
    found = portal_settings.change(acme, {"features.knowledge_base": "public",
                                          "tickets.reopen_window_days": 14})
    db.session.commit()
    assert found == published(acme) and found.features.knowledge_base == "public"
    assert acme.settings["tickets"]["reopen_window_days"] == 14
    assert published(globex).features.knowledge_base == "private"  # its own
    assert portal_settings.history(acme) == []  # no publish, no draft
    with pytest.raises(Invalid) as exc:
        portal_settings.change(acme, {"features.knowledge_base": "everyone"})
    assert exc.value.details["field"] == "features.knowledge_base"
    assert published(acme).features.knowledge_base == "public"  # nothing stored
    portal_settings.change(globex, {"domain.custom_portal_url": "https://help.globex.example"})
    with pytest.raises(Invalid):
        portal_settings.change(acme, {"domain.custom_portal_url":
                                      "https://help.globex.example"})


def test_a_domain_taken_after_the_draft_was_saved_is_refused_at_publish(acme, globex):
    portal_settings.save_draft(acme, document(**{"domain.custom_portal_url":
                                                 "https://help.example.org"}), "ann")
    portal_settings.change(globex, {"domain.custom_portal_url": "https://help.example.org"})
    db.session.commit()
    with pytest.raises(Invalid) as exc:
        portal_settings.publish(acme, "ann")
    assert exc.value.details["field"] == "domain.custom_portal_url"
    assert acme.custom_domain is None


def test_a_stored_colour_that_is_no_colour_reads_as_the_default(app):
    ws = Workspace(slug="colours", name="Colours",
                   settings={"appearance": {"accent_color": "blue", "dark_accent_color": "#fff"}})
    look = published(ws).appearance
    assert (look.accent_color, look.dark_accent_color) == ("#1f4fc4", "")


def test_a_platform_change_reaches_the_pending_draft(acme):
    """The platform's workspaces page sets the domain with `change`: publishing an older
    draft afterwards must not undo it."""
    draft = portal_settings.draft(acme).as_dict()
    draft["appearance"]["company_name"] = "Draft Co"
    portal_settings.save_draft(acme, draft, "admin")
    portal_settings.change(acme, {"domain.custom_portal_url": "https://help.acme.example"})
    portal_settings.publish(acme, "admin")
    db.session.commit()
    assert acme.custom_domain == "help.acme.example"
    assert published(acme).appearance.company_name == "Draft Co"


def test_two_publishes_at_once_the_second_is_a_conflict(acme, monkeypatch):
    from portal.services.errors import Conflict

    portal_settings.save_draft(acme, portal_settings.draft(acme).as_dict(), "admin")
    portal_settings.publish(acme, "admin")  # version 1
    db.session.commit()
    portal_settings.save_draft(acme, portal_settings.draft(acme).as_dict(), "admin")
    monkeypatch.setattr(portal_settings, "version", lambda ws: 0)  # read before the other's
    with pytest.raises(Conflict):
        portal_settings.publish(acme, "admin")


# -- languages (locales.enabled, locales.default) ---------------------------------------------

def test_the_documents_languages_are_the_workspaces(acme):
    live = published(acme).locales
    assert list(live.enabled) == acme.enabled_locales and live.default == acme.default_locale
    doc = document()
    del doc["locales"]  # a document without them keeps the workspace's
    assert portal_settings.check(acme, doc)["locales"] == {
        "enabled": acme.enabled_locales, "default": acme.default_locale}


def test_publishing_languages_sets_the_workspaces(acme):
    portal_settings.save_draft(acme, document(**{
        "locales.enabled": ["en-US", "fr-FR", "ar", "fr-FR"], "locales.default": "fr-FR"}),
        "ann")
    db.session.commit()
    assert acme.default_locale == "en-US"  # a draft only
    portal_settings.publish(acme, "ann")
    db.session.commit()
    assert acme.enabled_locales == ["en-US", "fr-FR", "ar"] and acme.default_locale == "fr-FR"
    assert list(published(acme).locales.enabled) == ["en-US", "fr-FR", "ar"]


@pytest.mark.parametrize("locales, field", [
    ({"enabled": ["en-US"], "default": "de-DE"}, "locales.default"),
    ({"enabled": [], "default": "en-US"}, "locales.enabled"),
    ({"enabled": ["en-US", "xx-XX"], "default": "en-US"}, "locales.enabled"),
    ({"enabled": ["en-US"], "default": "klingon"}, "locales.default"),
])
def test_wrong_languages_are_refused_by_name(acme, locales, field):
    doc = document()
    doc["locales"] = locales
    assert field in refused(acme, doc)


def test_a_default_changed_alone_is_among_the_enabled_languages(acme):
    """The platform's workspace page sets the default only: the document stays valid."""
    acme.enabled_locales, acme.default_locale = ["en-US"], "fr-FR"
    db.session.commit()
    live = published(acme).as_dict()
    assert live["locales"] == {"enabled": ["fr-FR", "en-US"], "default": "fr-FR"}
    assert portal_settings.check(acme, live)["locales"]["default"] == "fr-FR"
