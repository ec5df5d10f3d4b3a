"""Sign-in helpers for tests: read the code from the outbox, sign in through the real views.

Asking for a code only queues a job (portal.auth.otp.send_code); the readers below first
work the queued jobs, as the worker would."""

import re

from flask import current_app
from sqlalchemy import select

from portal.extensions import db
from portal.models import OneTimeCode, OutboxMessage
from portal.tenancy import use_workspace
from tests.conftest import csrf_from


def work_sign_in_jobs() -> int:
    """Work the queued sign-in jobs (and the email deliveries they queue); how many ran."""
    from portal.auth.otp import SEND_QUEUE
    from portal.jobs.worker import ThreadWorker, make_worker

    worker = make_worker(current_app._get_current_object(), ThreadWorker, queues=[SEND_QUEUE])
    worker.work(burst=True, logging_level="WARNING")
    return worker.succeeded


def sent_codes(ws, email: str) -> list[str]:
    """Every code emailed to `email` in `ws`, oldest first (read from the outbox rows)."""
    work_sign_in_jobs()
    with use_workspace(ws.id):
        bodies = db.session.scalars(
            select(OutboxMessage.text_body)
            .where(OutboxMessage.to_address == email, OutboxMessage.kind == "sign_in_code")
            .order_by(OutboxMessage.id)
        ).all()
    return [re.search(r"\b(\d{6})\b", body).group(1) for body in bodies]


def last_code(ws, email: str) -> str:
    codes = sent_codes(ws, email)
    assert codes, f"no code was emailed to {email}"
    return codes[-1]


def code_rows(ws, email: str | None = None) -> list[OneTimeCode]:
    work_sign_in_jobs()
    with use_workspace(ws.id):
        stmt = select(OneTimeCode).order_by(OneTimeCode.id)
        if email:
            stmt = stmt.where(OneTimeCode.email == email)
        return list(db.session.scalars(stmt))


def outbox_count(ws) -> int:
    work_sign_in_jobs()
    with use_workspace(ws.id):
        return len(db.session.scalars(select(OutboxMessage.id)).all())


def api_sign_in(client, ws, email: str):
    """Ask for a code and verify it over the API; the verify response."""
    assert client.post(f"/api/v1/workspaces/{ws.slug}/auth/otp",
                       json={"email": email}).status_code == 202
    return client.post(f"/api/v1/workspaces/{ws.slug}/auth/otp/verify",
                       json={"email": email, "code": last_code(ws, email)})


def web_sign_in(client, ws, email: str, next_url: str | None = None, locale: str = "en-US"):
    """Sign in through the two portal forms; the response of the code form."""
    base = f"/{locale}/{ws.slug}"
    page = client.get(f"{base}/signin").get_data(as_text=True)
    data = {"email": email, "csrf_token": csrf_from(page)}
    if next_url is not None:
        data["next"] = next_url
    response = client.post(f"{base}/signin", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    data = {"email": email, "code": last_code(ws, email), "csrf_token": csrf_from(page)}
    if next_url is not None:
        data["next"] = next_url
    return client.post(f"{base}/signin/code", data=data)
