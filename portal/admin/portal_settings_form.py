"""The Portal settings page's form and the settings document (portal.services.portal_settings):
the posted fields back into a document, and the row operations of its lists (header tabs,
footer links, social links).

Every field is named by its path in the document (`appearance.accent_color`, a row's
`appearance.header_tabs.2.url`, a text per language `appearance.hero.welcome_text.de-DE`),
so the checker's errors, named by path with list indexes dropped, are shown next to their
field or list. Parsing keeps what the admin typed as it is: a refused save shows the form
again with every value, and only the checker decides what is valid. Parts of the document
the form has no field for (images, ticket limits, texts of languages the workspace does not
offer) are taken from the draft the form was made from.

The banner's times are `datetime-local` boxes labelled UTC: a value without a zone is read
as UTC and stored in the document's form (`2027-01-31T09:00:00Z`); a value with its zone,
as the document holds, is passed on as it is for the checker.
"""

import copy
import re
from datetime import UTC, datetime

from portal.services.portal_settings_schema import MAX_LINKS, MAX_TABS

MAX_ROWS = 50  # rows read per list, whatever is posted (the checker allows fewer)
FLAGS = ("ai_search", "pdf_export", "article_subscriptions", "plug", "seo")
# list name in the form's operations -> (path, a new row)
LISTS = {
    "tabs": ("appearance.header_tabs", lambda: {"kind": "link", "label": {}, "url": ""}),
    "links": ("appearance.footer.links", lambda: {"label": {}, "url": ""}),
    "social": ("appearance.footer.social", lambda: {"network": "github", "url": ""}),
}
LIMITS = {"tabs": MAX_TABS, "links": MAX_LINKS, "social": MAX_LINKS}


def parse(form, base: dict, locales) -> dict:
    """The document the posted `form` (a MultiDict) describes, over `base` (the draft)."""
    doc = copy.deepcopy(base)
    text = _reader(form)
    features = doc.setdefault("features", {})
    features["knowledge_base"] = text("features.knowledge_base")
    features["tickets"] = text("features.tickets")
    for flag in FLAGS:
        features[flag] = f"features.{flag}" in form
    banner = features.setdefault("banner", {})
    banner.update(enabled="features.banner.enabled" in form,
                  level=text("features.banner.level"),
                  text=_localized(form, "features.banner.text", banner.get("text"), locales),
                  starts_at=moment(text("features.banner.starts_at")),
                  ends_at=moment(text("features.banner.ends_at")))
    look = doc.setdefault("appearance", {})
    look["theme"] = text("appearance.theme")
    look["company_name"] = text("appearance.company_name")
    look["accent_color"] = color(form, "appearance.accent_color")
    look["dark_accent_color"] = color(form, "appearance.dark_accent_color")
    look["header_tabs"] = [
        {"kind": text(f"{name}.kind"), "url": text(f"{name}.url").strip(),
         "label": _localized(form, f"{name}.label", old.get("label"), locales)}
        for name, old in _rows(form, "appearance.header_tabs", look.get("header_tabs"))]
    hero = look.setdefault("hero", {})
    for key in ("welcome_text", "search_placeholder"):
        hero[key] = _localized(form, f"appearance.hero.{key}", hero.get(key), locales)
    footer = look.setdefault("footer", {})
    footer["links"] = [
        {"url": text(f"{name}.url").strip(),
         "label": _localized(form, f"{name}.label", old.get("label"), locales)}
        for name, old in _rows(form, "appearance.footer.links", footer.get("links"))]
    footer["social"] = [
        {"network": text(f"{name}.network"), "url": text(f"{name}.url").strip()}
        for name, _old in _rows(form, "appearance.footer.social", footer.get("social"))]
    doc["custom_css"] = text("custom_css")
    domain = doc.setdefault("domain", {})
    domain["custom_portal_url"] = text("domain.custom_portal_url").strip()
    domain["allowlist"] = [line.strip() for line in text("domain.allowlist").splitlines()
                           if line.strip()]
    if "locales.default" in form:  # the page always posts it; a partial post keeps them
        doc["locales"] = {"enabled": form.getlist("locales.enabled")[:MAX_ROWS],
                          "default": text("locales.default")}
    return doc


def color(form, name: str) -> str:
    """A colour from its text box and its picker: the text box when the admin changed it
    (or emptied it: no dark accent), else the picker when that changed (`<name>.was` is the
    value both showed)."""
    was = form.get(f"{name}.was", "")
    typed = form.get(name, "").strip()
    picked = form.get(f"{name}.picker", "")
    if typed != was:
        return typed
    if picked and picked.lower() != (was or DEFAULT_PICKER).lower():
        return picked
    return typed


DEFAULT_PICKER = "#000000"  # what a picker shows for an empty colour
LOCAL_MOMENT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?")


def moment(value: str) -> str | None:
    """A banner time from its box: a `datetime-local` value (no zone) in UTC with `Z`;
    anything else as typed, for the checker to accept or refuse; empty: None."""
    value = value.strip()
    if not value:
        return None
    if LOCAL_MOMENT.fullmatch(value):
        return (value + ":00" if len(value) == 16 else value) + "Z"
    return value


def moment_value(value) -> str:
    """The document's time as its `datetime-local` box shows it, in UTC; a value that is
    no time (a refused one shown again) as it is."""
    if not value:
        return ""
    try:
        found = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return str(value)
    if found.tzinfo is not None:
        found = found.astimezone(UTC)
    return found.strftime("%Y-%m-%dT%H:%M:%S" if found.second else "%Y-%m-%dT%H:%M")


def operate(doc: dict, op: str) -> dict:
    """`add:tabs`, `remove:tabs:2`, `up:links:0`, `down:social:1` on the document's lists;
    anything else leaves it as it is."""
    action, _sep, rest = op.partition(":")
    which, _sep, index = rest.partition(":")
    if which not in LISTS:
        return doc
    path, new_row = LISTS[which]
    rows = _at(doc, path)
    i = int(index) if index.isdigit() else -1
    if action == "add" and len(rows) < LIMITS[which]:
        rows.append(new_row())
    elif action == "remove" and 0 <= i < len(rows):
        del rows[i]
    elif action == "up" and 0 < i < len(rows):
        rows[i - 1], rows[i] = rows[i], rows[i - 1]
    elif action == "down" and 0 <= i < len(rows) - 1:
        rows[i], rows[i + 1] = rows[i + 1], rows[i]
    return doc


def errors_under(found: dict, name: str) -> list[str]:
    """The checker's messages for `name` and everything under it."""
    return [message for key, message in found.items()
            if key == name or key.startswith(name + ".")]


def _reader(form):
    return lambda name: form.get(name, "")


def _rows(form, path: str, old) -> list[tuple[str, dict]]:
    """(field name prefix, the row it was made from) of each posted row of `path`."""
    old = old if isinstance(old, list) else []
    found = []
    for i in range(MAX_ROWS):
        name = f"{path}.{i}"
        if not any(key.startswith(name + ".") for key in form):
            break
        row = old[i] if i < len(old) and isinstance(old[i], dict) else {}
        found.append((name, row))
    return found


def _localized(form, name: str, old, locales) -> dict:
    """{locale: text} of the posted texts of `locales`; other languages' texts are kept."""
    texts = {code: value for code, value in (old or {}).items() if code not in locales} \
        if isinstance(old, dict) else {}
    for code in locales:
        texts[code] = form.get(f"{name}.{code}", "")
    return texts


def _at(doc: dict, path: str) -> list:
    part = doc
    *parents, last = path.split(".")
    for key in parents:
        part = part.setdefault(key, {})
    if not isinstance(part.get(last), list):
        part[last] = []
    return part[last]
