"""Fixtures for email and job tests: a real SMTP server (aiosmtpd) on 127.0.0.1 that the
app sends to, or an SMTP address where nothing listens."""

import shutil

import pytest
from aiosmtpd.controller import Controller

from tests.jobs.support import Inbox, free_port


@pytest.fixture(autouse=True)
def empty_file_outbox(app):
    """Row ids restart after each test's clean-up, so old .eml names would come back."""
    shutil.rmtree(app.config["OUTBOX_DIR"], ignore_errors=True)


@pytest.fixture
def smtp_server(app):
    """A running SMTP server; the app sends to it (SMTP_URL) for the test's duration."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    previous = app.config.get("SMTP_URL")
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{controller.port}"
    try:
        yield inbox
    finally:
        app.config["SMTP_URL"] = previous
        controller.stop()


@pytest.fixture
def smtp_down(app):
    """SMTP configured, but nothing listens on its port."""
    previous = app.config.get("SMTP_URL")
    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{free_port()}"
    try:
        yield
    finally:
        app.config["SMTP_URL"] = previous
