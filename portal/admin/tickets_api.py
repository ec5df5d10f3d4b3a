"""Staff REST API for tickets: /api/v1/ticket/ (FAB JWT + `X-Workspace`).

The same actions as the ticket pages, through the same services: list with filters, one
ticket with its full thread (internal notes included: this is staff-only), reply or
internal note, stage/priority/assignee changes, adding a reporter, deleting (admins only).
Tickets are addressed by number in the `X-Workspace` workspace; another workspace's number
is a 404.
"""

from flask import g

from portal.admin.api import WorkspaceBaseApi
from portal.admin.api_base import api_route, operation
from portal.auth.staff_sessions import api_user
from portal.idempotent import FirstAnswer, idempotent
from portal.schemas.staff_api import MESSAGE, result
from portal.schemas.staff_tickets import (
    CommentWrite,
    ReporterWrite,
    StaffComment,
    TicketChange,
    TicketDetail,
    TicketQueueArgs,
    TicketSummary,
)
from portal.services import (
    actors,
    staff,
    ticket_access,
    ticket_json,
    ticket_queue,
    ticket_removal,
    timeline,
)
from portal.services import ticket_text as tt


def _assignee(user_id) -> dict | None:
    user = staff.staff_user(user_id)
    return {"id": user.id, "name": staff.staff_name(user)} if user is not None else None


STAFF = ticket_json.staff_view(stage_label=tt.staff_stage_label, assignee=_assignee,
                               custom_fields=tt.custom_fields, event_text=tt.event_text)


def detail(ticket) -> dict:
    ws = g.admin_workspace
    return ticket_json.detail(ticket, STAFF, tt.locale_code(ws), ws.default_locale)


class TicketApi(WorkspaceBaseApi):
    resource_name = "ticket"
    openapi_spec_tag = "Tickets (staff)"

    def find(self, number: int):
        return ticket_access.get_for_staff(g.admin_workspace, number)

    @api_route("/", "get")
    @operation("List tickets of the X-Workspace workspace", query=TicketQueueArgs,
               response=result(TicketSummary, many=True,
                               next={"type": "string", "nullable": True}))
    def get_list(self, args):
        """The workspace's tickets, newest activity first, keyset-paginated: pass `next`
        as `after` for the following page."""
        page = ticket_queue.queue(g.admin_workspace, ticket_queue.filters_from(args))
        return self.response(200, result=[ticket_json.summary(t, STAFF) for t in page.items],
                             next=page.next_cursor)

    @api_route("/<int:number>", "get")
    @operation("Get a ticket by number", response=result(TicketDetail), codes=[404])
    def get(self, number):
        """One ticket with its custom fields, full thread (internal notes too) and history."""
        return self.response(200, result=detail(self.find(number)))

    @api_route("/<int:number>", "delete", methods=["DELETE"])
    @operation("Delete a ticket by number", response=MESSAGE, codes=[404])
    def delete(self, number):
        """Delete a ticket for good, with its thread, history and attachments (admins)."""
        ticket_removal.delete_ticket(self.find(number), actors.staff(api_user()))
        return self.response(200, message=f"ticket {number} deleted")

    @api_route("/<int:number>/comments", "post", methods=["POST"])
    @operation("Reply to a ticket or add an internal note", body=CommentWrite,
               response=result(StaffComment), status=201, find=True)
    @idempotent
    def post_comment(self, number, row, data):
        """A public reply, or an internal note with `"internal": true`. Sent again with the
        same `Idempotency-Key` header, the first answer is replayed."""
        answer = FirstAnswer(
            lambda comment: (201, {"result": ticket_json.comment(comment, STAFF)}, {}))
        timeline.add_comment(row, actors.staff(api_user()), data["body"],
                             public=not data["internal"], before_commit=answer)
        return answer.response()

    @api_route("/<int:number>", "put", methods=["PATCH", "PUT"])
    @operation("Change a ticket's stage, priority or assignee", body=TicketChange,
               response=result(TicketDetail), find=True)
    def put(self, number, row, data):
        """Change stage, priority and/or assignee (`assignee_id: null` unassigns)."""
        assignee = timeline.KEEP
        if "assignee_id" in data:
            assignee = ticket_queue.assignable(g.admin_workspace, data["assignee_id"],
                                               field="assignee_id")
        timeline.change(row, actors.staff(api_user()), stage=data.get("stage"),
                        priority=data.get("priority"), assignee=assignee)
        return self.response(200, result=detail(row))

    @api_route("/<int:number>/reporters", "post", methods=["POST"])
    @operation("Add a contact to a ticket's Reported by", body=ReporterWrite,
               response=result(TicketDetail), find=True)
    def post_reporter(self, number, row, data):
        """Add a contact of the workspace to *Reported by* (by `contact_id` or `email`)."""
        contact = ticket_queue.workspace_contact(
            g.admin_workspace, contact_id=data.get("contact_id"), email=data.get("email"),
            field="contact_id" if "contact_id" in data else "email")
        timeline.add_reporter(row, actors.staff(api_user()), contact)
        return self.response(200, result=detail(row))


def register_ticket_api(appbuilder) -> None:
    appbuilder.add_api(TicketApi)
