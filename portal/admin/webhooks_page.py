"""Settings > Webhooks: admins register the URLs that receive the workspace's events
(portal.services.webhooks), see each endpoint's recent deliveries (status, attempts, response
code, time) and send one again (*Redeliver*). A new endpoint's signing secret, and a
regenerated one, is shown once: in the answer to that POST (no-store), never on a page that
can be loaded again. Every form carries FAB's CSRF token; a refusal shows the form again,
422, with the message next to the field and the input kept."""

from flask import abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.admin.views import WorkspaceBaseView, page_route
from portal.extensions import db
from portal.services import webhook_delivery, webhooks
from portal.services.errors import Invalid, NotFound

NO_STORE = {"Cache-Control": "no-store"}


def _form() -> dict:
    return {"url": request.form.get("url", "")[:webhooks.URL_MAX + 1],
            "description": request.form.get("description", "")[:webhooks.DESCRIPTION_MAX + 1],
            "events": [e for e in request.form.getlist("events") if e in webhooks.EVENTS],
            "active": request.form.get("active") == "1"}


class WebhooksView(WorkspaceBaseView):
    route_base = "/webhooks"
    default_view = "show"

    def _list(self, *, adding=None, errors=None, status=200):
        ws = g.admin_workspace
        return self.render_template(
            "appbuilder/webhooks/list.html", ws=ws, endpoints=webhooks.listing(ws),
            events=webhooks.EVENTS, errors=errors or {},
            adding=adding or {"url": "", "description": "", "events": [], "active": True},
            allow_private=webhooks.allow_private()), status

    def _endpoint(self, row, *, form=None, errors=None, secret=None, status=200):
        ws = g.admin_workspace
        body = self.render_template(
            "appbuilder/webhooks/endpoint.html", ws=ws, endpoint=row,
            form=form or webhooks.to_json(row), errors=errors or {}, secret=secret,
            events=webhooks.EVENTS, deliveries=webhook_delivery.recent(ws, row))
        return body, status, (NO_STORE if secret else {})

    def _row(self, pk: int):
        try:
            return webhooks.get(g.admin_workspace, pk)
        except NotFound:
            abort(404)

    @page_route("/", "show")
    def show(self):
        return self._list()

    @page_route("/", "edit", methods=["POST"])
    def add(self):
        form = _form()
        try:
            row, secret = webhooks.create(g.admin_workspace, **form)
        except Invalid as exc:
            db.session.rollback()
            return self._list(adding=form, errors={exc.details.get("field") or "url":
                                                   exc.message}, status=422)
        flash(_("Webhook added."), "success")
        return self._endpoint(row, secret=secret)

    @page_route("/<id:pk>", "show")
    def detail(self, pk: int):
        return self._endpoint(self._row(pk))

    @page_route("/<id:pk>", "edit", methods=["POST"])
    def change(self, pk: int):
        row, form = self._row(pk), _form()
        try:
            webhooks.update(g.admin_workspace, row, **form)
        except Invalid as exc:
            db.session.rollback()
            return self._endpoint(self._row(pk), form=form, errors={
                exc.details.get("field") or "url": exc.message}, status=422)
        flash(_("Webhook saved."), "success")
        return redirect(url_for(".detail", pk=pk), 303)

    @page_route("/<id:pk>/secret", "edit", methods=["POST"])
    def secret(self, pk: int):
        row = self._row(pk)
        secret = webhooks.regenerate_secret(g.admin_workspace, row)
        return self._endpoint(row, secret=secret)

    @page_route("/<id:pk>/delete", "edit", methods=["POST"])
    def delete(self, pk: int):
        row = self._row(pk)
        url = row.url
        webhooks.remove(g.admin_workspace, row)
        flash(_("Webhook %(url)s deleted.", url=url), "success")
        return redirect(url_for(".show"), 303)

    @page_route("/<id:pk>/deliveries/<id:delivery_id>/redeliver", "edit", methods=["POST"])
    def redeliver(self, pk: int, delivery_id: int):
        ws, row = g.admin_workspace, self._row(pk)
        delivery = webhook_delivery.get(ws, row, delivery_id)
        if delivery is None:
            abort(404)
        webhook_delivery.redeliver(ws, delivery)
        flash(_("The event will be sent again."), "success")
        return redirect(url_for(".detail", pk=pk), 303)


def register_webhooks(appbuilder) -> None:
    from portal.admin.webhooks_api import WebhookApi

    appbuilder.add_view(WebhooksView, "Webhooks", label=_l("Webhooks"), category="Settings",
                        category_label=_l("Settings"), icon="fa-plug")
    appbuilder.add_api(WebhookApi)
