"""The satisfaction survey email goes out through the real SMTP path (aiosmtpd on
loopback): one per reporter, in their language and writing direction, its signed links
opening the survey page signed out."""

import re

from portal.services import actors, timeline
from portal.tenancy import use_workspace
from tests.factories import make_contact, make_staff
from tests.jobs.support import text_and_html
from tests.tickets_helpers import open_ticket


def test_the_survey_email_is_delivered_by_smtp_and_its_link_opens(app, acme, jobs,
                                                                   smtp_server):
    pat = make_contact(acme, "pat@acme.example", name="Pat")
    layla = make_contact(acme, "layla@acme.example", name="Layla", locale="ar")
    agent = make_staff("agent@staff.example", role="agent", workspace=acme)
    ticket = open_ticket(acme, pat, "Printer on fire")
    with use_workspace(acme.id):
        timeline.add_reporter(ticket, actors.staff(agent), layla)
        timeline.set_stage(ticket, actors.staff(agent), "resolved")
    assert jobs() == 2
    by_rcpt = {m["To"]: m for m in smtp_server.messages}
    assert set(by_rcpt) == {"pat@acme.example", "layla@acme.example"}
    english, arabic = by_rcpt["pat@acme.example"], by_rcpt["layla@acme.example"]
    assert english["Subject"] == "[Acme Support] How did we do with ticket #1?"
    text, html = text_and_html(english)
    assert "Very satisfied" in text and 'dir="ltr"' in html
    _text, arabic_html = text_and_html(arabic)
    assert arabic["Content-Language"] == "ar" and 'dir="rtl"' in arabic_html
    assert "راضٍ جدًا" in arabic_html  # "Very satisfied" in Arabic
    path = re.search(r"http://portal\.test(/en-US/acme/satisfaction/[^?\s]+)\?score=5",
                     text).group(1)
    page = app.test_client().get(f"{path}?score=5")
    assert page.status_code == 200 and 'id="csat-score-5" value="5" required checked' in page.text
