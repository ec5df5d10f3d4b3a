"""The customer admin's console: the members of their own account, with their open tickets;
inviting a colleague and removing a member (portal.services.customer_account)."""

from flask import flash, g, redirect, request, url_for
from flask_babel import gettext as _

from portal.auth import invitations, sessions
from portal.auth.limits import invite_limits
from portal.services import customer_account
from portal.services.errors import Conflict, Invalid
from portal.web import bp, render_portal


def _page(form: dict | None = None, errors: dict | None = None):
    admin = customer_account.admin_of(sessions.current_contact())
    return render_portal("account.html", account=admin.account,
                         members=customer_account.members(g.workspace, admin),
                         form=form or {"email": "", "name": ""}, errors=errors or {})


@bp.get("/account")
@sessions.customer_required
def account():
    return _page()


@bp.post("/account/members")
@sessions.customer_required
@invite_limits
def invite_member():
    admin = customer_account.admin_of(sessions.current_contact())
    form = {"email": request.form.get("email", ""), "name": request.form.get("name", "")}
    try:
        invited = invitations.invite(g.workspace, admin, form["email"], form["name"],
                                          g.locale)
    except (Invalid, Conflict) as exc:
        errors = {exc.details.get("field", "email"): exc.message}
        return _page(form, errors), exc.status
    flash(_("Invitation sent to %(email)s.", email=invited.email), "success")
    return redirect(url_for(".account"))


@bp.post("/account/members/<id:member_id>/remove")
@sessions.customer_required
def remove_member(member_id):
    admin = customer_account.admin_of(sessions.current_contact())
    customer_account.remove(g.workspace, admin, member_id)
    flash(_("The member left your organisation."), "success")
    return redirect(url_for(".account"))
