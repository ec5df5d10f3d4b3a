"""Staff REST API for tickets: /api/v1/ticket/ (FAB JWT + `X-Workspace`).

The same actions as the ticket pages, through the same services: list with filters, one
ticket with its full thread (internal notes included: this is staff-only), reply or
internal note, stage/priority/assignee changes, adding a reporter, deleting (admins only).
Tickets are addressed by number in the `X-Workspace` workspace; another workspace's number
is a 404.
"""

from apispec.exceptions import DuplicateComponentNameError
from flask import g, request
from flask_appbuilder.api import expose, protect, safe
from flask_appbuilder.security.decorators import permission_name
from flask_babel import gettext as _

from portal.admin import tickets_queue as tq
from portal.admin.api import WorkspaceBaseApi
from portal.admin.context import api_user
from portal.labels import priority_label
from portal.models.ticket import PRIORITIES, STAGES
from portal.services import actors, ticket_removal, tickets, timeline
from portal.services.errors import Invalid, ServiceError

CHANGEABLE = ("stage", "priority", "assignee_id")


def _when(value) -> str | None:
    return value.isoformat() if value is not None else None


def _staff(user_id) -> dict | None:
    user = tq.staff_user(user_id)
    return {"id": user.id, "name": tq.staff_name(user)} if user is not None else None


def summary(ticket) -> dict:
    return {
        "number": ticket.number,
        "title": ticket.title,
        "stage": ticket.stage,
        "stage_label": tq.staff_stage_label(ticket.stage),
        "priority": ticket.priority,
        "priority_label": priority_label(ticket.priority),
        "category": ticket.category,
        "account": ({"id": ticket.account.id, "name": ticket.account.name}
                    if ticket.account else None),
        "assignee": _staff(ticket.assignee_id),
        "created_at": _when(ticket.created_at),
        "updated_at": _when(ticket.updated_at),
    }


def comment_json(comment) -> dict:
    return {
        "id": comment.id,
        "body": comment.body,
        "public": comment.public,
        "author": comment.author_name,
        "author_kind": "staff" if comment.author_staff_id else "contact",
        "created_at": _when(comment.created_at),
    }


def detail(ticket) -> dict:
    ws = g.admin_workspace
    return {
        **summary(ticket),
        "description": ticket.description,
        "form_version": ticket.form.version if ticket.form else None,
        "custom_fields": tq.custom_fields(ticket, tq.locale_code(ws), ws.default_locale),
        "reporters": [{"id": c.id, "email": c.email, "name": c.name}
                      for c in ticket.reporters],
        "comments": [comment_json(c) for c in
                     timeline.comments(ticket, include_internal=True, newest_first=True)],
        "events": [{"id": e.id, "kind": e.kind, "public": e.public, "actor": e.actor,
                    "text": tq.event_text(e), "data": e.data or {},
                    "created_at": _when(e.created_at)}
                   for e in timeline.events(ticket, include_internal=True)],
    }


class TicketApi(WorkspaceBaseApi):
    resource_name = "ticket"
    openapi_spec_tag = "Tickets (staff)"


    def _ticket(self, number: int):
        return tickets.get_for_staff(g.admin_workspace, number)

    @expose("/", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def get_list(self):
        """The workspace's tickets, newest activity first, keyset-paginated.
        ---
        get:
          summary: List tickets of the X-Workspace workspace
          parameters:
          - {in: header, name: X-Workspace, required: true, schema: {type: string}}
          - {in: query, name: stage, schema: {type: array, items: {type: string,
             enum: [open, in_progress, awaiting_customer, resolved, closed]}},
             style: form, explode: true}
          - {in: query, name: priority, schema: {type: string,
             enum: [low, normal, high, urgent]}}
          - {in: query, name: assignee, description: staff user id, schema: {type: integer}}
          - {in: query, name: account, description: account id, schema: {type: integer}}
          - {in: query, name: unassigned, schema: {type: boolean}}
          - {in: query, name: q, description: title or number, schema: {type: string}}
          - {in: query, name: sort, schema: {type: string, enum: [updated, newest, oldest]}}
          - {in: query, name: after, description: cursor from `next`, schema: {type: string}}
          - {in: query, name: limit, schema: {type: integer, minimum: 1, maximum: 100}}
          responses:
            200:
              description: One page of tickets
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      result: {type: array, items: {type: object}}
                      next: {type: string, nullable: true}
            401: {$ref: '#/components/responses/401'}
            422: {$ref: '#/components/responses/422'}
        """
        try:
            page = tq.queue(g.admin_workspace, tq.parse_filters(request.args))
        except ServiceError as exc:
            return self._error(exc)
        return self.response(200, result=[summary(t) for t in page.items],
                             next=page.next_cursor)

    @expose("/<int:number>", methods=["GET"])
    @protect()
    @safe
    @permission_name("get")
    def get(self, number):
        """One ticket with its custom fields, full thread (internal notes too) and history.
        ---
        get:
          summary: Get a ticket by number
          parameters:
          - {in: path, name: number, required: true, schema: {type: integer}}
          - {in: header, name: X-Workspace, required: true, schema: {type: string}}
          responses:
            200:
              description: The ticket
              content:
                application/json:
                  schema: {type: object}
            401: {$ref: '#/components/responses/401'}
            404: {$ref: '#/components/responses/404'}
        """
        try:
            return self.response(200, result=detail(self._ticket(number)))
        except ServiceError as exc:
            return self._error(exc)

    @expose("/<int:number>", methods=["DELETE"])
    @protect()
    @safe
    @permission_name("delete")
    def delete(self, number):
        """Delete a ticket for good, with its thread, history and attachments (admins).
        ---
        delete:
          summary: Delete a ticket by number
          parameters:
          - {in: path, name: number, required: true, schema: {type: integer}}
          - {in: header, name: X-Workspace, required: true, schema: {type: string}}
          responses:
            200:
              description: Deleted
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      message: {type: string}
            401: {$ref: '#/components/responses/401'}
            403: {$ref: '#/components/responses/403'}
            404: {$ref: '#/components/responses/404'}
        """
        try:
            ticket_removal.delete_ticket(self._ticket(number), actors.staff(api_user()))
        except ServiceError as exc:
            return self._error(exc)
        return self.response(200, message=f"ticket {number} deleted")

    @expose("/<int:number>/comments", methods=["POST"])
    @protect()
    @safe
    @permission_name("post")
    def post_comment(self, number):
        """A public reply, or an internal note with `"internal": true`.
        ---
        post:
          summary: Reply to a ticket or add an internal note
          parameters:
          - {in: path, name: number, required: true, schema: {type: integer}}
          - {in: header, name: X-Workspace, required: true, schema: {type: string}}
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  required: [body]
                  properties:
                    body: {type: string, minLength: 1, maxLength: 20000}
                    internal: {type: boolean, default: false}
          responses:
            201:
              description: The new comment
              content:
                application/json:
                  schema: {type: object}
            401: {$ref: '#/components/responses/401'}
            404: {$ref: '#/components/responses/404'}
            422: {$ref: '#/components/responses/422'}
        """
        data = request.get_json(silent=True)
        try:
            if not isinstance(data, dict):
                raise Invalid(_("Send a JSON object."))
            internal = data.get("internal", False)
            if not isinstance(internal, bool):
                raise Invalid(_("internal must be true or false."), field="internal")
            ticket = self._ticket(number)
            comment = timeline.add_comment(ticket, actors.staff(api_user()), data.get("body"),
                                           public=not internal)
        except ServiceError as exc:
            return self._error(exc)
        return self.response(201, result=comment_json(comment))

    @expose("/<int:number>", methods=["PATCH", "PUT"])
    @protect()
    @safe
    @permission_name("put")
    def put(self, number):
        """Change stage, priority and/or assignee (`assignee_id: null` unassigns).
        ---
        patch: &change
          summary: Change a ticket's stage, priority or assignee
          parameters:
          - {in: path, name: number, required: true, schema: {type: integer}}
          - {in: header, name: X-Workspace, required: true, schema: {type: string}}
          requestBody:
            required: true
            content:
              application/json:
                schema: {$ref: '#/components/schemas/TicketChange'}
          responses:
            200:
              description: The ticket after the change
              content:
                application/json:
                  schema: {type: object}
            401: {$ref: '#/components/responses/401'}
            404: {$ref: '#/components/responses/404'}
            422: {$ref: '#/components/responses/422'}
        put: *change
        """
        data = request.get_json(silent=True)
        try:
            ticket = self._ticket(number)
            changes = self._changes(data)
            actor = actors.staff(api_user())
            # Everything is checked above, so a change is never applied halfway.
            if "stage" in changes:
                timeline.set_stage(ticket, actor, changes["stage"])
            if "priority" in changes:
                timeline.set_priority(ticket, actor, changes["priority"])
            if "assignee_id" in changes:
                timeline.assign(ticket, actor, changes["assignee"])
        except ServiceError as exc:
            return self._error(exc)
        return self.response(200, result=detail(ticket))

    @staticmethod
    def _changes(data) -> dict:
        if not isinstance(data, dict) or not data:
            raise Invalid(_("Send a JSON object with stage, priority or assignee_id."))
        unknown = sorted(set(data) - set(CHANGEABLE))
        if unknown:
            name = unknown[0][:50]
            raise Invalid(_("Unknown field: %(name)s.", name=name), field=name)
        if "stage" in data and data["stage"] not in STAGES:
            raise Invalid(_("Unknown stage."), field="stage")
        if "priority" in data and data["priority"] not in PRIORITIES:
            raise Invalid(_("Unknown priority."), field="priority")
        changes = dict(data)
        if "assignee_id" in data:
            user_id = data["assignee_id"]
            if user_id is not None and (not isinstance(user_id, int)
                                        or isinstance(user_id, bool)):
                raise Invalid(_("assignee_id must be a staff user id or null."),
                              field="assignee_id")
            changes["assignee"] = tq.assignable(g.admin_workspace, user_id)
        return changes

    @expose("/<int:number>/reporters", methods=["POST"])
    @protect()
    @safe
    @permission_name("post")
    def post_reporter(self, number):
        """Add a contact of the workspace to *Reported by* (by `contact_id` or `email`).
        ---
        post:
          summary: Add a contact to a ticket's Reported by
          parameters:
          - {in: path, name: number, required: true, schema: {type: integer}}
          - {in: header, name: X-Workspace, required: true, schema: {type: string}}
          requestBody:
            required: true
            content:
              application/json:
                schema:
                  type: object
                  properties:
                    contact_id: {type: integer}
                    email: {type: string, maxLength: 320}
          responses:
            200:
              description: The ticket after the change
              content:
                application/json:
                  schema: {type: object}
            401: {$ref: '#/components/responses/401'}
            404: {$ref: '#/components/responses/404'}
            422: {$ref: '#/components/responses/422'}
        """
        data = request.get_json(silent=True)
        try:
            if not isinstance(data, dict):
                raise Invalid(_("Send a JSON object with contact_id or email."))
            contact_id = data.get("contact_id")
            if contact_id is not None and (not isinstance(contact_id, int)
                                           or isinstance(contact_id, bool)):
                raise Invalid(_("contact_id must be a number."), field="contact_id")
            ticket = self._ticket(number)
            contact = tq.workspace_contact(g.admin_workspace, contact_id=contact_id,
                                           email=data.get("email"))
            timeline.add_reporter(ticket, actors.staff(api_user()), contact)
        except ServiceError as exc:
            return self._error(exc)
        return self.response(200, result=detail(ticket))

    def add_apispec_components(self, api_spec) -> None:
        super().add_apispec_components(api_spec)
        try:
            api_spec.components.schema("TicketChange", {
                "type": "object",
                "properties": {
                    "stage": {"type": "string", "enum": list(STAGES)},
                    "priority": {"type": "string", "enum": list(PRIORITIES)},
                    "assignee_id": {"type": "integer", "nullable": True},
                },
                "additionalProperties": False,
            })
        except DuplicateComponentNameError:
            pass


def register_ticket_api(appbuilder) -> None:
    appbuilder.add_api(TicketApi)
