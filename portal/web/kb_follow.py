"""The article page's *Subscribe* control and the one-click unsubscribe of Publish & Notify
emails (issue 14, part 4; the rules are portal.services.article_follow).

The anonymous article page is cached and the same for every visitor, so its control is a
plain link to `/articles/<slug>/subscribe`: signed out, that notes the wish in the session
and sends to sign-in with `next` back to itself, and on return (the wish found) it
subscribes and goes to the article. Any other GET of it only asks (a form that POSTs with
the CSRF token): a link from another site cannot subscribe a signed-in reader. A signed-in
page (never cached) toggles with a POST carrying the CSRF token.

An email's unsubscribe link carries a signed token: GET shows a confirm page, POST (the
page's button, or a mail client's RFC 8058 one-click POST, which has no CSRF token: the
token is the authority) removes the subscription.
"""

import time

from flask import abort, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _

from portal.auth.sessions import current_contact
from portal.extensions import csrf
from portal.services import article_follow
from portal.services.errors import NotFound
from portal.web import bp, render_portal
from portal.web.kb import kb_page, title_of


@bp.context_processor
def follow_context():
    return {"follow_state": _state}


def _state(article) -> dict | None:
    """What the article page shows: None (no control), else whether the reader is signed
    in and subscribed."""
    ws = g.get("workspace")
    if ws is None or not article_follow.offered(ws, article):
        return None
    reader = g.get("reader")
    return {"signed_in": reader is not None,
            "subscribed": article_follow.is_subscribed(ws, article, reader)}


def _followable(slug: str):
    try:
        return article_follow.followable(g.workspace, g.reader, slug)
    except NotFound:
        abort(404)


WISH = "follow_wish"  # the session's note of the article a signed-out reader subscribes to
WISH_SECONDS = 900  # a sign-in takes minutes: an older note only asks


def _wish(slug: str) -> str:
    return f"{g.workspace.id}:{slug}"


def _wished(slug: str) -> bool:
    """Whether the session noted, within WISH_SECONDS, this article's subscription (and
    forget it: one use)."""
    noted = session.pop(WISH, None)
    if not isinstance(noted, list) or len(noted) != 2 or noted[0] != _wish(slug):
        return False
    return isinstance(noted[1], int | float) and 0 <= time.time() - noted[1] <= WISH_SECONDS


@bp.get("/articles/<slug>/subscribe")
@kb_page
def article_subscribe(slug: str):
    if g.reader is None:
        session[WISH] = [_wish(slug), int(time.time())]
        return redirect(url_for(".signin", next=url_for(".article_subscribe", slug=slug)))
    found = _followable(slug)
    if not _wished(slug):
        return render_portal("kb/subscribe.html", title=_("Subscribe"), article=found,
                             article_title=title_of(found))
    article_follow.subscribe(g.workspace, found, g.reader)
    flash(_("You are subscribed to this article."), "success")
    return redirect(url_for(".article", slug=found.slug))


@bp.post("/articles/<slug>/subscription")
@kb_page
def article_subscription(slug: str):
    if g.reader is None:
        return redirect(url_for(".signin", next=url_for(".article_subscribe", slug=slug)))
    found = _followable(slug)
    if request.form.get("subscribe") == "1":
        article_follow.subscribe(g.workspace, found, g.reader)
        flash(_("You are subscribed to this article."), "success")
    else:
        article_follow.unsubscribe(g.workspace, found.id, g.reader.id)
        flash(_("You are no longer subscribed to this article."), "success")
    return redirect(url_for(".article", slug=found.slug))


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the authority (RFC 8058 one-click has no CSRF token)
def article_unsubscribe(token: str):
    try:
        article_id, contact_id = article_follow.read_token(g.workspace, token)
    except NotFound:
        abort(404)
    if request.method == "POST":
        article_follow.unsubscribe(g.workspace, article_id, contact_id)
        return render_portal("kb/unsubscribe.html", title=_("Unsubscribed"), done=True,
                             token=token)
    return render_portal("kb/unsubscribe.html", title=_("Unsubscribe"), done=False,
                         token=token, signed_in=current_contact() is not None)
