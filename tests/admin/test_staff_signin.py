"""Staff sign-in: password guessing is limited on both entrances (one count per account and
per address), logout is a POST that ends the session on the server, and a password change
ends a person's other sessions and API tokens."""

import threading
import time

import pytest

from tests.admin.conftest import PASSWORD, fab_csrf, jwt_token, new_client, staff_login
from tests.factories import make_staff

LOGIN_API = "/api/v1/security/login"
EMAIL = "pat@staff.example"


def form_attempt(client, username, password):
    """One try on /admin/login/; returns (status, page shown after it)."""
    page = client.get("/admin/login/")
    resp = client.post("/admin/login/", data={
        "username": username, "password": password, "csrf_token": fab_csrf(page.text)})
    if resp.status_code == 302 and "/login" in resp.headers["Location"]:
        return "refused", client.get(resp.headers["Location"]).text
    return ("signed in" if resp.status_code == 302 else resp.status_code), resp.text


def api_attempt(client, username, password):
    return client.post(LOGIN_API, json={"username": username, "password": password,
                                        "provider": "db"})


@pytest.fixture
def no_delays(app, monkeypatch):
    """Every failure is tried at once, so that a test reaches the lockout without sleeping."""
    monkeypatch.setitem(app.config, "STAFF_LOGIN_DELAY_SECONDS", 0)


# -- guessing ---------------------------------------------------------------------------

def test_25_wrong_passwords_then_the_right_one_fails_on_the_form(app, acme, no_delays):
    make_staff(EMAIL, PASSWORD, "admin", acme)
    client = new_client(app)
    outcomes = [form_attempt(client, EMAIL, f"guess-{n}")[0] for n in range(25)]
    assert outcomes.count("refused") == 25
    status, page = form_attempt(client, EMAIL, PASSWORD)
    assert status == "refused"
    assert "Too many failed sign-ins" in page
    assert client.get("/admin/tickets/").status_code == 302  # still not signed in


def test_25_wrong_passwords_then_the_right_one_fails_on_the_api(app, acme, no_delays):
    make_staff(EMAIL, PASSWORD, "admin", acme)
    client = new_client(app)
    most = app.config["STAFF_LOGIN_MAX_FAILURES"]
    statuses = [api_attempt(client, EMAIL, f"guess-{n}").status_code for n in range(25)]
    assert statuses == [401] * most + [429] * (25 - most)
    resp = api_attempt(client, EMAIL, PASSWORD)
    assert resp.status_code == 429
    body = resp.get_json()
    assert body["error"] == "too_many_requests" and "Too many failed sign-ins" in body["message"]
    assert int(resp.headers["Retry-After"]) >= 1
    assert "access_token" not in body


def test_a_locked_account_refuses_the_right_password_on_both_entrances(app, acme, no_delays):
    make_staff(EMAIL, PASSWORD, "admin", acme)
    form, api = new_client(app), new_client(app)
    for n in range(5):
        assert form_attempt(form, EMAIL, f"guess-{n}")[0] == "refused"
        assert api_attempt(api, EMAIL, f"guess-{n}").status_code == 401
    resp = api_attempt(api, EMAIL, PASSWORD)
    assert resp.status_code == 429
    lockout = app.config["STAFF_LOGIN_LOCKOUT_SECONDS"]
    assert lockout - 10 < int(resp.headers["Retry-After"]) <= lockout
    assert "locked for 15 minutes" in resp.get_json()["message"]
    status, page = form_attempt(form, EMAIL, PASSWORD)
    assert status == "refused" and "signing in is locked for 15 minutes" in page


def test_the_lockout_message_is_translated(app, acme, no_delays):
    make_staff(EMAIL, PASSWORD, "admin", acme)
    client = new_client(app)
    for n in range(app.config["STAFF_LOGIN_MAX_FAILURES"]):
        api_attempt(client, EMAIL, f"guess-{n}")
    client.get("/admin/lang/de")
    status, page = form_attempt(client, EMAIL, PASSWORD)
    assert status == "refused"
    assert "Anmelden ist für 15 Minuten gesperrt" in page


def test_other_spellings_of_the_name_count_against_the_same_account(app, acme, no_delays):
    make_staff(EMAIL, PASSWORD, "admin", acme)
    client = new_client(app)
    full_width = "ｐａｔ＠ｓｔａｆｆ．ｅｘａｍｐｌｅ"
    spellings = [EMAIL, EMAIL.upper(), f"  {EMAIL} ", full_width, "Pat@Staff.Example"]
    for n in range(app.config["STAFF_LOGIN_MAX_FAILURES"]):
        assert api_attempt(client, spellings[n % len(spellings)], "wrong").status_code == 401
    assert api_attempt(client, EMAIL, PASSWORD).status_code == 429


def test_waits_grow_after_the_free_failures(app, acme):
    make_staff(EMAIL, PASSWORD, "admin", acme)
    client = new_client(app)
    free = app.config["STAFF_LOGIN_FREE_FAILURES"]
    assert [api_attempt(client, EMAIL, "wrong").status_code for _ in range(free + 1)] == \
        [401] * (free + 1)
    waits = []
    for _ in range(2):
        resp = api_attempt(client, EMAIL, "wrong")
        assert resp.status_code == 429
        waits.append(int(resp.headers["Retry-After"]))
        time.sleep(waits[-1] + 0.6)  # Redis rounds what is left to whole seconds
        assert api_attempt(client, EMAIL, "wrong").status_code == 401
    assert waits == [1, 2]


def test_parallel_guesses_do_not_slip_through(app, acme):
    """Sixteen guesses at once (each from its own address): only the free ones and one more
    get their password checked; the others are refused as if they had come one by one.
    With the test config's cheap hashing a check takes microseconds, which once let a
    guess start between `Attempt.failed` clearing the wait and setting it again."""
    make_staff(EMAIL, PASSWORD, "admin", acme)
    results = []

    def guess(n):
        resp = new_client(app).post(LOGIN_API, json={
            "username": EMAIL, "password": "wrong", "provider": "db"},
            environ_base={"REMOTE_ADDR": f"203.0.113.{n + 1}"})
        results.append(resp.status_code)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    checked = app.config["STAFF_LOGIN_FREE_FAILURES"] + 1
    assert sorted(results) == [401] * checked + [429] * (16 - checked)


def test_while_the_shared_store_is_down_this_process_still_counts(app, acme, no_delays,
                                                                   monkeypatch):
    from portal.auth import staff_login
    from portal.extensions import limiter

    storage = limiter.storage

    def down(*_args):
        raise storage.base_exceptions("store unreachable")

    for operation in ("incr", "get", "get_expiry", "clear"):
        monkeypatch.setattr(storage, operation, down)
    monkeypatch.setattr(staff_login, "_fallback", type(staff_login._fallback)())
    make_staff(EMAIL, PASSWORD, "admin", acme)
    client = new_client(app)
    most = app.config["STAFF_LOGIN_MAX_FAILURES"]
    assert [api_attempt(client, EMAIL, "wrong").status_code for _ in range(most)] == [401] * most
    assert api_attempt(client, EMAIL, PASSWORD).status_code == 429


def test_the_wait_schedule(app):
    from portal.auth.staff_login import delay

    cfg = app.config
    free, most = cfg["STAFF_LOGIN_FREE_FAILURES"], cfg["STAFF_LOGIN_MAX_FAILURES"]
    assert [delay(n, free, most) for n in range(1, most + 3)] == \
        [0, 0, 0, 1, 2, 4, 8, 16, 32, 900, 900, 900]
    assert delay(40, 10, 50) == cfg["STAFF_LOGIN_MAX_DELAY_SECONDS"] == 60


def test_success_clears_the_account_count(app, acme):
    make_staff(EMAIL, PASSWORD, "admin", acme)
    client = new_client(app)
    free = app.config["STAFF_LOGIN_FREE_FAILURES"]
    for _ in range(2):
        assert [api_attempt(client, EMAIL, "wrong").status_code for _ in range(free)] == \
            [401] * free
        assert api_attempt(client, EMAIL, PASSWORD).status_code == 200


def test_one_address_guessing_many_accounts_is_locked(app, acme, no_delays, monkeypatch):
    monkeypatch.setitem(app.config, "STAFF_LOGIN_ADDRESS_MAX_FAILURES", 12)
    make_staff(EMAIL, PASSWORD, "admin", acme)
    client = new_client(app)
    for n in range(12):
        assert api_attempt(client, f"user{n}@staff.example", "wrong").status_code == 401
    assert api_attempt(client, EMAIL, PASSWORD).status_code == 429
    other = client.post(LOGIN_API, json={"username": EMAIL, "password": PASSWORD,
                                          "provider": "db"},
                        environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 200


def test_successful_sign_ins_do_not_add_up_at_the_address(app, acme, monkeypatch):
    monkeypatch.setitem(app.config, "STAFF_LOGIN_ADDRESS_FREE_FAILURES", 2)
    make_staff(EMAIL, PASSWORD, "admin", acme)
    client = new_client(app)
    assert [api_attempt(client, EMAIL, PASSWORD).status_code for _ in range(6)] == [200] * 6


# -- logout ------------------------------------------------------------------------------

def test_logout_by_get_signs_nobody_out(staff, acme):
    client = staff("agent", acme)
    page = client.get("/admin/logout/")
    assert page.status_code == 200 and 'method="post"' in page.text
    assert client.get("/admin/tickets/").status_code == 200


def test_logout_without_the_csrf_token_is_refused(staff, acme):
    client = staff("agent", acme)
    assert client.post("/admin/logout/").status_code == 400
    assert client.get("/admin/tickets/").status_code == 200


def test_the_menu_signs_out_with_a_form(staff, acme):
    client = staff("agent", acme)
    page = client.get("/admin/tickets/").text
    assert 'href="/admin/logout/"' not in page
    assert 'id="sign-out"' in page and 'action="/admin/logout/"' in page


def test_a_saved_session_cookie_is_refused_after_logout(app, staff, acme):
    client = staff("agent", acme)
    saved = client.get_cookie("session").value
    page = client.get("/admin/tickets/")
    assert page.status_code == 200
    logout = client.post("/admin/logout/", data={"csrf_token": fab_csrf(page.text)})
    assert logout.status_code == 302
    assert client.get("/admin/tickets/").status_code == 302

    replay = new_client(app)
    replay.set_cookie("session", saved)
    resp = replay.get("/admin/tickets/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_signing_in_again_ends_the_previous_session_of_that_browser(app, acme):
    make_staff(EMAIL, PASSWORD, "admin", acme)
    client = staff_login(new_client(app), EMAIL)
    saved = client.get_cookie("session").value
    client.get("/admin/logout/")  # only asks
    page = client.get("/admin/tickets/")
    client.post("/admin/logout/", data={"csrf_token": fab_csrf(page.text)})
    staff_login(client, EMAIL)
    replay = new_client(app)
    replay.set_cookie("session", saved)
    assert replay.get("/admin/tickets/").status_code == 302
    assert client.get("/admin/tickets/").status_code == 200


# -- password changes end the other sessions -------------------------------------------

def test_changing_my_password_ends_my_other_sessions_and_tokens(app, acme):
    make_staff(EMAIL, PASSWORD, "agent", acme)
    here, elsewhere = staff_login(new_client(app), EMAIL), staff_login(new_client(app), EMAIL)
    token = jwt_token(new_client(app), EMAIL)
    headers = {"Authorization": f"Bearer {token}", "X-Workspace": "acme"}
    api = new_client(app)
    assert api.get("/api/v1/ticket/", headers=headers).status_code == 200

    form = here.get("/admin/resetmypassword/form")
    assert form.status_code == 200
    resp = here.post("/admin/resetmypassword/form", data={
        "password": "new-password-2", "conf_password": "new-password-2",
        "csrf_token": fab_csrf(form.text)})
    assert resp.status_code == 302

    assert here.get("/admin/tickets/").status_code == 200  # where I changed it
    assert elsewhere.get("/admin/tickets/").status_code == 302
    refused = api.get("/api/v1/ticket/", headers=headers)
    assert refused.status_code == 401 and refused.get_json()["error"] == "token_revoked"

    fresh = jwt_token(new_client(app), EMAIL, "new-password-2")
    ok = api.get("/api/v1/ticket/", headers={**headers, "Authorization": f"Bearer {fresh}"})
    assert ok.status_code == 200
    assert staff_login(new_client(app), EMAIL, "new-password-2").get(
        "/admin/tickets/").status_code == 200


def test_an_admin_resetting_a_password_ends_all_of_that_persons_sessions(app, acme, staff):
    pat = make_staff(EMAIL, PASSWORD, "agent", acme)
    pats_browser = staff_login(new_client(app), EMAIL)
    token = jwt_token(new_client(app), EMAIL)
    platform = staff("admin", platform=True)
    url = f"/admin/resetpassword/form?pk={pat.id}"
    form = platform.get(url)
    assert form.status_code == 200
    resp = platform.post(url, data={"password": "new-password-2",
                                    "conf_password": "new-password-2",
                                    "csrf_token": fab_csrf(form.text)})
    assert resp.status_code == 302
    assert pats_browser.get("/admin/tickets/").status_code == 302
    assert new_client(app).get("/api/v1/ticket/", headers={
        "Authorization": f"Bearer {token}", "X-Workspace": "acme"}).status_code == 401
    assert platform.get("/admin/tickets/").status_code == 200  # the admin's own session stays


def test_create_staff_with_a_new_password_ends_the_persons_sessions(app, acme, globex):
    make_staff(EMAIL, PASSWORD, "agent", acme)
    browser = staff_login(new_client(app), EMAIL)
    client = new_client(app)
    resp = client.post(LOGIN_API, json={"username": EMAIL, "password": PASSWORD,
                                        "provider": "db", "refresh": True})
    refresh = resp.get_json()["refresh_token"]
    assert client.post("/api/v1/security/refresh",
                       headers={"Authorization": f"Bearer {refresh}"}).status_code == 200

    make_staff(EMAIL, "new-password-2", "agent", globex)

    assert browser.get("/admin/tickets/").status_code == 302
    assert client.post("/api/v1/security/refresh",
                       headers={"Authorization": f"Bearer {refresh}"}).status_code == 401
    assert jwt_token(new_client(app), EMAIL, "new-password-2")


def test_revoke_all_ends_every_sign_in_of_one_person_only(app, acme):
    from portal.auth import staff_sessions
    from portal.extensions import db

    pat = make_staff(EMAIL, PASSWORD, "agent", acme)
    make_staff("sam@staff.example", PASSWORD, "agent", acme)
    pat_browser = staff_login(new_client(app), EMAIL)
    sam_browser = staff_login(new_client(app), "sam@staff.example")
    token = jwt_token(new_client(app), EMAIL)

    staff_sessions.revoke_all(pat.id)
    db.session.commit()

    assert pat_browser.get("/admin/tickets/").status_code == 302
    assert sam_browser.get("/admin/tickets/").status_code == 200
    assert new_client(app).get("/api/v1/ticket/", headers={
        "Authorization": f"Bearer {token}", "X-Workspace": "acme"}).status_code == 401


def test_a_token_that_names_no_sign_in_is_refused(app, acme):
    from flask_jwt_extended import create_access_token

    pat = make_staff(EMAIL, PASSWORD, "agent", acme)
    with app.test_request_context():
        forged = create_access_token(identity=str(pat.id), additional_claims={"sid": "made-up"})
    resp = new_client(app).get("/api/v1/ticket/", headers={
        "Authorization": f"Bearer {forged}", "X-Workspace": "acme"})
    assert resp.status_code == 401


def test_a_token_is_checked_against_its_sign_in_once_a_request(app, acme):
    """The workspace hook and FAB's own check both verify the JWT; the sign-in is looked up
    once. A revoked one is still refused at the next request."""
    from sqlalchemy import event

    from portal.auth import staff_sessions
    from portal.extensions import db

    pat = make_staff(EMAIL, PASSWORD, "agent", acme)
    headers = {"Authorization": f"Bearer {jwt_token(new_client(app), EMAIL)}",
               "X-Workspace": "acme"}
    lookups = []

    def note(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT") and "staff_session" in statement:
            lookups.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        assert new_client(app).get("/api/v1/ticket/", headers=headers).status_code == 200
        assert len(lookups) == 1
        staff_sessions.revoke_all(pat.id)
        db.session.commit()
        assert new_client(app).get("/api/v1/ticket/", headers=headers).status_code == 401
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
