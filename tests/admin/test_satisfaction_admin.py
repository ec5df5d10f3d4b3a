"""Customer satisfaction in the admin: each answer on its ticket's staff page, and the CSAT
report (admins only): the average per agent and per week, its SVG charts and tables."""

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from portal.extensions import db
from portal.models import SatisfactionAnswer
from portal.models.base import utcnow
from portal.services import actors, satisfaction, satisfaction_report, timeline
from portal.tenancy import use_workspace
from tests.admin.conftest import new_client, staff_login
from tests.factories import make_contact, make_staff
from tests.tickets_helpers import open_ticket

REPORT = "/admin/tickets/satisfaction/"


def _monday(moment: datetime) -> datetime:
    return datetime.combine(moment.date() - timedelta(days=moment.weekday()),
                            datetime.min.time(), tzinfo=UTC) + timedelta(hours=12)


def answered(ws, agent, score, when, comment=""):
    """A ticket assigned to `agent`, resolved, its reporter's answer given at `when`."""
    contact = make_contact(ws)
    ticket = open_ticket(ws, contact, "Help")
    with use_workspace(ws.id):
        if agent is not None:
            timeline.assign(ticket, actors.staff(agent), agent)
        timeline.set_stage(ticket, actors.staff(agent or make_staff(
            f"x{ticket.id}@staff.example", role="agent", workspace=ws)), "resolved")
        satisfaction.submit(ws, ticket.id, contact, score, comment, now=when)
    return ticket, contact


def test_report_numbers_per_agent_and_week(acme, globex):
    ada = make_staff("ada@staff.example", role="agent", workspace=acme)
    bob = make_staff("bob@staff.example", role="agent", workspace=acme)
    this_week = _monday(utcnow())
    last_week = this_week - timedelta(weeks=1)
    for agent, score, when in ((ada, 5, this_week), (ada, 4, last_week), (bob, 2, this_week),
                               (bob, 3, this_week), (None, 1, last_week)):
        answered(acme, agent, score, when)
    answered(globex, make_staff("gus@staff.example", role="agent", workspace=globex), 1,
             this_week)
    with use_workspace(acme.id):
        found = satisfaction_report.report(acme, weeks=4)
    weeks = {w.key: (w.answers, w.average) for w in found["weeks"]}
    assert weeks[this_week.date()] == (3, 3.33) and weeks[last_week.date()] == (2, 2.5)
    assert len(found["weeks"]) == 4 and sum(w.answers for w in found["weeks"]) == 5
    agents = [(a.label, a.answers, a.average) for a in found["agents"]]
    assert agents == [("ada", 2, 4.5), ("bob", 2, 2.5),
                      ("", 1, 1.0)]
    assert (found["overall"].answers, found["overall"].average) == (5, 3.0)
    # older than the period: not counted
    with use_workspace(acme.id):
        row = db.session.scalars(select(SatisfactionAnswer).where(
            SatisfactionAnswer.score == 1)).one()
        row.answered_at = this_week - timedelta(weeks=10)
        db.session.commit()
        assert satisfaction_report.report(acme, weeks=4)["overall"].answers == 4


def test_the_report_page_charts_and_tables_for_admins_only(app, acme):
    admin = make_staff("boss@staff.example", role="admin", workspace=acme)
    ada = make_staff("ada@staff.example", role="agent", workspace=acme)
    this_week = _monday(utcnow())
    answered(acme, ada, 4, this_week)
    answered(acme, ada, 2, this_week - timedelta(weeks=2))
    answered(acme, admin, 5, this_week)
    pages = staff_login(new_client(app), "boss@staff.example")
    html = pages.get(REPORT).text
    week_chart = re.search(r'<svg[^>]*id="csat-week-chart".*?</svg>', html, re.S).group(0)
    assert 'role="img"' in week_chart and "aria-label=" in week_chart
    bars = re.findall(r'<rect [^>]*height="([\d.]+)"[^>]*><title>([^<]+)</title>', week_chart)
    assert len(bars) == 2  # two weeks had answers
    heights = {title.split(":")[0]: float(h) for h, title in bars}
    assert heights[this_week.date().isoformat()] == round(4.5 / 5 * 160, 1)
    assert heights[(this_week - timedelta(weeks=2)).date().isoformat()] == round(2 / 5 * 160, 1)
    agent_chart = re.search(r'<svg[^>]*id="csat-agent-chart".*?</svg>', html, re.S).group(0)
    assert agent_chart.count("<rect ") == 2 and "<script" not in week_chart + agent_chart
    table = re.search(r'id="csat-agents-table".*?</table>', html, re.S).group(0)
    assert re.search(r"<td>boss</td><td>1</td><td>5.0</td>", table)
    assert re.search(r"<td>ada</td><td>2</td><td>3.0</td>", table)
    assert "3 answers, average score 3.67 of 5." in html
    assert 'style="' not in week_chart + agent_chart
    assert "Last 52 weeks" in pages.get(f"{REPORT}?weeks=52").text
    assert pages.get(f"{REPORT}?weeks=99999999999999999999").status_code == 200
    agent_pages = staff_login(new_client(app), "ada@staff.example")
    assert agent_pages.get(REPORT).status_code == 403


def test_each_answer_shows_on_the_ticket_page(app, acme):
    make_staff("boss@staff.example", role="admin", workspace=acme)
    ada = make_staff("ada@staff.example", role="agent", workspace=acme)
    ticket, contact = answered(acme, ada, 3, utcnow(), comment="<b>ok</b>\nthanks")
    pages = staff_login(new_client(app), "ada@staff.example")
    html = pages.get(f"/admin/tickets/{ticket.number}").text
    table = re.search(r'id="ticket-satisfaction".*?</table>', html, re.S).group(0)
    assert contact.email in table and "3 / 5" in table
    assert "&lt;b&gt;ok&lt;/b&gt;<br>thanks" in table
