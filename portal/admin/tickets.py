"""Tickets > Queue and the staff ticket page.

Every change goes through portal.services.timeline with the signed-in staff member as
actor, so the pages, the staff REST API and the customer portal share one set of rules
(events, notifications, live updates). Tickets are addressed by their number in the
current workspace; a number of another workspace is a 404. Deleting one (workspace admins
only: the "delete" permission) goes through portal.services.ticket_removal.
"""

from functools import partial

from flask import flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from portal.admin.views import WorkspaceBaseView, page_route
from portal.labels import priority_label
from portal.models.ticket import PRIORITIES, STAGES
from portal.schemas.pages import AssigneeForm, QueueArgs, page_args
from portal.services import (
    actors,
    satisfaction,
    staff,
    ticket_access,
    ticket_queue,
    ticket_removal,
    timeline,
)
from portal.services import ticket_text as tt
from portal.services.errors import Invalid, ServiceError


class TicketsView(WorkspaceBaseView):
    route_base = "/tickets"
    default_view = "queue"

    # -- queue ---------------------------------------------------------------------------

    def _queue(self, unassigned: bool):
        ws = g.admin_workspace
        filters, page, error = self._filtered(unassigned)
        staff_members = ticket_queue.assignable_staff(ws)
        return self.render_template(
            "appbuilder/tickets/queue.html", page=page, filters=filters, error=error,
            unassigned_view=unassigned, staff=staff_members,
            names=ticket_queue.assignee_names(page.items, staff_members),
            accounts=ticket_queue.accounts(ws), stages=STAGES, priorities=PRIORITIES,
            sorts=ticket_queue.SORT_LABELS, stage_label=tt.staff_stage_label,
            priority_label=priority_label, next_args=self._next_args(page)), \
            422 if error else 200

    @staticmethod
    def _filtered(unassigned: bool):
        """(filters, page, error): a wrong filter in the URL shows the unfiltered queue with
        its message, so a bookmarked bad link still lands somewhere useful."""
        ws = g.admin_workspace
        try:
            filters = ticket_queue.filters_from(page_args(QueueArgs, request.args))
            filters.unassigned = filters.unassigned or unassigned
            return filters, ticket_queue.queue(ws, filters), None
        except Invalid as exc:
            filters = ticket_queue.QueueFilters(unassigned=unassigned)
            return filters, ticket_queue.queue(ws, filters), exc.message

    @staticmethod
    def _next_args(page) -> dict | None:
        if not page.next_cursor:
            return None
        args = request.args.to_dict(flat=False)
        args["after"] = [page.next_cursor]
        return args

    @page_route("/", "list")
    def queue(self):
        return self._queue(unassigned=False)

    @page_route("/unassigned", "list")
    def unassigned(self):
        return self._queue(unassigned=True)

    # -- one ticket ----------------------------------------------------------------------

    def _ticket(self, number: int):
        return ticket_access.get_for_staff(g.admin_workspace, number)  # NotFound: portal.errors

    def _page(self, ticket, *, errors=None, typed=None, status=200):
        ws = g.admin_workspace
        return self.render_template(
            "appbuilder/tickets/ticket.html", ticket=ticket,
            fields=tt.custom_fields(ticket, tt.locale_code(ws), ws.default_locale),
            thread=timeline.comments(ticket, include_internal=True, newest_first=True),
            history=list(reversed(timeline.events(ticket, include_internal=True))),
            event_text=tt.event_text, stages=STAGES, priorities=PRIORITIES,
            stage_label=tt.staff_stage_label, priority_label=priority_label,
            may_delete=self.appbuilder.sm.has_access("can_delete", self.class_permission_name),
            satisfaction=satisfaction.for_ticket(ws, ticket),
            errors=errors or {}, typed=typed or {}, **self._assignees(ticket)), status

    @staticmethod
    def _assignees(ticket) -> dict:
        """Who the assignee menu offers, and who holds the ticket (even a former member)."""
        staff_members, assignee = ticket_queue.assignee_choices(g.admin_workspace, ticket)
        names = {str(u.id): staff.staff_name(u) for u in staff_members}
        return {"staff": staff_members, "assignee": assignee, "staff_name": staff.staff_name,
                "assignee_label": lambda v: names.get(v) or _("Unassigned")}

    @page_route("/<id:number>", "show")
    def show(self, number):
        return self._page(self._ticket(number))

    def _act(self, number: int, form_name: str, change, done_message: str):
        """Run one timeline change; on a refusal show the page again with the message next
        to the form and everything typed kept."""
        ticket = self._ticket(number)
        try:
            change(ticket, actors.staff(current_user))
        except ServiceError as exc:  # services refuse before changing anything
            return self._page(ticket, errors={form_name: exc.message},
                              typed=request.form.to_dict(), status=exc.status)
        flash(done_message, "success")
        return redirect(url_for(".show", number=number), 303)

    def _act_on_field(self, number: int, form_name: str, field: str, change, done_message: str):
        """`_act` for the changes that take one form field as typed (`change(ticket, actor,
        value)`), so each of those routes says only which field and which change."""
        value = request.form.get(field, "")
        return self._act(number, form_name, lambda t, actor: change(t, actor, value),
                         done_message)

    @page_route("/<id:number>/delete", "delete", methods=["POST"])
    def delete(self, number):
        ticket = self._ticket(number)
        if request.form.get("confirm") != "yes":
            return self._page(ticket, errors={"delete": _("Tick the box to confirm.")},
                              status=422)
        ticket_removal.delete_ticket(ticket, actors.staff(current_user))
        flash(_("Ticket #%(number)s deleted.", number=number), "success")
        return redirect(url_for(".queue"), 303)

    @page_route("/<id:number>/reply", "work", methods=["POST"])
    def reply(self, number):
        return self._act_on_field(number, "reply", "body",
                                  partial(timeline.add_comment, public=True), _("Reply sent."))

    @page_route("/<id:number>/note", "work", methods=["POST"])
    def note(self, number):
        return self._act_on_field(number, "note", "note",
                                  partial(timeline.add_comment, public=False),
                                  _("Internal note added."))

    @page_route("/<id:number>/stage", "work", methods=["POST"])
    def stage(self, number):
        return self._act_on_field(number, "stage", "stage", timeline.set_stage,
                                  _("Stage updated."))

    @page_route("/<id:number>/priority", "work", methods=["POST"])
    def priority(self, number):
        return self._act_on_field(number, "priority", "priority", timeline.set_priority,
                                  _("Priority updated."))

    @page_route("/<id:number>/assignee", "work", methods=["POST"])
    def assignee(self, number):
        def change(ticket, actor):
            user_id = page_args(AssigneeForm, request.form).get("assignee")
            timeline.assign(ticket, actor, ticket_queue.assignable(g.admin_workspace, user_id))

        return self._act(number, "assignee", change, _("Assignee updated."))

    @page_route("/<id:number>/reporters", "work", methods=["POST"])
    def add_reporter(self, number):
        def change(ticket, actor, email):
            contact = ticket_queue.workspace_contact(g.admin_workspace, email=email)
            timeline.add_reporter(ticket, actor, contact)

        return self._act_on_field(number, "reporter", "email", change,
                                  _("Contact added to Reported by."))

def register_ticket_views(appbuilder) -> None:
    from flask_babel import lazy_gettext as _l

    appbuilder.add_view(TicketsView, "Queue", label=_l("Queue"), category="Tickets",
                        category_label=_l("Tickets"), icon="fa-inbox")
    appbuilder.add_link("Unassigned", href="TicketsView.unassigned", label=_l("Unassigned"),
                        category="Tickets", icon="fa-question-circle")
