"""The CSAT report for workspace admins (portal.admin.satisfaction_page): the average score
per agent (the assignee when the ticket was resolved) and per week (of the first answer,
weeks starting on Monday, UTC), over the last WEEKS weeks, with bar geometry for the
page's server-rendered SVG charts (no script, no inline style: the strict CSP holds)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.models import SatisfactionAnswer, Workspace
from portal.models.base import utcnow
from portal.services import staff

WEEKS = 12
WEEKS_MAX = 52


@dataclass
class Row:
    """One agent or one week: how many answers and their average (None without any)."""

    key: object
    label: str
    answers: int
    total: int

    @property
    def average(self) -> float | None:
        return round(self.total / self.answers, 2) if self.answers else None


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def report(ws: Workspace, weeks: int = WEEKS, today: date | None = None) -> dict:
    """{"weeks": [Row per week, oldest first, empty weeks included], "agents": [Row per
    agent, best average first], "overall": Row, "since": first day}."""
    weeks = max(1, min(int(weeks), WEEKS_MAX))
    first = _monday(today or utcnow().date()) - timedelta(weeks=weeks - 1)
    since = datetime.combine(first, time.min).replace(tzinfo=utcnow().tzinfo)
    rows = db.session.execute(
        select(SatisfactionAnswer.agent_id, SatisfactionAnswer.score,
               SatisfactionAnswer.answered_at)
        .where(SatisfactionAnswer.workspace_id == ws.id,
               SatisfactionAnswer.score.is_not(None),
               SatisfactionAnswer.answered_at >= since)).all()
    per_week = {first + timedelta(weeks=n): Row(first + timedelta(weeks=n), "", 0, 0)
                for n in range(weeks)}
    per_agent: dict = {}
    overall = Row(None, "", 0, 0)
    for agent_id, score, answered_at in rows:
        week = per_week.get(_monday(answered_at.date()))
        if week is None:
            continue
        agent = per_agent.setdefault(agent_id, Row(agent_id, "", 0, 0))
        for row in (week, agent, overall):
            row.answers += 1
            row.total += score
    for week in per_week.values():
        week.label = week.key.isoformat()
    for agent in per_agent.values():
        agent.label = staff.staff_name(staff.staff_user(agent.key)) if agent.key else ""
    agents = sorted(per_agent.values(), key=lambda r: (-r.average, r.label or "~"))
    return {"weeks": list(per_week.values()), "agents": agents, "overall": overall,
            "since": first}


def week_chart(weeks: list[Row], width: int = 600, height: int = 180) -> dict:
    """Vertical bars, one per week, scaled to the top score (5); a week without answers has
    no bar (its table row says so)."""
    step = width / max(1, len(weeks))
    bar = max(1.0, step * 0.7)
    bars = []
    for n, week in enumerate(weeks):
        if week.average is None:
            continue
        h = round(week.average / 5 * (height - 20), 1)
        bars.append({"x": round(n * step + (step - bar) / 2, 1), "y": round(height - h, 1),
                     "width": round(bar, 1), "height": h, "label": week.label,
                     "average": week.average, "answers": week.answers})
    return {"width": width, "height": height, "bars": bars}


def agent_chart(agents: list[Row], width: int = 600, row_height: int = 28) -> dict:
    """Horizontal bars, one per agent, scaled to the top score (5), the name left of each
    bar (a left column of `label_width`)."""
    label_width = 180
    span = width - label_width - 50
    bars = []
    for n, agent in enumerate(agents):
        w = round((agent.average or 0) / 5 * span, 1)
        bars.append({"y": n * row_height + 4, "text_y": n * row_height + row_height / 2 + 5,
                     "x": label_width, "width": w, "height": row_height - 8,
                     "value_x": label_width + w + 6, "label": agent.label,
                     "average": agent.average, "answers": agent.answers})
    return {"width": width, "height": max(row_height, len(agents) * row_height),
            "label_width": label_width, "bars": bars}
