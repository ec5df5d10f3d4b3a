"""Customer satisfaction (issue 15, part 4) on the portal: resolving a ticket asks each
reporter once (a row, an email in the outbox with signed links), the ticket page's form,
the signed link's page signed out (a GET changes nothing, the POST needs the CSRF token;
tampered, expired and other workspaces' tokens refused), one answer per ticket and
reporter, changeable for 7 days, then final."""

import re
import time
from datetime import timedelta

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from portal.extensions import db
from portal.models import OutboxMessage, SatisfactionAnswer
from portal.models.base import utcnow
from portal.services import actors, satisfaction, timeline
from portal.services.errors import Forbidden
from portal.tenancy import use_workspace
from tests.conftest import csrf_from
from tests.factories import login_as, make_account, make_contact, make_staff
from tests.tickets_helpers import open_ticket

PAGE = "/en-US/acme/tickets/1"
LINK = re.compile(r"http://portal\.test(/en-US/acme/satisfaction/[A-Za-z0-9_.-]+)\?score=(\d)")


@pytest.fixture
def desk(acme, globex):
    account = make_account(acme, "Acme Corp")
    pat = make_contact(acme, "pat@acme.example", name="Pat Doe", account=account)
    kim = make_contact(acme, "kim@acme.example", name="Kim Roe")
    boss = make_contact(acme, "boss@acme.example", name="Boss", account=account,
                        customer_admin=True)
    agent = make_staff("agent@staff.example", role="agent", workspace=acme)
    ticket = open_ticket(acme, pat, "Printer on fire")
    with use_workspace(acme.id):
        timeline.add_reporter(ticket, actors.staff(agent), kim)
        timeline.assign(ticket, actors.staff(agent), agent)
    return {"ticket": ticket, "pat": pat, "kim": kim, "boss": boss, "agent": agent}


def resolve(ws, ticket, agent):
    with use_workspace(ws.id):
        timeline.set_stage(ticket, actors.staff(agent), "resolved")


def surveys(ws) -> list[OutboxMessage]:
    with use_workspace(ws.id):
        return list(db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.kind == "satisfaction").order_by(OutboxMessage.to_address)))


def answers(ws) -> list[SatisfactionAnswer]:
    db.session.expire_all()
    with use_workspace(ws.id):
        return list(db.session.scalars(select(SatisfactionAnswer)
                                       .order_by(SatisfactionAnswer.contact_id)))


def link_of(mail: OutboxMessage) -> tuple[str, list[str]]:
    """(the link's path without score, the scores linked) of a survey email."""
    found = LINK.findall(mail.text_body)
    assert found and len({path for path, _ in found}) == 1, mail.text_body
    return found[0][0], [score for _, score in found]


def test_resolving_asks_each_reporter_once_by_email(desk, acme):
    resolve(acme, desk["ticket"], desk["agent"])
    mails = surveys(acme)
    assert [m.to_address for m in mails] == ["kim@acme.example", "pat@acme.example"]
    path, scores = link_of(mails[1])
    assert scores == ["1", "2", "3", "4", "5"]
    assert f'href="http://portal.test{path}?score=5"' in mails[1].html_body
    assert 'dir="ltr"' in mails[1].html_body and "Printer on fire" in mails[1].subject + \
        mails[1].text_body
    rows = answers(acme)
    assert {r.contact_id for r in rows} == {desk["pat"].id, desk["kim"].id}
    assert all(r.score is None and r.agent_id == desk["agent"].id for r in rows)
    # the customer admin sees the ticket but did not report it: not asked
    assert desk["boss"].id not in {r.contact_id for r in rows}
    # reopened and resolved again: nobody is asked a second time
    with use_workspace(acme.id):
        timeline.customer_reopen(desk["ticket"], actors.customer(desk["pat"]))
    resolve(acme, desk["ticket"], desk["agent"])
    assert len(surveys(acme)) == 2 and len(answers(acme)) == 2


def test_a_reporter_added_after_the_first_resolution_is_asked_at_the_next(desk, acme):
    resolve(acme, desk["ticket"], desk["agent"])
    late = make_contact(acme, "late@acme.example", name="Late")
    with use_workspace(acme.id):
        timeline.set_stage(desk["ticket"], actors.staff(desk["agent"]), "in_progress")
        timeline.add_reporter(desk["ticket"], actors.staff(desk["agent"]), late)
    resolve(acme, desk["ticket"], desk["agent"])
    assert [m.to_address for m in surveys(acme)] == [
        "kim@acme.example", "late@acme.example", "pat@acme.example"]


def test_the_ticket_page_asks_its_reporter_and_keeps_one_answer(desk, acme, client):
    login_as(client, desk["pat"])
    assert 'id="csat-form"' not in client.get(PAGE).text  # not resolved yet
    resolve(acme, desk["ticket"], desk["agent"])
    page = client.get(PAGE).text
    assert re.search(r'<fieldset class="csat-scale"[^>]*>\s*<legend>How satisfied', page)
    assert page.count('type="radio" name="score"') == 5 and " checked" not in page
    form = {"csrf_token": csrf_from(page), "score": "4", "comment": " Quick\r\nthanks \x07"}
    sent = client.post(f"{PAGE}/satisfaction", data=form)
    assert sent.status_code == 302 and sent.headers["Location"].endswith("#satisfaction")
    again = client.post(f"{PAGE}/satisfaction", data={**form, "score": "5", "comment": ""})
    assert again.status_code == 302
    [pat_row] = [r for r in answers(acme) if r.contact_id == desk["pat"].id]
    assert (pat_row.score, pat_row.comment) == (5, "")
    assert pat_row.updated_at >= pat_row.answered_at
    page = client.get(PAGE).text
    assert "Your answer: 5 of 5 (Very satisfied)." in page
    assert 'id="csat-score-5" value="5" required checked' in page  # the answer pre-selected
    assert "Change my answer" in page and "You can change it until" in page


def test_the_comment_is_plain_and_limited(desk, acme):
    resolve(acme, desk["ticket"], desk["agent"])
    with use_workspace(acme.id):
        row = satisfaction.submit(acme, desk["ticket"].id, desk["pat"], "3",
                                  "<b>fine</b>\u202e\r\nok\x00")
        assert row.comment == "<b>fine</b>\nok"
        for score, comment in (("0", ""), ("6", ""), ("x", ""), (None, ""), (True, ""),
                               (3, "x" * 2001), (3, ["list"])):
            with pytest.raises(satisfaction.Invalid):
                satisfaction.submit(acme, desk["ticket"].id, desk["pat"], score, comment)
    assert answers(acme)[0].comment == "<b>fine</b>\nok"


def test_non_reporters_are_refused(desk, acme, client):
    resolve(acme, desk["ticket"], desk["agent"])
    login_as(client, desk["boss"])  # sees the ticket (customer admin), was not asked
    page = client.get(PAGE).text
    assert "Printer on fire" in page and 'id="csat-form"' not in page
    refused = client.post(f"{PAGE}/satisfaction",
                          data={"csrf_token": csrf_from(page), "score": "1"})
    assert refused.status_code == 302
    assert "Only the people who reported this ticket" in client.get(PAGE).text
    with use_workspace(acme.id), pytest.raises(Forbidden):
        satisfaction.submit(acme, desk["ticket"].id, desk["boss"], 1, "")
    assert all(r.score is None for r in answers(acme))


def test_the_signed_link_works_signed_out_and_a_get_changes_nothing(desk, acme, client):
    resolve(acme, desk["ticket"], desk["agent"])
    path, _scores = link_of(surveys(acme)[1])  # pat's
    opened = client.get(f"{path}?score=2")
    assert opened.status_code == 200 and opened.headers["Referrer-Policy"] == "no-referrer"
    assert "private" in opened.headers["Cache-Control"]
    assert 'id="csat-score-2" value="2" required checked' in opened.text
    assert "Ticket #1: Printer on fire" in opened.text
    assert all(r.score is None for r in answers(acme))  # mail scanners follow links
    assert client.post(path, data={"score": "2"}).status_code == 400  # no CSRF token
    done = client.post(path, data={"csrf_token": csrf_from(opened.text), "score": "2",
                                   "comment": "Slow"})
    assert done.status_code == 200 and "Thank you for your answer." in done.text
    assert "Your answer: 2 of 5 (Dissatisfied)." in done.text
    rows = {r.contact_id: r for r in answers(acme)}
    assert (rows[desk["pat"].id].score, rows[desk["pat"].id].comment) == (2, "Slow")
    assert rows[desk["kim"].id].score is None
    # a bad score on the link's form: the form again with the message, nothing changed
    bad = client.post(path, data={"csrf_token": csrf_from(opened.text), "score": "9"})
    assert bad.status_code == 422 and "Choose a score from 1 to 5." in bad.text
    assert answers(acme)[0].score == 2


def test_tampered_expired_and_foreign_links_are_refused(desk, acme, globex, client, app):
    resolve(acme, desk["ticket"], desk["agent"])
    path, _scores = link_of(surveys(acme)[1])
    token = path.rsplit("/", 1)[1]
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.get(f"/en-US/acme/satisfaction/{tampered}").status_code == 404
    assert client.get(f"/en-US/globex/satisfaction/{token}").status_code == 404

    class MadeLongAgo(TimestampSigner):
        def get_timestamp(self):
            return int(time.time()) - 31 * 86400

    old = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt=satisfaction.SALT,
                                 signer=MadeLongAgo).dumps(
        [acme.id, desk["ticket"].id, desk["pat"].id])
    expired = client.get(f"/en-US/acme/satisfaction/{old}")
    assert expired.status_code == 410 and "This link has expired" in expired.text
    assert 'id="csat-form"' not in expired.text
    # signed for another purpose (the article unsubscribe salt): not a survey link
    other = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="article-unsubscribe").dumps(
        [acme.id, desk["ticket"].id, desk["pat"].id])
    assert client.get(f"/en-US/acme/satisfaction/{other}").status_code == 404


def test_an_answer_changes_for_seven_days_then_is_final(desk, acme, client):
    resolve(acme, desk["ticket"], desk["agent"])
    ticket_id, pat = desk["ticket"].id, desk["pat"]
    with use_workspace(acme.id):
        first = satisfaction.submit(acme, ticket_id, pat, 3, "")
        given = first.answered_at
        satisfaction.submit(acme, ticket_id, pat, 4, "better", now=given + timedelta(days=6))
        with pytest.raises(satisfaction.Final) as refused:
            satisfaction.submit(acme, ticket_id, pat, 1, "", now=given + timedelta(days=7,
                                                                                  seconds=1))
    assert "final" in refused.value.message and refused.value.status == 409
    [row] = [r for r in answers(acme) if r.contact_id == pat.id]
    assert (row.score, row.comment, row.answered_at) == (4, "better", given)
    # eight days later, on the signed link's page and on the ticket page: final, no form
    with use_workspace(acme.id):
        row.answered_at = utcnow() - timedelta(days=8)
        db.session.commit()
    path, _scores = link_of(surveys(acme)[1])
    page = client.get(path).text
    assert "Your answer is final: it could be changed for 7 days" in page
    assert 'id="csat-form"' not in page
    login_as(client, pat)
    ticket_page = client.get(PAGE).text
    assert "Your answer is final" in ticket_page and 'id="csat-form"' not in ticket_page
    refused = client.post(f"{PAGE}/satisfaction",
                          data={"csrf_token": csrf_from(ticket_page), "score": "1"})
    assert refused.status_code == 302 and answers(acme)[0].score == 4


def test_another_workspace_sees_no_answer(desk, acme, globex):
    resolve(acme, desk["ticket"], desk["agent"])
    with use_workspace(acme.id):
        satisfaction.submit(acme, desk["ticket"].id, desk["pat"], 5, "great")
    with use_workspace(globex.id):
        assert db.session.scalars(select(SatisfactionAnswer)).all() == []
        assert satisfaction.for_ticket(globex, desk["ticket"]) == []
        assert satisfaction.for_reporter(globex, desk["ticket"], desk["pat"]) is None
