"""Staff REST API for webhooks: /api/v1/webhook/ (FAB JWT + `X-Workspace`; workspace admins
only: portal.admin.roles).

- `GET /` -> `{"result": [endpoint, ...]}` (never a secret); `GET /<pk>` -> one;
- `POST /` with `{"url", "events", "active"?, "description"?}` -> 201
  `{"result": endpoint, "secret": "whsec_..."}`: the secret is in this answer only;
- `PUT /<pk>` changes the fields sent; `"regenerate_secret": true` answers a new `secret`;
- `DELETE /<pk>` removes the endpoint and its deliveries;
- `GET /<pk>/deliveries` -> the newest deliveries (status, attempts, response code, times);
- `POST /<pk>/deliveries/<delivery_id>/redeliver` -> 201 a new pending delivery.

The rules are portal.services.webhooks' and webhook_delivery's.
"""

from flask import g
from flask_babel import gettext as _

from portal.admin.api import WorkspaceBaseApi
from portal.admin.api_base import api_route, operation
from portal.schemas.staff_api import MESSAGE, result
from portal.schemas.staff_webhooks import DELIVERY, ENDPOINT, SECRET, WebhookCreate, WebhookWrite
from portal.services import webhook_delivery, webhooks
from portal.services.errors import NotFound


def _no_store(answer):
    answer.headers["Cache-Control"] = "no-store"
    return answer


class WebhookApi(WorkspaceBaseApi):
    resource_name = "webhook"
    openapi_spec_tag = "Webhooks (staff)"

    def find(self, pk: int):
        return webhooks.get(g.admin_workspace, pk)

    @api_route("/", "get")
    @operation("List the webhooks", response=result(ENDPOINT, many=True))
    def get_list(self):
        """Every endpoint of the X-Workspace workspace, oldest first (never their secrets)."""
        return self.response(200, result=[webhooks.to_json(row)
                                          for row in webhooks.listing(g.admin_workspace)])

    @api_route("/<int:pk>", "get")
    @operation("Get a webhook", response=result(ENDPOINT), codes=[404])
    def get(self, pk):
        """One endpoint."""
        return self.response(200, result=webhooks.to_json(self.find(pk)))

    @api_route("/", "post", methods=["POST"])
    @operation("Create a webhook", body=WebhookCreate, response=result(ENDPOINT, secret=SECRET),
               status=201)
    def post(self, data):
        """The signing secret is in this answer and nowhere else."""
        data.pop("regenerate_secret", None)
        row, secret = webhooks.create(g.admin_workspace, **data)
        return _no_store(self.response(201, result=webhooks.to_json(row), secret=secret))

    @api_route("/<int:pk>", "put", methods=["PUT", "PATCH"])
    @operation("Update a webhook", body=WebhookWrite, response=result(ENDPOINT, secret=SECRET),
               find=True)
    def put(self, pk, row, data):
        """Change the fields sent; fields left out keep their values."""
        ws = g.admin_workspace
        regenerate = data.pop("regenerate_secret", False)
        webhooks.update(ws, row, **data)
        if regenerate:
            secret = webhooks.regenerate_secret(ws, row)
            return _no_store(self.response(200, result=webhooks.to_json(row), secret=secret))
        return self.response(200, result=webhooks.to_json(row))

    @api_route("/<int:pk>", "delete", methods=["DELETE"])
    @operation("Delete a webhook", response=MESSAGE, codes=[404])
    def delete(self, pk):
        """The endpoint and its deliveries; pending ones are never sent."""
        webhooks.remove(g.admin_workspace, self.find(pk))
        return self.response(200, message="OK")

    @api_route("/<int:pk>/deliveries", "get")
    @operation("List a webhook's deliveries", response=result(DELIVERY, many=True),
               codes=[404])
    def deliveries(self, pk):
        """The newest deliveries first (at most 50)."""
        ws = g.admin_workspace
        rows = webhook_delivery.recent(ws, self.find(pk))
        return self.response(200, result=[webhook_delivery.to_json(r) for r in rows])

    @api_route("/<int:pk>/deliveries/<int:delivery_id>/redeliver", "post", methods=["POST"])
    @operation("Redeliver an event", response=result(DELIVERY), status=201, codes=[404])
    def redeliver(self, pk, delivery_id):
        """Send the delivery's event again, with the same body and event id, as a new
        delivery."""
        ws = g.admin_workspace
        row = webhook_delivery.get(ws, self.find(pk), delivery_id)
        if row is None:
            raise NotFound(_("No such delivery."))
        again = webhook_delivery.redeliver(ws, row)
        return self.response(201, result=webhook_delivery.to_json(again))
