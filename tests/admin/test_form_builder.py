"""Settings > Ticket form: the builder edits a draft that travels with the page; only Save
stores a new version, and tickets keep the version they were created with."""

import html
import io
import json
import re

import pytest

from config import ROOT
from portal.models import Ticket
from portal.services import ticket_forms
from portal.services.errors import Conflict
from portal.tenancy import use_workspace
from tests.admin.conftest import fab_csrf, new_client
from tests.factories import login_as, make_contact
from tests.tickets_helpers import open_ticket

URL = "/admin/ticketform/"
EXAMPLE = json.loads((ROOT / "forms_schema/examples/hardware-support.json").read_text())


class Builder:
    """Drives the builder as a browser would: every post carries the page's draft."""

    def __init__(self, client):
        self.client = client
        self.page = client.get(URL)
        assert self.page.status_code == 200, self.page.status_code
        self.token = fab_csrf(self.page.text)

    @property
    def draft(self) -> dict:
        return json.loads(self.draft_text)

    @property
    def draft_text(self) -> str:
        found = re.search(r'<textarea id="draft"[^>]*>(.*?)</textarea>', self.page.text, re.S)
        return html.unescape(found.group(1))

    @property
    def editing(self) -> str:
        return re.search(r'name="editing" value="([^"]*)"', self.page.text).group(1)

    def keys(self) -> list[str]:
        return [f["key"] for f in self.draft["fields"]]

    @property
    def base_version(self) -> str:
        return re.search(r'name="base_version" value="([^"]*)"', self.page.text).group(1)

    def post(self, op, draft=None, status=200, **data):
        form = {"csrf_token": self.token, "op": op, "editing": self.editing,
                "base_version": self.base_version,
                "draft": self.draft_text if draft is None else draft, **data}
        self.page = self.client.post(URL, data=form, content_type="multipart/form-data")
        assert self.page.status_code == status, (op, self.page.status_code,
                                                 self.page.text[:500])
        if status == 303:
            self.page = self.client.get(self.page.headers["Location"])
        return self.page

    def edit(self, index, status=200, **inputs):
        """Open field `index` (or "new") in the editor, change inputs, apply."""
        self.post("add" if index == "new" else f"edit:{index}")
        assert self.editing == str(index)
        values = self.editor_inputs()
        values.update(inputs)
        return self.post("apply", status=status, **values)

    def editor_inputs(self) -> dict:
        """The editor's current values, as the browser would send them back."""
        text = self.page.text
        values = {m.group(1): html.unescape(m.group(2)) for m in re.finditer(
            r'<input id="(e_[a-zA-Z_-]+)" name="\1"[^>]*value="([^"]*)"', text)}
        for m in re.finditer(r'<textarea id="(e_\w+)"[^>]*>(.*?)</textarea>', text, re.S):
            values[m.group(1)] = html.unescape(m.group(2))
        for m in re.finditer(r'<select id="(e_\w+)"[^>]*>(.*?)</select>', text, re.S):
            chosen = re.search(r'<option value="([^"]*)" selected>', m.group(2))
            values[m.group(1)] = chosen.group(1) if chosen else ""
        if re.search(r'name="e_required" value="on" checked', text):
            values["e_required"] = "on"
        return values


def _versions(ws):
    with use_workspace(ws.id):
        return [f.version for f in ticket_forms.versions(ws)]


@pytest.fixture
def builder(staff, acme):
    return Builder(staff("admin", acme))


def test_page_shows_current_version_and_fields(builder):
    assert "Ticket form" in builder.page.text
    assert re.search(r"Current version: <strong>1</strong>", builder.page.text)
    assert builder.keys() == ["category"]
    assert 'data-key="category"' in builder.page.text


def test_add_a_field_with_labels_help_and_settings_per_locale(builder, acme):
    builder.edit("new", e_key="affected", e_type="number",
                 **{"e_label_en-US": "Affected users", "e_label_de-DE": "Betroffene",
                    "e_help_en-US": "How many?", "e_required": "on", "e_min": "1",
                    "e_max": "500", "e_default": "2"})
    field = builder.draft["fields"][-1]
    assert field == {"key": "affected", "type": "number",
                     "label": {"en-US": "Affected users", "de-DE": "Betroffene"},
                     "help": {"en-US": "How many?"}, "required": True, "min": 1, "max": 500,
                     "default": 2}
    builder.edit("new", **{"e_key": "details", "e_type": "long_text",
                           "e_label_en-US": "Details", "e_max_length": "300"})
    builder.edit("new", **{"e_key": "kind", "e_type": "multi_select",
                           "e_label_en-US": "Kind",
                           "e_options": "a | Alpha | Alfa\nb | Beta"})
    assert builder.draft["fields"][-2]["max_length"] == 300
    assert builder.draft["fields"][-1]["options"] == [
        {"value": "a", "label": {"en-US": "Alpha", "de-DE": "Alfa"}},
        {"value": "b", "label": {"en-US": "Beta"}}]
    assert 'id="draft-problems"' not in builder.page.text
    assert _versions(acme) == [1]  # a draft is not saved


def test_unreadable_editor_input_keeps_the_editor_open_with_what_was_typed(builder):
    builder.edit("new", status=422, **{"e_key": "n", "e_type": "number",
                                       "e_label_en-US": "Typed label", "e_min": "lots"})
    assert 'id="error-e_min"' in builder.page.text
    assert builder.editing == "new"
    assert 'value="Typed label"' in builder.page.text
    assert builder.keys() == ["category"]


def test_reorder_fields_up_and_down(builder):
    builder.post("json", draft=json.dumps(EXAMPLE))
    keys = [f["key"] for f in EXAMPLE["fields"]]
    builder.post("down:5")  # affected_users below platforms
    assert builder.keys()[5:7] == ["platforms", "affected_users"]
    builder.post("up:6")
    assert builder.keys() == keys
    builder.post("up:0")  # the first field stays first
    assert builder.keys() == keys


def test_edit_a_field_and_renaming_updates_references(builder):
    builder.post("json", draft=json.dumps(EXAMPLE))
    builder.edit(0, **{"e_key": "topic", "e_label_de-DE": "Thema", "e_required": ""})
    fields = builder.draft["fields"]
    assert fields[0]["key"] == "topic" and fields[0]["label"]["de-DE"] == "Thema"
    assert "required" not in fields[0]
    assert fields[1]["options_by"]["field"] == "topic"
    assert fields[3]["show_when"]["field"] == "topic"
    assert 'id="draft-problems"' not in builder.page.text


def test_remove_a_field(builder):
    builder.post("json", draft=json.dumps(EXAMPLE))
    builder.post("remove:4")
    assert "serial" not in builder.keys()
    assert len(builder.keys()) == len(EXAMPLE["fields"]) - 1
    # removing a parent leaves the draft with problems, listed, until it is fixed
    builder.post("remove:0")
    assert 'id="draft-problems"' in builder.page.text
    assert "not an earlier field" in builder.page.text


def test_set_a_condition(builder):
    builder.edit("new", **{"e_key": "blocked", "e_type": "checkbox",
                           "e_label_en-US": "Blocked"})
    builder.edit("new", **{"e_key": "why", "e_type": "text", "e_label_en-US": "Why?",
                           "e_required": "on", "e_show_field": "category",
                           "e_show_values": "problem, feature"})
    builder.edit("new", **{"e_key": "since", "e_type": "date", "e_label_en-US": "Since",
                           "e_show_field": "blocked", "e_show_values": "true"})
    fields = builder.draft["fields"]
    assert fields[2]["show_when"] == {"field": "category", "values": ["problem", "feature"]}
    assert fields[3]["show_when"] == {"field": "blocked", "values": [True]}
    assert 'id="draft-problems"' not in builder.page.text
    # the editor offers only earlier fields as the condition's parent
    builder.post("edit:1")
    offered = re.search(r'<select id="e_show_field".*?</select>', builder.page.text, re.S)
    assert 'value="category"' in offered.group(0) and 'value="why"' not in offered.group(0)


def test_dependent_options_three_levels(builder, acme):
    builder.edit(0, e_options="hardware | Hardware | Hardware\nbilling | Billing | Abrechnung")
    builder.edit("new", **{
        "e_key": "subcategory", "e_type": "single_select", "e_label_en-US": "Subcategory",
        "e_dep_field": "category",
        "e_dep_map": "[hardware]\nlaptop | Laptop\nprinter | Printer | Drucker\n"
                     "[billing]\ninvoice | Invoice | Rechnung"})
    builder.edit("new", **{
        "e_key": "item", "e_type": "single_select", "e_label_en-US": "Item",
        "e_dep_field": "subcategory",
        "e_dep_map": "[laptop]\nx1 | ThinkPad X1\nmbp | MacBook Pro\n[printer]\nlj | LaserJet"})
    fields = builder.draft["fields"]
    assert fields[1]["options_by"]["map"]["hardware"][1] == {
        "value": "printer", "label": {"en-US": "Printer", "de-DE": "Drucker"}}
    assert "options" not in fields[1]
    assert fields[2]["options_by"] == {"field": "subcategory", "map": {
        "laptop": [{"value": "x1", "label": {"en-US": "ThinkPad X1"}},
                   {"value": "mbp", "label": {"en-US": "MacBook Pro"}}],
        "printer": [{"value": "lj", "label": {"en-US": "LaserJet"}}]}}
    assert 'id="draft-problems"' not in builder.page.text
    # the editor shows the tree back in the same text form
    builder.post("edit:2")
    assert "[printer]\nlj | LaserJet" in html.unescape(builder.page.text)
    builder.post("cancel")
    builder.post("save", status=303)
    with use_workspace(acme.id):
        saved = ticket_forms.current(acme).definition
    assert [f["key"] for f in saved["fields"]] == ["category", "subcategory", "item"]


def test_option_tree_line_before_any_parent_is_refused(builder):
    builder.edit("new", status=422, **{"e_key": "sub", "e_type": "single_select",
                                       "e_label_en-US": "Sub", "e_dep_field": "category",
                                       "e_dep_map": "orphan | Orphan"})
    assert 'id="error-e_dep_map"' in builder.page.text
    assert builder.keys() == ["category"]


def _preview_html(page_text: str) -> str:
    return html.unescape(re.search(r'srcdoc="([^"]*)"', page_text).group(1))


def test_preview_renders_the_draft_as_customers_see_it(builder):
    builder.post("json", draft=json.dumps(EXAMPLE))
    frame = _preview_html(builder.page.text)
    assert '<form class="ticket-form"' in frame and "tickets.js" in frame
    assert 'data-field="subcategory"' in frame and "data-options-by=" in frame
    assert 'data-parent-value="hardware"' in frame and "data-show-when=" in frame
    assert ">Category <span class=\"required\"" in frame
    builder.post("preview", preview_locale="de-DE")
    german = _preview_html(builder.page.text)
    assert '<html lang="de-DE">' in german and "Kategorie" in german
    assert "Bestellnummer" in german and "Abrechnung" in german
    # the standalone preview (new tab) answers the same for a posted draft
    alone = builder.client.post(URL + "preview", data={
        "csrf_token": builder.token, "draft": json.dumps(EXAMPLE), "preview_locale": "de-DE"})
    assert alone.status_code == 200 and "Seriennummer" in alone.text
    broken = builder.client.post(URL + "preview", data={
        "csrf_token": builder.token, "draft": "{", "preview_locale": "en-US"})
    assert broken.status_code == 422


def test_export_current_version_and_draft(builder, acme):
    resp = builder.client.get(URL + "export")
    assert resp.status_code == 200
    assert resp.headers["Content-Disposition"] == 'attachment; filename="ticket-form-acme-v1.json"'
    with use_workspace(acme.id):
        assert json.loads(resp.text) == ticket_forms.current(acme).definition
    draft = json.dumps(EXAMPLE)
    resp = builder.client.post(URL + "export", data={"csrf_token": builder.token,
                                                     "draft": draft})
    assert resp.status_code == 200 and "draft.json" in resp.headers["Content-Disposition"]
    assert json.loads(resp.text) == EXAMPLE
    assert builder.client.get(URL + "export?version=9").status_code == 404


def test_import_a_valid_file_replaces_the_draft_only(builder, acme):
    upload = (io.BytesIO(json.dumps(EXAMPLE).encode()), "hardware.json")
    builder.post("import", file=upload)
    assert builder.draft == EXAMPLE
    assert "Imported hardware.json" in builder.page.text
    assert _versions(acme) == [1]


@pytest.mark.parametrize("content, message", [
    (b"{not json", "not valid JSON"),
    (json.dumps({"fields": [{"key": "Bad Key", "type": "text",
                             "label": {"en-US": "x"}}]}).encode(), "does not match"),
    (json.dumps({"fields": [{"key": "a", "type": "text", "label": {"en-US": "A"}},
                            {"key": "a", "type": "text", "label": {"en-US": "B"}}]}).encode(),
     "duplicate key"),
])
def test_import_an_invalid_file_is_refused_with_its_problems(builder, acme, content, message):
    before = builder.draft_text
    builder.post("import", status=422, file=(io.BytesIO(content), "broken.json"))
    refused = re.search(r'id="refused">(.*?)</div>', builder.page.text, re.S).group(1)
    assert "The file was not imported" in refused and message in html.unescape(refused)
    assert builder.draft_text == before
    assert _versions(acme) == [1]


def test_save_stores_a_new_version(builder, acme):
    builder.post("json", draft=json.dumps(EXAMPLE))
    resp = builder.client.post(URL, data={"csrf_token": builder.token, "op": "save",
                                          "editing": "", "draft": builder.draft_text})
    assert resp.status_code == 303
    page = builder.client.get(resp.headers["Location"])
    assert "Saved as version 2." in page.text
    assert re.search(r"Current version: <strong>2</strong>", page.text)
    assert _versions(acme) == [2, 1]
    with use_workspace(acme.id):
        assert ticket_forms.current(acme).definition == EXAMPLE


@pytest.mark.parametrize("draft, message", [
    ('{"fields": [', "not valid JSON"),
    (json.dumps({"fields": [{"key": "pick", "type": "single_select",
                             "label": {"en-US": "Pick"}}]}), "needs either options"),
])
def test_save_of_an_invalid_draft_shows_problems_and_saves_nothing(builder, acme, draft,
                                                                    message):
    builder.post("save", draft=draft, status=422)
    assert message in html.unescape(builder.page.text)
    assert builder.draft_text == draft  # nothing typed is lost
    assert _versions(acme) == [1]


def test_old_tickets_keep_their_form_version(app, builder, acme, db):
    contact = make_contact(acme, "pat@acme.example", name="Pat")
    ticket = open_ticket(acme, contact, "Before the change")
    with use_workspace(acme.id):
        old_form_id = ticket_forms.current(acme).id
    changed = json.loads(builder.draft_text)
    changed["fields"][0]["label"] = {"en-US": "Issue type"}
    changed["fields"][0]["options"][1]["label"] = {"en-US": "Breakage"}
    builder.post("save", draft=json.dumps(changed), status=303)
    assert _versions(acme) == [2, 1]

    db.session.expire_all()
    with use_workspace(acme.id):
        stored = db.session.get(Ticket, ticket.id)
        assert stored.form_id == old_form_id
    customer = new_client(app)
    login_as(customer, contact)
    page = customer.get(f"/en-US/acme/tickets/{ticket.number}")
    assert page.status_code == 200
    assert "Category" in page.text and "Problem" in page.text
    assert "Issue type" not in page.text and "Breakage" not in page.text
    # a ticket opened now uses the new version and its labels
    newer = open_ticket(acme, contact, "After the change")
    page = customer.get(f"/en-US/acme/tickets/{newer.number}")
    assert "Issue type" in page.text and "Breakage" in page.text


def test_agents_may_not_open_or_change_the_form(staff, acme):
    agent = staff("agent", acme)
    token = fab_csrf(agent.get("/admin/userinfoeditview/form").text)
    save = {"csrf_token": token, "op": "save", "draft": json.dumps(EXAMPLE)}
    for resp in (agent.get(URL), agent.get(URL + "export"), agent.get(URL + "preview"),
                 agent.post(URL, data=save), agent.post(URL + "export", data=save)):
        assert resp.status_code in (302, 403), resp.status_code
        if resp.status_code == 302:
            assert "/admin/login/" in resp.headers["Location"]
    assert _versions(acme) == []  # not even the default version was stored
    assert "Ticket form" not in agent.get("/admin/").text


def test_menu_entry_under_settings_for_admins(builder):
    home = builder.client.get("/admin/")
    assert 'href="/admin/ticketform/"' in home.text


def test_workspace_isolation(staff, acme, globex):
    acme_admin = Builder(staff("admin", acme))
    globex_admin = Builder(staff("admin", globex))
    globex_draft = json.loads(globex_admin.draft_text)
    globex_draft["fields"][0]["label"] = {"en-US": "Globex only"}
    globex_admin.post("save", draft=json.dumps(globex_draft), status=303)
    globex_admin.post("save", draft=json.dumps(EXAMPLE), status=303)
    assert _versions(globex) == [3, 2, 1]
    assert _versions(acme) == [1]
    page = acme_admin.client.get(URL)
    assert "Globex only" not in page.text and "Hardware" not in page.text
    assert re.search(r"Current version: <strong>1</strong>", page.text)
    assert acme_admin.client.get(URL + "export?version=2").status_code == 404



def test_a_colleagues_save_meanwhile_is_not_overwritten_silently(staff, acme):
    first = Builder(staff("admin", acme))
    second = Builder(staff("admin", acme))  # both open version 1
    second.post("json", draft=json.dumps(EXAMPLE))
    second.post("save", status=303)
    assert _versions(acme) == [2, 1]
    mine = {"fields": [{"key": "serial", "type": "text", "label": {"en-US": "Serial"}}]}
    first.post("json", draft=json.dumps(mine))
    first.post("save", status=409)
    assert "Somebody saved version 2 while you edited this draft" in first.page.text
    assert _versions(acme) == [2, 1]  # nothing stored
    assert first.draft == mine  # nothing typed lost
    assert first.base_version == "2"
    first.post("save", status=303)  # saving again is a deliberate choice: it goes in
    assert _versions(acme) == [3, 2, 1]
    with use_workspace(acme.id):
        assert ticket_forms.current(acme).definition == mine


def test_save_refuses_a_stale_base_version_in_the_service(acme):
    with use_workspace(acme.id):
        base = ticket_forms.current(acme).version
        ticket_forms.save(acme, EXAMPLE, base_version=base)
        with pytest.raises(Conflict) as caught:
            ticket_forms.save(acme, EXAMPLE, base_version=base)
        assert caught.value.details == {"newest": base + 1}
        assert ticket_forms.save(acme, EXAMPLE).version == base + 2  # no base: no check
