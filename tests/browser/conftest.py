"""Browser tests: the session's app on a real loopback server, driven by Debian's chromium.

Never `playwright install`: the browser is the system's /usr/bin/chromium. Without it (or
without the playwright package) the tests skip with the reason, except under CI=true,
where they must run and therefore fail.
"""

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from config import ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--no-first-run"]
ARTIFACTS = ROOT / "test-artifacts"
CI = os.environ.get("CI", "").lower() == "true"


def _unavailable(reason: str):
    if CI:
        pytest.fail(f"browser tests must run in CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def live_server(app):
    """The app on 127.0.0.1:<free port>, served from a thread (the SQLite file is shared)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True, name="live-server")
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def new_page(browser):
    """`new_page(**context_options)`: a page in a fresh context that records CSP errors."""
    contexts = []

    def make(**options):
        context = browser.new_context(**options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.console_errors = []
        page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
        return page

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def shot():
    """`shot(page, name)`: a full-page screenshot in test-artifacts/ (git-ignored)."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
