"""One-time codes: the rules of portal.auth.otp, driven through the service itself."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal.auth import otp
from portal.extensions import db
from portal.models import Contact
from portal.services.errors import Invalid
from portal.tenancy import use_workspace
from tests.codes import code_rows, last_code, outbox_count, sent_codes, work_sign_in_jobs
from tests.factories import make_account, make_contact

EMAIL = "pat@customer.example"


def ask(ws, email=EMAIL):
    """Ask for a code and let the worker do the queued job."""
    with use_workspace(ws.id):
        otp.request_code(ws, email, "en-US")
    work_sign_in_jobs()


def verify(ws, code, email=EMAIL):
    with use_workspace(ws.id):
        return otp.verify_code(ws, email, code)


def wrong_code(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_code_is_six_digits_emailed_and_stored_only_as_a_digest(acme):
    make_contact(acme, EMAIL)
    ask(acme)
    code = last_code(acme, EMAIL)
    assert len(code) == 6 and code.isdigit()
    [row] = code_rows(acme, EMAIL)
    assert code not in row.code_hash and len(row.code_hash) == 64
    every_row = select(*row.__table__.columns).execution_options(all_workspaces=True)
    table = db.session.execute(every_row).all()
    assert not any(code in str(value) for line in table for value in line)
    assert (row.expires_at - row.created_at) == timedelta(minutes=10)


def test_right_code_signs_in_once(acme):
    contact = make_contact(acme, EMAIL, verified=False)
    ask(acme)
    code = last_code(acme, EMAIL)
    assert verify(acme, code).id == contact.id
    assert contact.verified is True
    with pytest.raises(Invalid) as reused:
        verify(acme, code)
    assert reused.value.details["field"] == "code"


def test_code_is_checked_with_compare_digest(acme, monkeypatch):
    """Spy (calls through) on the comparison: the digest check uses hmac.compare_digest."""
    import hmac

    calls = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr("portal.auth.tokens.hmac.compare_digest", spy)
    make_contact(acme, EMAIL)
    ask(acme)
    verify(acme, last_code(acme, EMAIL))
    assert len(calls) == 1 and calls[0][0] == calls[0][1]


def test_expired_code_is_refused(acme):
    make_contact(acme, EMAIL)
    ask(acme)
    code = last_code(acme, EMAIL)
    [row] = code_rows(acme, EMAIL)
    row.created_at -= timedelta(minutes=11)
    row.expires_at -= timedelta(minutes=11)
    db.session.commit()
    with pytest.raises(Invalid):
        verify(acme, code)


def test_code_still_valid_just_before_ten_minutes(acme, monkeypatch):
    make_contact(acme, EMAIL)
    ask(acme)
    [row] = code_rows(acme, EMAIL)
    assert row.expires_at - row.created_at == timedelta(minutes=10)
    # the check runs one second before the code ends by the clock verify_code reads, not
    # 10 s of real time (a burst worker's 60 s stall, fixed in portal/jobs/worker.py, once
    # took longer than that; a slow machine could too)
    just_before = row.expires_at - timedelta(seconds=1)
    monkeypatch.setattr(otp, "utcnow", lambda: just_before)
    assert verify(acme, last_code(acme, EMAIL)).email == EMAIL


def test_five_wrong_tries_kill_the_code(acme):
    make_contact(acme, EMAIL)
    ask(acme)
    code = last_code(acme, EMAIL)
    for _ in range(5):
        with pytest.raises(Invalid):
            verify(acme, wrong_code(code))
    [row] = code_rows(acme, EMAIL)
    assert row.attempts == 5 and row.used_at is not None
    with pytest.raises(Invalid):
        verify(acme, code)


def test_four_wrong_tries_leave_the_code_usable(acme):
    make_contact(acme, EMAIL)
    ask(acme)
    code = last_code(acme, EMAIL)
    for _ in range(4):
        with pytest.raises(Invalid):
            verify(acme, wrong_code(code))
    assert verify(acme, code).email == EMAIL


def test_new_code_voids_the_older_ones(acme):
    make_contact(acme, EMAIL)
    ask(acme)
    ask(acme)
    first, second = sent_codes(acme, EMAIL)
    if first != second:
        with pytest.raises(Invalid):
            verify(acme, first)
    assert verify(acme, second).email == EMAIL
    assert all(row.used_at is not None for row in code_rows(acme, EMAIL))


@pytest.mark.parametrize("raw", ["", "   ", "not-an-email", "a@b", "@example.com",
                                 "a b@example.com", "x" * 321 + "@example.com", 42, None,
                                 ["a@example.com"], {"email": "a@example.com"},
                                 "bad\ud800@example.com", "nul\x00@example.com"])
def test_malformed_email_is_refused_and_creates_nothing(acme, raw):
    with pytest.raises(Invalid) as exc:
        ask(acme, raw)
    assert exc.value.details["field"] == "email"
    assert code_rows(acme) == [] and outbox_count(acme) == 0


@pytest.mark.parametrize("raw", ["", "12345", "1234567", "12a456", "١٢٣٤٥٦", 123456,
                                 ["123456"], None, "12 456"])
def test_malformed_code_is_refused_without_spending_a_try(acme, raw):
    make_contact(acme, EMAIL)
    ask(acme)
    with pytest.raises(Invalid) as exc:
        verify(acme, raw)
    assert exc.value.details["field"] == "code"
    [row] = code_rows(acme, EMAIL)
    assert row.attempts == 0


def test_email_is_matched_case_insensitively(acme):
    make_contact(acme, EMAIL)
    ask(acme, " Pat@Customer.Example ")
    assert verify(acme, last_code(acme, EMAIL), "PAT@customer.example").email == EMAIL


def test_unknown_email_without_jit_gets_no_code(acme):
    ask(acme, "stranger@example.com")
    assert code_rows(acme) == [] and outbox_count(acme) == 0
    with pytest.raises(Invalid):
        verify(acme, "123456", "stranger@example.com")


def test_inactive_contact_gets_no_code_and_cannot_sign_in(acme):
    contact = make_contact(acme, EMAIL, active=False)
    ask(acme)
    assert outbox_count(acme) == 0
    contact.active = True
    db.session.commit()
    ask(acme)
    code = last_code(acme, EMAIL)
    contact.active = False
    db.session.commit()
    with pytest.raises(Invalid):
        verify(acme, code)


def test_jit_creates_the_contact_at_first_sign_in_not_at_request(acme):
    acme.jit_provisioning = True
    db.session.commit()
    ask(acme, "new@unlinked.example")
    with use_workspace(acme.id):
        assert db.session.scalars(select(Contact)).all() == []
    contact = verify(acme, last_code(acme, "new@unlinked.example"), "new@unlinked.example")
    assert contact.id and contact.account is None and contact.verified
    assert contact.workspace_id == acme.id and contact.name == "new"


def test_jit_links_the_account_whose_domain_matches(acme, globex):
    acme.jit_provisioning = True
    db.session.commit()
    make_account(acme, "Other", domains=["other.example"])
    initech = make_account(acme, "Initech", domains=["@Initech.example"])
    make_account(globex, "Globex Initech", domains=["initech.example"])
    ask(acme, "bob@initech.example")
    contact = verify(acme, last_code(acme, "bob@initech.example"), "bob@initech.example")
    assert contact.account_id == initech.id


def test_jit_wrong_code_creates_no_contact(acme):
    acme.jit_provisioning = True
    db.session.commit()
    ask(acme, "new@example.com")
    with pytest.raises(Invalid):
        verify(acme, wrong_code(last_code(acme, "new@example.com")), "new@example.com")
    with use_workspace(acme.id):
        assert db.session.scalars(select(Contact)).all() == []


def test_jit_turned_off_between_request_and_verify_refuses(acme):
    acme.jit_provisioning = True
    db.session.commit()
    ask(acme, "new@example.com")
    acme.jit_provisioning = False
    db.session.commit()
    with pytest.raises(Invalid):
        verify(acme, last_code(acme, "new@example.com"), "new@example.com")


def test_code_of_one_workspace_is_useless_in_another(acme, globex):
    make_contact(acme, EMAIL)
    make_contact(globex, EMAIL)
    ask(acme)
    code = last_code(acme, EMAIL)
    with pytest.raises(Invalid):
        verify(globex, code)
    assert verify(acme, code).workspace_id == acme.id
