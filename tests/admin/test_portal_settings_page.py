"""Settings > Portal settings: the form over the draft, save / publish / discard / restore,
refusals shown next to their fields with the input kept, and the live preview that draws
the portal with the posted document while customers keep the published one."""

import base64
import hashlib
import html
import io
import re
from html.parser import HTMLParser

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from portal.extensions import db
from portal.services import articles, portal_settings
from portal.tenancy import use_workspace
from tests.admin.conftest import fab_csrf, new_client

URL = "/admin/portalsettings/"
PREVIEW = URL + "preview"


class FormFields(HTMLParser):
    """The fields of the settings form as a browser would post them (checked boxes only,
    each select's chosen option)."""

    def __init__(self, text: str, form_id: str = "settings-form"):
        super().__init__()
        self.form_id, self.inside, self.fields = form_id, False, []
        self._select = self._textarea = None
        self.feed(text)

    def _ours(self, attrs) -> bool:
        """A control's form is its `form` attribute, else the form around it."""
        owner = attrs.get("form")
        return owner == self.form_id if owner else self.inside or owner == self.form_id

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "option" and self._select is not None:
            if self._select[1] is None or "selected" in attrs:
                self._select[1] = attrs.get("value", "")
        elif tag == "form":
            self.inside = attrs.get("id") == self.form_id
        elif not self._ours(attrs) or "name" not in attrs or "disabled" in attrs:
            return
        elif tag == "input" and attrs.get("type") not in ("submit", "button"):
            if attrs.get("type") != "checkbox" or "checked" in attrs:
                self.fields.append([attrs["name"], attrs.get("value", "")])
        elif tag == "select":
            self._select = [attrs["name"], None]
            self.fields.append(self._select)
        elif tag == "textarea":
            self._textarea = [attrs["name"], ""]
            self.fields.append(self._textarea)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def data(self, **changes) -> MultiDict:
        """The posted fields (several values of a name kept: the languages' boxes), with
        `changes` replacing a name's values (None: not posted)."""
        found = MultiDict(self.fields)
        for key, value in changes.items():
            found.setlist(key.replace("__", "."), [] if value is None else [value])
        return found


def form_of(client) -> FormFields:
    page = client.get(URL)
    assert page.status_code == 200, page.status_code
    return FormFields(page.text)


def post(client, op: str, **changes):
    fields = form_of(client)
    return client.post(URL, data=fields.data(**changes, op=op))


@pytest.fixture
def admin(staff, acme):
    return staff("admin", acme)


def test_an_agent_gets_403_and_no_menu_entry(staff, acme):
    agent = staff("agent", acme)
    assert agent.get(URL).status_code == 403
    assert agent.post(PREVIEW, data={}).status_code in (400, 403)
    assert "Portal settings" not in agent.get("/admin/").text


def test_the_form_shows_the_draft(admin, acme):
    portal_settings.save_draft(acme, {"appearance": {"company_name": "Draft Co",
                                                     "accent_color": "#7b1fa2"}}, "test")
    db.session.commit()
    page = admin.get(URL)
    assert page.status_code == 200
    fields = FormFields(page.text).data()
    assert fields["appearance.company_name"] == "Draft Co"
    # what public tickets mean for a private knowledge base is said next to the choice
    assert 'aria-describedby="features.tickets.help"' in page.text
    assert "with a private knowledge base, they can read it too" in page.text
    assert fields["appearance.accent_color"] == "#7b1fa2"
    assert fields["features.knowledge_base"] == "private"
    assert 'type="color"' in page.text and "Portal settings" in page.text
    assert "saved draft" in page.text


def test_a_refused_save_shows_every_error_and_keeps_the_input(admin, acme):
    resp = post(admin, "save", appearance__company_name="Kept Name Ltd",
                appearance__accent_color="blue", domain__allowlist="cdn.example.com\nnot a host",
                features__banner__starts_at="tomorrow")
    assert resp.status_code == 422
    text = html.unescape(resp.text)
    assert 'id="settings-errors"' in text
    for name in ("domain.allowlist", "features.banner.starts_at"):
        assert f'data-error-for="{name}"' in text, name
    fields = FormFields(resp.text).data()
    assert fields["appearance.company_name"] == "Kept Name Ltd"
    assert fields["appearance.accent_color"] == "blue"
    assert fields["domain.allowlist"].split() == ["cdn.example.com", "not", "a", "host"]
    assert not portal_settings.overview(acme)["has_draft"]
    # the checks across fields run once the document has the right shape
    resp = admin.post(URL, data={**fields, "domain.allowlist": "cdn.example.com",
                                 "features.banner.starts_at": "", "op": "save"})
    assert resp.status_code == 422
    assert 'data-error-for="appearance.accent_color"' in resp.text
    assert FormFields(resp.text).data()["appearance.accent_color"] == "blue"


def test_save_then_publish_changes_the_portal(admin, acme, client):
    resp = post(admin, "save", appearance__company_name="Saved Co")
    assert resp.status_code == 303
    assert portal_settings.draft(acme).appearance.company_name == "Saved Co"
    assert "Saved Co" not in client.get("/en-US/acme/directories").text
    resp = post(admin, "publish", appearance__company_name="Published Co",
                appearance__theme="dark")
    assert resp.status_code == 303
    db.session.expire_all()
    home = client.get("/en-US/acme/directories").text
    assert "Published Co" in home and 'data-theme="dark"' in home
    assert portal_settings.history(acme)[0]["version"] == 1


def test_discard_drops_the_draft(admin, acme):
    post(admin, "save", appearance__company_name="Throwaway")
    assert portal_settings.overview(acme)["has_draft"]
    resp = post(admin, "discard")
    assert resp.status_code == 303
    assert not portal_settings.overview(acme)["has_draft"]
    assert FormFields(admin.get(URL).text).data()["appearance.company_name"] == ""


def test_restore_puts_a_version_back_into_the_draft(admin, acme):
    post(admin, "publish", appearance__company_name="First")
    post(admin, "publish", appearance__company_name="Second")
    page = admin.get(URL)
    assert "Restore version 1" in page.text
    token = FormFields(page.text).data()["csrf_token"]
    resp = admin.post(URL + "restore/1", data={"csrf_token": token})
    assert resp.status_code == 303
    assert portal_settings.draft(acme).appearance.company_name == "First"
    assert portal_settings.published(acme).appearance.company_name == "Second"
    assert admin.post(URL + "restore/9", data={"csrf_token": token}).status_code == 404
    assert admin.post(URL + "restore/1", data={}).status_code == 400  # no CSRF token


def test_rows_are_added_moved_and_removed_without_saving(admin, acme):
    page = post(admin, "add:tabs")
    fields = FormFields(page.text)
    data = fields.data(**{"appearance.header_tabs.2.url": "https://status.example.com",
                          "appearance.header_tabs.2.label.en-US": "Status"})
    moved = admin.post(URL, data={**data, "op": "up:tabs:2"})
    kinds = [v for k, v in FormFields(moved.text).fields if k.endswith(".kind")]
    assert kinds == ["knowledge_base", "link", "tickets"]
    assert not portal_settings.overview(acme)["has_draft"]
    saved = admin.post(URL, data=FormFields(moved.text).data(op="save"))
    assert saved.status_code == 303
    tabs = portal_settings.draft(acme).appearance.header_tabs
    assert [t.kind for t in tabs] == ["knowledge_base", "link", "tickets"]
    assert tabs[1].label.as_dict() == {"en-US": "Status"}
    removed = post(admin, "remove:tabs:1")
    assert [v for k, v in FormFields(removed.text).fields if k.endswith(".kind")] == [
        "knowledge_base", "tickets"]


def preview(admin, page="home", **changes):
    fields = form_of(admin)
    return admin.post(PREVIEW, data=fields.data(**changes, op="preview", preview_page=page))


def test_the_preview_draws_the_posted_document_only(admin, acme, client):
    portal_settings.change(acme, {"appearance.company_name": "Live Co"})
    db.session.commit()
    resp = preview(admin, appearance__company_name="Preview Co",
                   appearance__accent_color="#7b1fa2", appearance__theme="dark")
    assert resp.status_code == 200
    assert resp.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'self'" in resp.headers["Content-Security-Policy"]
    assert "style-src 'self' 'sha256-" in resp.headers["Content-Security-Policy"]
    assert "Preview Co" in resp.text and 'data-theme="dark"' in resp.text
    assert "<style>" in resp.text and "#7b1fa2" in resp.text.lower()
    assert not portal_settings.overview(acme)["has_draft"]  # nothing stored
    live = client.get("/en-US/acme/directories")
    assert "Live Co" in live.text and "Preview Co" not in live.text
    assert "#7b1fa2" not in live.text.lower() and "<style>" not in live.text
    again = client.get("/en-US/acme/directories")  # a cached page is the published one
    assert "Preview Co" not in again.text


def test_the_preview_follows_the_drafts_features(admin, acme):
    """Every reader of the settings in the preview's request gets the posted document: the
    tickets setting too (public: `+ Ticket` for visitors), not only the look."""
    portal_settings.change(acme, {"features.knowledge_base": "public",
                                  "features.tickets": "private"})
    db.session.commit()
    public = preview(admin, features__tickets="public")
    assert "/en-US/acme/tickets/new" in public.text
    off = preview(admin, features__tickets="off")
    nav = off.text.split('class="main-nav"')[1].split("</nav>")[0]
    assert "Tickets" not in nav


def test_the_preview_shows_the_plug_as_the_form_sets_it(admin, acme, client):
    """The Plug of the posted document, inline (the served plug.js follows the published
    settings, where the Plug is still off), with its accent and name, allowed by hash."""
    on = preview(admin, features__plug="1", appearance__accent_color="#7b1fa2",
                 appearance__company_name="Plug </script> Co")
    assert on.status_code == 200
    script = re.search(r'<script data-locale="en-US">(.*?)</script>', on.text, re.S).group(1)
    assert "window.__helpportPlug" in script and '"slug":"acme"' in script
    assert '"name":"Plug <\\/script> Co"' in script  # cannot close the element
    assert '"accent":"#7b1fa2"' in script.lower()
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"script-src 'self' 'sha256-{digest}'" in on.headers["Content-Security-Policy"]
    assert "/plug/acme/plug.js" not in on.text
    assert client.get("/plug/acme/plug.js").status_code == 404  # nothing published
    off = preview(admin)
    assert "__helpportPlug" not in off.text
    assert "script-src 'self';" in off.headers["Content-Security-Policy"]


def test_an_invalid_preview_uses_the_saved_draft_and_says_so(admin, acme):
    post(admin, "save", appearance__company_name="Saved Draft Co")
    resp = preview(admin, appearance__company_name="Typed Co", appearance__accent_color="nope")
    assert resp.status_code == 200
    assert 'id="preview-notice"' in resp.text
    assert "Saved Draft Co" in resp.text and "Typed Co" not in resp.text


def test_preview_pages_article_and_tickets(admin, acme):
    with use_workspace(acme.id):
        articles.save(acme, locale="en-US", title="Resetting the router", body="Unplug it.",
                      status="published")
        db.session.commit()
    art = preview(admin, "article", appearance__company_name="Article Co")
    assert art.status_code == 200 and "Resetting the router" in art.text
    assert "Article Co" in art.text
    tickets = preview(admin, "tickets")
    assert tickets.status_code == 200 and "Example: invoice address change" in tickets.text
    assert preview(admin, "nope").status_code == 404
    got = admin.get(PREVIEW)
    assert got.status_code == 200 and got.headers["Cache-Control"] == "no-store"


def test_an_admin_of_another_workspace_edits_only_their_own(staff, acme, globex):
    other = staff("admin", globex)
    resp = post(other, "save", appearance__company_name="Globex Draft")
    assert resp.status_code == 303
    assert portal_settings.draft(globex).appearance.company_name == "Globex Draft"
    assert not portal_settings.overview(acme)["has_draft"]


def test_the_workspaces_view_writes_the_domain_through_the_settings(staff, acme, app):
    platform = staff(platform=True)
    page = platform.get(f"/admin/workspaceadmin/edit/{acme.id}")
    assert page.status_code == 200, page.status_code
    fields = FormFields(page.text, form_id=None)
    data = fields.data(custom_domain="Help.Acme.Example")
    resp = platform.post(page.request.path, data=data)
    assert resp.status_code == 302, resp.text[:500]
    db.session.expire_all()
    assert acme.custom_domain == "help.acme.example"
    assert portal_settings.published(acme).domain.custom_portal_url == \
        "https://help.acme.example"
    data["custom_domain"] = ""
    platform.post(page.request.path, data=data)
    db.session.expire_all()
    assert acme.custom_domain is None
    assert portal_settings.published(acme).domain.custom_portal_url == ""


def test_new_client_is_signed_out(app):
    assert new_client(app).get(URL).status_code in (302, 401, 403)


def png(size=(240, 80)) -> bytes:
    out = io.BytesIO()
    Image.new("RGBA", size, (30, 90, 200, 255)).save(out, "PNG")
    return out.getvalue()


def upload(client, image: str, data: bytes, filename: str = "logo.png"):
    token = FormFields(client.get(URL).text, form_id=f"image-{image}").data()["csrf_token"]
    return client.post(f"{URL}images/{image}", content_type="multipart/form-data",
                       data={"csrf_token": token, "file": (io.BytesIO(data), filename)})


def test_an_uploaded_logo_goes_into_the_draft_and_shows_on_the_page(admin, acme):
    page = admin.get(URL)
    assert "Uploading saves the image into the draft" in page.text
    for image in ("logo", "logo_dark", "favicon"):
        assert f'action="{URL}images/{image}"' in page.text
        assert f'name="file" form="image-{image}"' in page.text
    assert "none" in page.text
    resp = upload(admin, "logo", png())
    assert resp.status_code == 303, resp.text[:500]
    assert resp.headers["Location"].endswith(URL + "#images")
    url = portal_settings.draft(acme).appearance.logo
    assert url.startswith("/look/acme/images/") and url.endswith(".png")
    assert portal_settings.published(acme).appearance.logo == ""
    page = admin.get(URL)
    assert f'<img src="{url}" alt="The draft&#39;s logo">' in page.text
    assert "Logo uploaded into the draft" in page.text
    assert admin.get(url).status_code == 200
    icon = upload(admin, "favicon", png((48, 48)), "icon.png")
    assert icon.status_code == 303
    assert portal_settings.draft(acme).appearance.favicon.endswith(".png")
    assert portal_settings.draft(acme).appearance.logo == url


def test_a_refused_upload_is_shown_next_to_its_control(admin, acme):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    resp = upload(admin, "logo_dark", svg, "logo.svg")
    assert resp.status_code == 422
    text = html.unescape(resp.text)
    assert 'data-error-for="image.logo_dark"' in text
    assert "SVG images are not accepted" in text
    assert 'id="settings-errors"' not in text  # the settings form itself is fine
    assert FormFields(resp.text).data()["features.knowledge_base"] == "private"
    assert portal_settings.draft(acme).appearance.logo_dark == ""
    token = FormFields(resp.text, "image-logo").data()["csrf_token"]
    empty = admin.post(URL + "images/logo", content_type="multipart/form-data",
                       data={"csrf_token": token})
    assert empty.status_code == 422 and "Choose a file to upload." in empty.text
    assert admin.post(URL + "images/banner", content_type="multipart/form-data",
                      data={"csrf_token": token}).status_code == 404


def test_a_too_large_upload_says_so(admin, acme):
    token = FormFields(admin.get(URL).text, form_id="image-logo").data()["csrf_token"]
    big = FileStorage(io.BytesIO(b"\0" * (3 * 1024 * 1024)), "big.png", content_type="image/png")
    boundary, body = encode_multipart({"csrf_token": token, "file": big})  # in memory
    resp = admin.post(URL + "images/logo", data=body,
                      content_type=f"multipart/form-data; boundary={boundary}")
    assert resp.status_code == 413
    assert 'data-error-for="image.logo"' in resp.text
    assert "The image is larger than 2 MB." in resp.text
    assert portal_settings.draft(acme).appearance.logo == ""


def test_remove_clears_the_image(admin, acme):
    upload(admin, "logo", png())
    url = portal_settings.draft(acme).appearance.logo
    assert url
    token = FormFields(admin.get(URL).text, form_id="image-logo-remove").data()["csrf_token"]
    resp = admin.post(URL + "images/logo/remove", data={"csrf_token": token})
    assert resp.status_code == 303
    assert portal_settings.draft(acme).appearance.logo == ""
    page = admin.get(URL).text
    assert url not in page and "Logo removed from the draft" in page
    assert admin.post(URL + "images/logo/remove", data={}).status_code == 400  # no token


def test_an_agent_cannot_upload_or_remove(staff, acme):
    agent = staff("agent", acme)
    token = fab_csrf(agent.get("/admin/tickets/").text)
    resp = agent.post(URL + "images/logo", content_type="multipart/form-data",
                      data={"csrf_token": token, "file": (io.BytesIO(png()), "logo.png")})
    assert resp.status_code == 403
    assert agent.post(URL + "images/logo/remove", data={"csrf_token": token}).status_code == 403
    assert portal_settings.draft(acme).appearance.logo == ""


def test_banner_times_are_datetime_local_boxes_in_utc(admin, acme):
    page = admin.get(URL).text
    assert 'type="datetime-local" id="features.banner.starts_at"' in page
    assert "Shown from (UTC)" in page
    resp = post(admin, "save", features__banner__starts_at="2027-01-31T09:00",
                features__banner__ends_at="2027-02-01T17:30:15")
    assert resp.status_code == 303, resp.text[:500]
    banner = portal_settings.draft(acme).features.banner
    assert (banner.starts_at, banner.ends_at) == ("2027-01-31T09:00:00Z", "2027-02-01T17:30:15Z")
    fields = form_of(admin).data()
    assert fields["features.banner.starts_at"] == "2027-01-31T09:00"
    assert fields["features.banner.ends_at"] == "2027-02-01T17:30:15"
    # what the document holds (an offset, as the API may store it) is still accepted
    resp = post(admin, "save", features__banner__starts_at="2027-01-31T10:00:00+01:00")
    assert resp.status_code == 303
    assert portal_settings.draft(acme).features.banner.starts_at == "2027-01-31T09:00:00Z"
    assert post(admin, "save", features__banner__ends_at="2027-01-31T08:00").status_code == 422


def test_the_seo_checkbox_turns_search_engines_on(admin, acme, client):
    page = admin.get(URL)
    assert 'name="features.seo"' in page.text and "Search engines (SEO)" in page.text
    assert "features.seo" not in FormFields(page.text).data()  # off by default
    assert client.get("/en-US/acme/sitemap.xml").status_code == 404
    assert post(admin, "publish", features__seo="1").status_code == 303
    db.session.expire_all()
    assert portal_settings.published(acme).features.seo is True
    assert client.get("/en-US/acme/sitemap.xml").status_code == 200
    assert 'name="robots"' not in client.get("/en-US/acme/directories").text
    assert FormFields(admin.get(URL).text).data()["features.seo"] == "1"


def test_languages_are_chosen_on_the_page(admin, acme, client):
    page = admin.get(URL)
    assert 'name="locales.enabled" value="ar"' in page.text
    assert client.get("/de-DE/acme/directories").status_code == 200
    fields = form_of(admin)
    data = fields.data(op="publish")
    data.setlist("locales.enabled", ["en-US", "fr-FR", "ar"])
    data["locales.default"] = "de-DE"  # not one of the enabled ones: refused, kept
    refused = admin.post(URL, data=data)
    assert refused.status_code == 422
    assert 'data-error-for="locales.default"' in refused.text
    data["locales.default"] = "fr-FR"
    assert admin.post(URL, data=data).status_code == 303
    db.session.expire_all()
    assert acme.enabled_locales == ["en-US", "fr-FR", "ar"] and acme.default_locale == "fr-FR"
    assert client.get("/fr-FR/acme/directories").status_code == 200
    off = client.get("/de-DE/acme/directories")  # not offered any more: to the default
    assert off.status_code == 302 and off.location.endswith("/fr-FR/acme/directories")
    shown = admin.get(URL).text  # the hero's texts per language follow the new languages
    assert 'name="appearance.hero.welcome_text.ar"' in shown
    assert 'name="appearance.hero.welcome_text.de-DE"' not in shown
