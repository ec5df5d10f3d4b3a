"""A session's device as a person reads it ("Firefox on Windows"), from its User-Agent.

A small parser on purpose: the list of sessions needs the browser's and the system's names,
not versions or models. Order matters: Edge and Opera say "Chrome" too, Chrome says
"Safari", Android says "Linux".
"""

import re

from flask_babel import gettext as _

BROWSERS = (  # (what the User-Agent holds, the name shown)
    ("Edg", "Edge"), ("OPR/", "Opera"), ("Opera", "Opera"), ("SamsungBrowser", "Samsung Internet"),
    ("Firefox/", "Firefox"), ("FxiOS", "Firefox"), ("CriOS", "Chrome"), ("Chrome/", "Chrome"),
    ("Chromium/", "Chromium"), ("Version/", "Safari"),
)
SYSTEMS = (
    ("Windows", "Windows"), ("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iPadOS"),
    ("iPod", "iOS"), ("CrOS", "ChromeOS"), ("Macintosh", "macOS"), ("Mac OS X", "macOS"),
    ("Linux", "Linux"),
)
PRODUCT = re.compile(r"^([A-Za-z][\w.-]{0,39})/")  # curl/8.5, python-requests/2.32, ...


def _first(user_agent: str, table) -> str | None:
    return next((name for mark, name in table if mark in user_agent), None)


def browser(user_agent: str | None) -> str | None:
    if not user_agent:
        return None
    if user_agent.startswith("Mozilla/"):
        return _first(user_agent, BROWSERS)
    product = PRODUCT.match(user_agent)  # an app or a tool names itself first
    return product.group(1) if product else None


def system(user_agent: str | None) -> str | None:
    return _first(user_agent, SYSTEMS) if user_agent else None


def describe(user_agent: str | None) -> str:
    """"Firefox on Windows", "Chrome", "Linux", or "Unknown device"."""
    name, on = browser(user_agent), system(user_agent)
    if name and on:
        return _("%(browser)s on %(system)s", browser=name, system=on)
    return name or on or _("Unknown device")
