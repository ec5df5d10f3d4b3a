"""The admin home: a workspace at a glance for its staff (portal.admin.home). Open tickets
by stage, tickets opened and solved per day over the last 30 days, the newest tickets (the
page adds the top search queries and those that found nothing: portal.search.analytics)."""

from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from portal.extensions import db
from portal.models import Ticket, TicketEvent, Workspace
from portal.models.base import utcnow
from portal.models.ticket import OPEN_STAGES
from portal.tenancy import use_workspace

DAYS = 30
NEWEST = 8
QUERIES = 8


def by_stage(ws: Workspace) -> list[tuple[str, int]]:
    """(stage, tickets) for each open stage, in the stages' order (zero included)."""
    with use_workspace(ws.id):
        counts = dict(db.session.execute(
            select(Ticket.stage, func.count(Ticket.id))
            .where(Ticket.stage.in_(OPEN_STAGES)).group_by(Ticket.stage)).all())
    return [(stage, counts.get(stage, 0)) for stage in OPEN_STAGES]


def per_day(ws: Workspace, today: date | None = None) -> list[dict]:
    """[{"day", "opened", "solved"}] for the last DAYS days, oldest first: tickets created
    that day, and tickets moved to resolved that day."""
    today = today or utcnow().date()
    first = today - timedelta(days=DAYS - 1)
    since = datetime.combine(first, datetime.min.time()).replace(tzinfo=utcnow().tzinfo)
    with use_workspace(ws.id):
        opened = db.session.scalars(select(Ticket.created_at)
                                    .where(Ticket.created_at >= since)).all()
        moves = db.session.execute(select(TicketEvent.created_at, TicketEvent.data)
                                   .where(TicketEvent.kind == "stage",
                                          TicketEvent.created_at >= since)).all()
    days = {first + timedelta(days=n): {"opened": 0, "solved": 0} for n in range(DAYS)}
    for moment in opened:
        if moment.date() in days:
            days[moment.date()]["opened"] += 1
    for moment, data in moves:
        if (data or {}).get("to") == "resolved" and moment.date() in days:
            days[moment.date()]["solved"] += 1
    return [{"day": day, **counts} for day, counts in days.items()]


def newest(ws: Workspace) -> list[Ticket]:
    with use_workspace(ws.id):
        return list(db.session.scalars(select(Ticket).order_by(Ticket.created_at.desc(),
                                                              Ticket.id.desc())
                                       .limit(NEWEST)))


def chart(days: list[dict], width: int = 600, height: int = 160) -> dict:
    """Bar geometry for the opened/solved chart (an inline SVG in the template): each day
    two bars scaled to the busiest day."""
    top = max([1] + [max(d["opened"], d["solved"]) for d in days])
    step = width / max(1, len(days))
    bar = max(1.0, step / 2 - 1)
    bars = []
    for n, d in enumerate(days):
        x = n * step
        for offset, key in ((0, "opened"), (bar, "solved")):
            h = round(d[key] / top * (height - 20), 1)
            bars.append({"x": round(x + offset, 1), "y": round(height - h, 1),
                         "width": round(bar, 1), "height": h, "kind": key,
                         "value": d[key], "day": d["day"]})
    return {"width": width, "height": height, "bars": bars, "top": top}
