"""`flask --app app portal i18n extract|update|compile` around Babel's own commands."""

import click
from babel.messages.frontend import CommandLineInterface

from config import ROOT
from portal.i18n import SUPPORTED, babel_locale

TRANSLATIONS = ROOT / "translations"
POT = TRANSLATIONS / "messages.pot"

i18n_cli = click.Group("i18n", help="Translation catalogs (Babel).")


def _babel(*args: str) -> None:
    CommandLineInterface().run(["pybabel", "-q", *args])


@i18n_cli.command("extract")
def extract():
    """Collect every marked string into translations/messages.pot."""
    _babel("extract", "-F", str(TRANSLATIONS / "babel.cfg"), "-k", "_l", "-k", "lazy_gettext",
           "--no-location", "--sort-output", "--project", "Helpport", "-o", str(POT), str(ROOT))
    click.echo(f"wrote {POT.relative_to(ROOT)}")


@i18n_cli.command("update")
def update():
    """Merge messages.pot into each locale's catalog (creating missing catalogs)."""
    for code in SUPPORTED:
        locale = babel_locale(code)
        po = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
        if po.exists():
            _babel("update", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", locale,
                   "--no-fuzzy-matching")
        else:
            _babel("init", "-i", str(POT), "-d", str(TRANSLATIONS), "-l", locale)
        click.echo(f"updated {po.relative_to(ROOT)}")


@i18n_cli.command("compile")
def compile_():
    """Compile the catalogs to .mo files."""
    _babel("compile", "-d", str(TRANSLATIONS), "--use-fuzzy")
    click.echo("compiled catalogs")
