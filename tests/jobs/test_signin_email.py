"""End to end: a customer signs in through the web pages with the code from an email
that a real SMTP server (aiosmtpd) received."""

import re

from tests.conftest import csrf_from
from tests.factories import make_contact
from tests.jobs.support import text_and_html


def test_customer_signs_in_with_the_emailed_code(app, acme, globex, jobs, smtp_server):
    make_contact(acme, email="pat@customer.example", name="Pat Doe")
    make_contact(globex, email="pat@customer.example", name="Pat at Globex")
    client = app.test_client()

    page = client.get("/en-US/acme/signin")
    assert page.status_code == 200
    response = client.post("/en-US/acme/signin", data={
        "email": "pat@customer.example", "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.status_code == 302
    assert "/en-US/acme/signin/code" in response.headers["Location"]
    assert smtp_server.messages == [], "sent by the job, not by the request"

    assert jobs() == 2  # the sign-in job, then the delivery it queued
    [message] = smtp_server.messages
    assert smtp_server.envelopes[0].rcpt_tos == ["pat@customer.example"]
    assert "Acme Support" in message["From"]
    text, html = text_and_html(message)
    code = re.search(r"\b(\d{6})\b", text).group(1)
    assert code in html

    form = client.get(response.headers["Location"])
    assert form.status_code == 200
    signed_in = client.post("/en-US/acme/signin/code", data={
        "email": "pat@customer.example", "code": code,
        "csrf_token": csrf_from(form.get_data(as_text=True))})
    assert signed_in.status_code == 302

    profile = client.get("/en-US/acme/profile")
    assert profile.status_code == 200
    body = profile.get_data(as_text=True)
    assert "pat@customer.example" in body and "Pat Doe" in body
    assert "Pat at Globex" not in body

    form = client.get(response.headers["Location"])  # sign-in renewed the CSRF token
    again = client.post("/en-US/acme/signin/code", data={
        "email": "pat@customer.example", "code": code,
        "csrf_token": csrf_from(form.get_data(as_text=True))})
    assert again.status_code == 422, "a code works once"
