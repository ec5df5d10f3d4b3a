"""Workspace settings through one typed accessor: defaults for what is missing, typed
values as stored, a bad stored value falls back to its default with one log line, and the
setter refuses bad values before anything is stored."""

import logging
from dataclasses import FrozenInstanceError

import pytest

from portal.extensions import db
from portal.models import Workspace
from portal.services import workspace_settings, workspaces
from portal.services.errors import Invalid
from portal.services.workspace_settings import DEFAULTS, for_workspace, update


def workspace(settings) -> Workspace:
    return Workspace(slug="unit", name="Unit", settings=settings)


def test_missing_settings_are_the_defaults():
    for stored in ({}, None, "not a dict", {"unknown_key": 1}):
        assert for_workspace(workspace(stored)) == DEFAULTS
    assert DEFAULTS.kb_access == "private" and DEFAULTS.tickets_enabled is True
    assert DEFAULTS.attachment_max_bytes == 10 * 1024 * 1024
    assert DEFAULTS.attachment_extensions == () and DEFAULTS.reopen_window_days == 7
    assert DEFAULTS.logo_url == ""


def test_stored_values_come_back_typed_and_frozen():
    found = for_workspace(workspace({
        "kb_access": "public", "tickets_enabled": False, "attachment_max_bytes": 2048,
        "attachment_extensions": [".PDF", ".txt"], "reopen_window_days": 0,
        "logo_url": "https://cdn.example/logo.svg"}))
    assert found.kb_access == "public" and found.tickets_enabled is False
    assert found.attachment_max_bytes == 2048 and found.reopen_window_days == 0
    assert found.attachment_extensions == (".pdf", ".txt")
    assert found.logo_url == "https://cdn.example/logo.svg"
    with pytest.raises(FrozenInstanceError):
        found.kb_access = "off"


@pytest.mark.parametrize("name, bad", [
    ("kb_access", "everyone"), ("tickets_enabled", "no"), ("tickets_enabled", 0),
    ("attachment_max_bytes", "10MB"), ("attachment_max_bytes", 0),
    ("attachment_max_bytes", True), ("attachment_extensions", ".pdf"),
    ("attachment_extensions", ["pdf"]), ("reopen_window_days", -1),
    ("reopen_window_days", 7.5), ("logo_url", "javascript:alert(1)"),
])
def test_a_bad_stored_value_falls_back_to_its_default_and_is_logged_once(name, bad, caplog):
    ws = workspace({name: bad, "kb_access": "public"} if name != "kb_access" else {name: bad})
    ws.slug = f"bad-{name}-{bad!r}"  # its own cache entry: logged here, not in another test
    with caplog.at_level(logging.WARNING, logger=workspace_settings.__name__):
        first, again = for_workspace(ws), for_workspace(ws)
    assert getattr(first, name) == getattr(DEFAULTS, name) and again == first
    if name != "kb_access":
        assert first.kb_access == "public"  # the good values stay
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1 and name in lines[0] and "using the default" in lines[0]


def test_the_setter_validates_stores_json_and_keeps_other_keys():
    ws = workspace({"kb_access": "off", "custom": "kept"})
    found = update(ws, attachment_extensions=(".PNG",), tickets_enabled=False)
    assert ws.settings == {"kb_access": "off", "custom": "kept",
                           "attachment_extensions": [".png"], "tickets_enabled": False}
    assert found.attachment_extensions == (".png",) and found.tickets_enabled is False
    before = dict(ws.settings)
    with pytest.raises(Invalid) as refused:
        update(ws, reopen_window_days=3, kb_access="everyone")
    assert refused.value.details["field"] == "kb_access"
    assert str(refused.value.message) == "kb access must be off, private or public"
    with pytest.raises(Invalid):
        update(ws, no_such_setting=1)
    assert ws.settings == before  # nothing stored from a refused update


def test_create_workspace_stores_kb_access_through_the_setter(app):
    ws = workspaces.create_workspace("unitws", "Unit WS", kb_access="public")
    assert ws.settings == {"kb_access": "public"}
    with pytest.raises(Invalid) as refused:
        workspaces.create_workspace("unitws2", "Unit WS 2", kb_access="everyone")
    assert refused.value.details["field"] == "kb_access"
    assert workspaces.by_slug("unitws2") is None


def test_the_portal_header_shows_a_valid_logo_only(client, acme):
    update(acme, logo_url="https://cdn.example/acme.svg")
    db.session.commit()
    page = client.get("/en-US/acme/directories").get_data(as_text=True)
    assert '<img class="brand-logo" src="https://cdn.example/acme.svg"' in page
    acme.settings = {**acme.settings, "logo_url": "javascript:alert(1)"}  # a hand-edited row
    db.session.commit()
    page = client.get("/en-US/acme/directories").get_data(as_text=True)
    assert "javascript:" not in page and "brand-logo" not in page
