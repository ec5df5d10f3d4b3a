"""/admin/: the current workspace at a glance for its staff (open tickets by stage, opened
and solved per day, newest tickets, searches), FAB's welcome when signed out, and nothing
of another workspace."""

from datetime import UTC, datetime

from portal.services import actors, admin_home, timeline
from portal.tenancy import use_workspace
from tests.admin.conftest import new_client
from tests.factories import make_contact
from tests.tickets_helpers import open_ticket


def _tickets(acme):
    pat = make_contact(acme, "pat@acme.example")
    first = open_ticket(acme, pat, title="Acme printer jam")
    open_ticket(acme, pat, title="Acme toner empty")
    with use_workspace(acme.id):
        timeline.change(first, actors.customer(pat), stage="resolved")
    return pat


def test_staff_see_their_workspace_at_a_glance(app, acme, globex, staff):
    _tickets(acme)
    for role in ("admin", "agent"):
        html = staff(role, acme).get("/admin/").get_data(as_text=True)
        assert 'id="home-stages"' in html and "Acme toner empty" in html
        stages = html.split('id="home-stages"')[1].split("</ul>")[0]
        assert "<strong>1</strong>" in stages  # one open ticket, one resolved
        assert 'id="home-chart"' in html and "/en-US/acme/directories" in html
    other = staff("admin", globex).get("/admin/").get_data(as_text=True)
    assert "Acme toner empty" not in other and "Acme printer jam" not in other


def test_signed_out_gets_the_welcome_without_figures(app, acme):
    _tickets(acme)
    html = new_client(app).get("/admin/").get_data(as_text=True)
    assert "home-stages" not in html and "Acme toner" not in html


def test_per_day_counts_opened_and_solved(app, acme):
    _tickets(acme)
    days = admin_home.per_day(acme)
    assert len(days) == admin_home.DAYS
    assert days[-1]["day"] == datetime.now(UTC).date()
    assert sum(d["opened"] for d in days) == 2 and sum(d["solved"] for d in days) == 1
    chart = admin_home.chart(days)
    assert max(bar["height"] for bar in chart["bars"]) == chart["height"] - 20
