"""Languages: extraction finds every string, the shipped catalogs translate all of them."""

import re

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from config import ROOT
from portal.i18n import SUPPORTED, babel_locale, normalise
from portal.i18n_cli import compile_catalogs, extract_to

TRANS_BLOCK = re.compile(r"{%-?\s*trans\b[^%]*%}(.*?){%-?\s*endtrans\s*-?%}", re.S)
JINJA_VAR = re.compile(r"{{\s*(\w+)\s*}}")
PY_CALL = re.compile(r"""\b(?:_|_l|gettext|lazy_gettext)\(\s*"([^"\\]+)"\s*[,)]""")
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


@pytest.fixture(scope="module")
def fresh_pot(tmp_path_factory):
    """What `portal i18n extract` produces from the code as it is now."""
    pot = extract_to(tmp_path_factory.mktemp("i18n") / "messages.pot")
    with pot.open("rb") as handle:
        return read_po(handle)


def catalog(code: str):
    path = ROOT / "translations" / babel_locale(code) / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        return read_po(handle, locale=babel_locale(code))


def template_roots():
    return sorted(path for path in (ROOT / "themes").glob("*/templates") if path.is_dir())


def test_extraction_finds_known_strings_from_templates_and_python(fresh_pot):
    assert "How can we help?" in fresh_pot  # themes/default/templates/home.html
    assert "Page not found" in fresh_pot  # themes/default/templates/errors/404.html
    assert "You are signed in." in fresh_pot  # portal/web/signin.py, gettext
    assert "German" in fresh_pot  # portal/i18n.py, lazy_gettext


@pytest.mark.parametrize("root", template_roots(), ids=lambda p: p.parent.name)
def test_extraction_covers_every_template_root(fresh_pot, root):
    blocks = [" ".join(JINJA_VAR.sub(r"%(\1)s", block).split())
              for path in sorted(root.rglob("*.html")) + sorted(root.rglob("*.txt"))
              for block in TRANS_BLOCK.findall(path.read_text(encoding="utf-8"))
              if "{%" not in block]
    assert blocks, f"no {{% trans %}} blocks found under {root}"
    missing = [b for b in blocks if b not in fresh_pot]
    assert not missing, f"strings under {root} not extracted: {missing}"


@pytest.mark.parametrize("root", template_roots(), ids=lambda p: p.parent.name)
def test_trans_blocks_name_variables_the_jinja_way(root):
    """Flask-Babel installs new-style gettext: inside {% trans %} a `%(name)s` is printed
    as is; `{{ name }}` is what gets replaced (and it extracts as the same msgid)."""
    wrong = [f"{path.relative_to(ROOT)}: {' '.join(block.split())[:60]}"
             for path in sorted(root.rglob("*.html")) + sorted(root.rglob("*.txt"))
             for block in TRANS_BLOCK.findall(path.read_text(encoding="utf-8"))
             if PLACEHOLDER.search(block)]
    assert not wrong, f"use {{{{ var }}}} inside trans blocks: {wrong}"


def test_extraction_covers_python_strings(fresh_pot):
    found = {}
    for path in sorted((ROOT / "portal").rglob("*.py")):
        for message in PY_CALL.findall(path.read_text(encoding="utf-8")):
            found[message] = path
    assert found, "no marked strings found in portal/"
    missing = {m: str(p.relative_to(ROOT)) for m, p in found.items() if m not in fresh_pot}
    assert not missing, f"marked in Python but not extracted: {missing}"


@pytest.mark.parametrize("code", sorted(SUPPORTED))
def test_shipped_catalog_translates_every_extracted_string(fresh_pot, code):
    """Fails when someone adds a string without running extract, update and translating it:
    run `flask --app app portal i18n extract && ... update`, translate, then `... compile`."""
    shipped = catalog(code)
    untranslated = []
    for message in fresh_pot:
        if not message.id:
            continue
        entry = shipped.get(message.id, message.context)
        strings = entry.string if entry else None
        if isinstance(strings, str):
            strings = (strings,)
        if entry is None or "fuzzy" in entry.flags or not strings or not all(strings):
            untranslated.append(message.id)
    assert not untranslated, f"{code}: untranslated or fuzzy: {untranslated}"


@pytest.mark.parametrize("code", sorted(SUPPORTED))
def test_catalog_has_no_empty_or_fuzzy_entries(code):
    bad = [m.id for m in catalog(code)
           if m.id and ("fuzzy" in m.flags or not m.string or not all(
               m.string if isinstance(m.string, tuple) else (m.string,)))]
    assert not bad


def test_german_translations_keep_their_placeholders():
    for message in catalog("de-DE"):
        if message.id and isinstance(message.id, str) and message.string:
            assert set(PLACEHOLDER.findall(message.id)) == set(
                PLACEHOLDER.findall(message.string)), message.id


def test_compile_writes_readable_catalogs(tmp_path):
    target = tmp_path / "de_DE" / "LC_MESSAGES"
    target.mkdir(parents=True)
    source = ROOT / "translations" / "de_DE" / "LC_MESSAGES" / "messages.po"
    (target / "messages.po").write_bytes(source.read_bytes())
    written = compile_catalogs(tmp_path)
    assert written == [target / "messages.mo"]
    with written[0].open("rb") as handle:
        assert read_mo(handle).get("How can we help?").string == "Wie können wir helfen?"
    assert compile_catalogs(tmp_path) == []  # up to date: nothing rewritten


@pytest.mark.parametrize("given, expected", [
    ("de-DE", "de-DE"), ("de-de", "de-DE"), ("de_DE", "de-DE"), ("de", "de-DE"),
    ("en", "en-US"), ("en-GB", "en-US"), ("fr-FR", "fr-FR"), ("fr-CA", "fr-FR"),
    ("ar-EG", "ar"), ("AR", "ar"), ("ja", "ja-JP"), ("es-MX", "es-ES"), ("pt-BR", None),
    ("", None), (None, None),
])
def test_normalise_url_locales(given, expected):
    assert normalise(given) == expected


def test_compile_command(runner):
    """`portal i18n compile` (run by `make demo`) writes every catalog's .mo."""
    result = runner.invoke(args=["portal", "i18n", "compile"])
    assert result.exit_code == 0, result.output
    assert "compiled 6 catalog(s)" in result.output
    assert (ROOT / "translations" / "de_DE" / "LC_MESSAGES" / "messages.mo").exists()
