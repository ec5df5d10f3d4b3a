"""Log lines: JSON fields of a real request's access line, the request id (taken over,
made, refused) and the same id in the log lines of the jobs the request queued."""

import json
import logging
import re

import pytest

from config import ConfigError, ProductionConfig
from portal.observability.logs import JsonFormatter, TextFormatter, configure_logging
from tests.conftest import csrf_from
from tests.factories import make_contact

HEX_ID = re.compile(r"[0-9a-f]{32}")


class Lines(logging.Handler):
    """Records and their formatted lines, as the deployment's handler would write them."""

    def __init__(self, formatter):
        super().__init__(logging.DEBUG)
        self.setFormatter(formatter)
        self.records, self.lines = [], []

    def emit(self, record):
        self.records.append(record)
        self.lines.append(self.format(record))

    def json(self) -> list[dict]:
        return [json.loads(line) for line in self.lines]


@pytest.fixture
def json_lines():
    """A JSON handler on the root logger, where the portal's handler sits."""
    handler = Lines(JsonFormatter())
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)


def access_lines(handler) -> list[dict]:
    return [entry for entry in handler.json() if entry["logger"] == "portal.access"]


def test_a_request_writes_one_json_access_line(client, acme, json_lines):
    response = client.get("/en-US/acme/directories", headers={"X-Request-ID": "lb-7.A_b"})
    assert response.status_code == 200
    [line] = access_lines(json_lines)
    assert line["level"] == "INFO"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["time"])
    assert line["request_id"] == "lb-7.A_b"
    assert line["workspace"] == "acme"
    assert line["route"] == "/<locale>/<workspace>/directories"
    assert line["method"] == "GET"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert "/en-US/acme" not in json_lines.lines[-1], "the URL rule, never the path"


def test_the_route_hides_ids_and_addresses_in_the_path(client, acme, json_lines):
    client.get("/en-US/acme/tickets/12345")
    client.get("/en-US/acme/nobody@example.com/x/y")
    lines = "\n".join(json_lines.lines)
    assert "12345" not in lines and "nobody@example.com" not in lines
    routes = [line["route"] for line in access_lines(json_lines)]
    assert routes[0] == "/<locale>/<workspace>/tickets/<id:number>"
    assert routes[1] is None  # no rule matched: a 404


def test_an_exception_is_one_line_with_exc_info_as_text(app, json_lines):
    with app.test_request_context("/en-US/acme/tickets"):
        try:
            int("not a number")
        except ValueError:
            logging.getLogger("portal.test").exception("it broke")
    [line] = [line for line in json_lines.lines if "it broke" in line]
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["level"] == "ERROR" and entry["logger"] == "portal.test"
    assert "Traceback" in entry["exc_info"] and "ValueError" in entry["exc_info"]
    assert entry["method"] == "GET" and entry["route"] == "/<locale>/<workspace>/tickets"


def test_a_sane_request_id_is_taken_over_and_echoed(client):
    response = client.get("/", headers={"X-Request-ID": "a" * 128})
    assert response.headers["X-Request-ID"] == "a" * 128


def test_without_a_request_id_one_is_made(client):
    first = client.get("/").headers["X-Request-ID"]
    second = client.get("/").headers["X-Request-ID"]
    assert HEX_ID.fullmatch(first) and HEX_ID.fullmatch(second) and first != second


@pytest.mark.parametrize("bad", ["a" * 129, "has space", "quote\"d", "semi;colon", "ümlaut"])
def test_an_insane_request_id_is_replaced(client, bad, json_lines):
    response = client.get("/", headers={"X-Request-ID": bad})
    made = response.headers["X-Request-ID"]
    assert HEX_ID.fullmatch(made)
    [line] = access_lines(json_lines)
    assert line["request_id"] == made


def test_health_checks_and_metrics_have_no_access_line_unless_asked(client, app, json_lines,
                                                                      monkeypatch):
    client.get("/metrics")
    assert access_lines(json_lines) == []
    monkeypatch.setitem(app.config, "LOG_HEALTH_CHECKS", True)
    client.get("/metrics")
    assert [line["route"] for line in access_lines(json_lines)] == ["/metrics"]


def test_jobs_a_request_queued_log_its_request_id(app, acme, jobs, json_lines):
    make_contact(acme, email="pat@customer.example")
    client = app.test_client()
    page = client.get("/en-US/acme/signin")
    response = client.post("/en-US/acme/signin", headers={"X-Request-ID": "signin-42"}, data={
        "email": "pat@customer.example", "csrf_token": csrf_from(page.text)})
    assert response.status_code == 302
    assert response.headers["X-Request-ID"] == "signin-42"
    assert jobs() == 2  # the sign-in job, then the email delivery it queued
    ended = [e for e in json_lines.json() if e["logger"] == "portal.jobs"]
    assert [e["job_func"] for e in ended] == ["portal.auth.otp.send_code",
                                              "portal.jobs.tasks.deliver_email"]
    assert {e["request_id"] for e in ended} == {"signin-42"}
    assert all(e["outcome"] == "succeeded" and e["job_id"] for e in ended)
    assert ended[1]["job_id"].startswith("email-")


def test_text_lines_stay_readable_with_the_request_id(client):
    handler = Lines(TextFormatter())
    logging.getLogger("portal.access").addHandler(handler)
    try:
        client.get("/", headers={"X-Request-ID": "abc"})
    finally:
        logging.getLogger("portal.access").removeHandler(handler)
    [line] = handler.lines
    assert re.fullmatch(r"\[[-\d :,]+\] INFO in \w+: GET / 200 [\d.]+ ms \[request abc\]", line)


def test_the_format_is_chosen_by_setting(app, monkeypatch):
    def root_formatter():
        [handler] = [h for h in logging.getLogger().handlers if getattr(h, "helpport", False)]
        return handler.formatter

    assert ProductionConfig.LOG_FORMAT == "json"
    assert app.config["LOG_FORMAT"] == "text"
    # the root logger is the process's: an app another test built in this process (with
    # its own LOG_FORMAT) configured it last, so configure it from this app first
    configure_logging(app)
    assert isinstance(root_formatter(), TextFormatter)
    try:
        monkeypatch.setitem(app.config, "LOG_FORMAT", "json")
        monkeypatch.setitem(app.config, "LOG_LEVEL", "warning")
        configure_logging(app)
        assert isinstance(root_formatter(), JsonFormatter)
        assert logging.getLogger("portal").level == logging.WARNING
        monkeypatch.setitem(app.config, "LOG_FORMAT", "xml")
        with pytest.raises(ConfigError):
            configure_logging(app)
    finally:
        monkeypatch.undo()
        configure_logging(app)
    assert isinstance(root_formatter(), TextFormatter)
    assert logging.getLogger("portal").level == logging.INFO
