"""Portal pages: home (directories) and profile."""

from flask_babel import gettext as _

from portal.web import bp, render_portal


@bp.get("/directories")
def home():
    return render_portal("home.html", title=_("How can we help?"))
