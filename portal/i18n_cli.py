"""`flask --app app portal i18n extract|update|compile` around Babel's own machinery.

The functions take their paths as arguments so that tests can extract into a temporary
folder and compare the result with the shipped catalogs.
"""

import os
import tempfile
from pathlib import Path

import click
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from config import ROOT
from portal.i18n import SUPPORTED, babel_locale

TRANSLATIONS = ROOT / "translations"
POT = TRANSLATIONS / "messages.pot"
KEYWORDS = ("_l", "lazy_gettext")

i18n_cli = click.Group("i18n", help="Translation catalogs (Babel).")


def _babel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


def extract_to(pot: Path, source_root: Path = ROOT) -> Path:
    """Collect every marked string under `source_root` (rules in babel.cfg) into `pot`."""
    keywords = [arg for kw in KEYWORDS for arg in ("-k", kw)]
    _babel("extract", "-F", str(TRANSLATIONS / "babel.cfg"), *keywords, "--no-location",
           "--sort-output", "--project", "Helpport", "-o", str(pot), str(source_root))
    return pot


def update_catalogs(pot: Path = POT, directory: Path = TRANSLATIONS) -> list[Path]:
    """Merge `pot` into each supported locale's catalog, creating missing catalogs."""
    written = []
    for code in SUPPORTED:
        locale = babel_locale(code)
        po = directory / locale / "LC_MESSAGES" / "messages.po"
        if po.exists():
            _babel("update", "-i", str(pot), "-d", str(directory), "-l", locale,
                   "--no-fuzzy-matching", "--ignore-obsolete")
        else:
            _babel("init", "-i", str(pot), "-d", str(directory), "-l", locale)
        written.append(po)
    return written


def compile_catalogs(directory: Path = TRANSLATIONS, force: bool = False) -> list[Path]:
    """Write each catalog's .mo next to it, skipping those already newer than their .po.

    The file is written under a temporary name and renamed, so a test run or a web
    process reading the catalog at the same moment never sees half a file.
    """
    written = []
    for po in sorted(directory.glob("*/LC_MESSAGES/messages.po")):
        mo = po.with_suffix(".mo")
        if not force and mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as handle:
            catalog = read_po(handle, locale=po.parent.parent.name)
        for target in (mo, _language_only(directory, po)):
            if target is None:
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".messages-", suffix=".mo")
            with os.fdopen(fd, "wb") as handle:
                write_mo(handle, catalog)
            os.replace(tmp, target)
        written.append(mo)
    return written


def _language_only(directory: Path, po: Path) -> Path | None:
    """The admin (Flask-AppBuilder) asks for `de`, the portal for `de_DE`: the one catalog of
    a language also serves the bare language code (compiled only, never a second .po)."""
    locale = po.parent.parent.name
    if "_" not in locale:
        return None
    language = locale.split("_")[0]
    if language == "en" or (directory / language / "LC_MESSAGES" / "messages.po").exists():
        return None
    return directory / language / "LC_MESSAGES" / "messages.mo"


@i18n_cli.command("extract")
def extract():
    """Collect every marked string into translations/messages.pot."""
    extract_to(POT)
    click.echo(f"wrote {POT.relative_to(ROOT)}")


@i18n_cli.command("update")
def update():
    """Merge messages.pot into each locale's catalog (creating missing catalogs)."""
    for po in update_catalogs():
        click.echo(f"updated {po.relative_to(ROOT)}")


@i18n_cli.command("compile")
def compile_():
    """Compile the catalogs to .mo files (git-ignored; `make demo` and the tests run this)."""
    written = compile_catalogs(force=True)
    click.echo(f"compiled {len(written)} catalog(s)")
