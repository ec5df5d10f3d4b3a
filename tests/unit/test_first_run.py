"""The first ten minutes: `make demo PORT=8080` moves everything to that port (PORTAL_PORT,
with BASE_URL empty, is the port `make demo` serves on and the start of every absolute
link: canonical links, emails, the demo's printed URLs; BASE_URL, when set, wins; a custom
domain wins for its workspace); init-db and seed-demo print only what helps."""

import os
import subprocess

from config import ROOT, TestingConfig
from portal.services import notifications, workspaces
from tests.factories import make_contact
from tests.tickets_helpers import open_ticket


def test_an_empty_base_url_follows_the_port_from_the_environment(monkeypatch, tmp_path,
                                                                 make_app):
    monkeypatch.setenv("PORTAL_DATABASE_URL", f"sqlite:///{tmp_path / 'port.db'}")
    monkeypatch.setenv("PORTAL_PORT", "8080")
    monkeypatch.setenv("PORTAL_BASE_URL", "")
    app = make_app(TestingConfig)
    assert app.config["PORT"] == 8080
    with app.app_context():
        assert workspaces.public_base() == "http://127.0.0.1:8080"
        app.config["BASE_URL"] = "https://help.example.com/"
        assert workspaces.public_base() == "https://help.example.com"


def test_links_in_pages_and_emails_follow_the_port(app, client, acme, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", "")
    monkeypatch.setitem(app.config, "PORT", 8080)
    html = client.get("/en-US/acme/directories").get_data(as_text=True)
    assert '<link rel="canonical" href="http://127.0.0.1:8080/en-US/acme/directories">' in html
    ticket = open_ticket(acme, make_contact(acme, "kim@customer.example"))
    assert notifications.ticket_url(acme, ticket, "en-US") == \
        f"http://127.0.0.1:8080/en-US/acme/tickets/{ticket.number}"
    acme.custom_domain = "help.acme.example"
    assert notifications.ticket_url(acme, ticket, "en-US").startswith("https://help.acme.example/")


def test_make_demo_passes_the_port_to_every_step():
    env = {key: value for key, value in os.environ.items() if key != "PORTAL_PORT"}
    for args, port in ((["PORT=8080"], "8080"), ([], "5000")):  # 5000: the default
        plan = subprocess.run(["make", "-n", "demo", *args], cwd=ROOT, env=env, check=True,
                              capture_output=True, text=True).stdout
        steps = [line for line in plan.splitlines() if "flask --app app" in line]
        assert len(steps) == 4, plan
        assert all(line.startswith(f"PORTAL_PORT={port} ") for line in steps), plan
        assert f"--port {port}" in steps[-1] and f"http://127.0.0.1:{port} " in plan
        assert port == "5000" or "5000" not in plan


def test_init_db_advises_create_staff_or_seed_demo_not_flask_fab(runner, caplog):
    result = runner.invoke(args=["portal", "init-db"])
    assert result.exit_code == 0, result.output
    assert "portal create-staff" in result.output and "portal seed-demo" in result.output
    assert "flask fab" not in result.output + caplog.text
    runner.invoke(args=["portal", "seed-demo"])
    again = runner.invoke(args=["portal", "init-db"])
    assert "No staff account yet" not in again.output


def test_seed_demo_prints_lines_without_a_progress_bar(runner):
    result = runner.invoke(args=["portal", "seed-demo"])
    assert result.exit_code == 0, result.output
    assert "\r" not in result.output and "%|" not in result.output
    assert result.output.splitlines()[0].startswith("Portal:  ")
