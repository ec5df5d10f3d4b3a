"""The optional chat endpoint (ANSWERS_LLM_URL) against a small OpenAI-compatible server of
our own on 127.0.0.1 that records what it was sent: it is given only passages of articles
the asker may open, with the system prompt, model and key; its answer is shown with the
same sources; an error, a malformed answer or a timeout falls back to the extractive one."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from portal.extensions import db
from portal.services import articles, portal_settings
from portal.tenancy import use_workspace
from tests.factories import api_token, make_account, make_contact

URL = "/api/v1/workspaces/acme/answers"
PUBLIC = "Install the VPN client from the downloads page."
VERIFIED = "Verified customers use the VPN gateway at gateway.acme.example."
ADMINS = "Customer admins rotate the VPN keys in the admin console."


class FakeChat:
    """The endpoint: `mode` "ok" answers `reply`, "error" 500, "garbage" no JSON, "slow"
    answers after `delay` seconds. `seen` keeps (path, headers, body) of each request."""

    def __init__(self):
        self.seen: list[tuple[str, dict, dict]] = []
        self.mode, self.reply, self.delay = "ok", "Use the VPN client.", 2.0
        chat = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length") or 0)
                chat.seen.append((self.path, dict(self.headers),
                                  json.loads(self.rfile.read(length))))
                if chat.mode == "slow":
                    time.sleep(chat.delay)
                if chat.mode == "error":
                    self.send_response(500)
                    self.end_headers()
                    return
                data = b"not json" if chat.mode == "garbage" else json.dumps({
                    "choices": [{"message": {"role": "assistant",
                                             "content": chat.reply}}]}).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the caller gave up
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/v1"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@pytest.fixture
def chat(app, monkeypatch):
    fake = FakeChat()
    monkeypatch.setitem(app.config, "ANSWERS_LLM_URL", fake.url)
    monkeypatch.setitem(app.config, "ANSWERS_LLM_MODEL", "tiny-model")
    monkeypatch.setitem(app.config, "ANSWERS_LLM_KEY", "sk-test")
    monkeypatch.setitem(app.config, "ANSWERS_LLM_TIMEOUT_SECONDS", 0.5)
    yield fake
    fake.stop()


@pytest.fixture
def kb(acme, globex, jobs):
    portal_settings.change(acme, {"features.knowledge_base": "public"})
    db.session.commit()
    with use_workspace(acme.id):
        made = {
            "public": articles.save(acme, locale="en-US", title="Connect to the VPN",
                                    status="published",
                                    body=f"{PUBLIC} The VPN keys renew themselves."),
            "verified": articles.save(acme, locale="en-US", title="VPN gateway",
                                      status="published", audience="verified",
                                      body=f"{VERIFIED} The gateway checks your VPN keys."),
            "admins": articles.save(acme, locale="en-US", title="VPN keys for admins",
                                    status="published", audience="admins",
                                    body=f"{ADMINS} Revoked VPN keys stop at once."),
        }
    jobs()
    account = make_account(acme, "Acme Corp")
    made["verified_reader"] = make_contact(acme, "v@acme.example", account=account)
    return made


QUESTION = "How do the VPN client, the VPN gateway and the VPN keys work?"


def sent_text(chat: FakeChat) -> str:
    [(_path, _headers, body)] = chat.seen
    return "\n".join(m["content"] for m in body["messages"])


def test_the_model_gets_only_passages_the_asker_may_open(client, kb, chat):
    body = client.post(URL, json={"question": QUESTION}).get_json()
    assert body["answer"] == "Use the VPN client." and chat.seen
    assert [s["id"] for s in body["sources"]] == [kb["public"].id]
    path, headers, sent = chat.seen[0]
    assert path == "/v1/chat/completions"
    assert headers["Authorization"] == "Bearer sk-test" and sent["model"] == "tiny-model"
    system, user = sent["messages"]
    assert system["role"] == "system" and "only the passages" in system["content"]
    assert PUBLIC in user["content"] and QUESTION in user["content"]
    assert "http://portal.test/en-US/acme/articles/connect-to-the-vpn" in user["content"]
    assert VERIFIED not in sent_text(chat) and ADMINS not in sent_text(chat)
    assert "gateway.acme.example" not in sent_text(chat)

    chat.seen.clear()  # a verified contact's question brings their article's passages too
    headers = {"Authorization": f"Bearer {api_token(kb['verified_reader'])}"}
    body = client.post(URL, json={"question": QUESTION}, headers=headers).get_json()
    assert {s["id"] for s in body["sources"]} == {kb["public"].id, kb["verified"].id}
    assert VERIFIED in sent_text(chat) and ADMINS not in sent_text(chat)


def test_no_answer_means_no_request_to_the_model(client, kb, chat):
    body = client.post(URL, json={"question": "zzqx flurble"}).get_json()
    assert body["answer"] is None and body["sources"] == [] and chat.seen == []


@pytest.mark.parametrize("mode", ["error", "garbage", "slow", "empty"])
def test_any_failure_falls_back_to_the_extractive_answer(client, kb, chat, mode):
    chat.mode = "ok" if mode == "empty" else mode
    chat.reply = "   " if mode == "empty" else chat.reply
    started = time.monotonic()
    body = client.post(URL, json={"question": QUESTION}).get_json()
    assert time.monotonic() - started < 1.9  # the timeout, not the slow server's delay
    assert len(chat.seen) == 1
    assert PUBLIC in body["answer"]  # the extractive answer
    assert [s["id"] for s in body["sources"]] == [kb["public"].id]


def test_off_by_default(app, client, kb):
    assert app.config["ANSWERS_LLM_URL"] == ""
    body = client.post(URL, json={"question": QUESTION}).get_json()
    assert PUBLIC in body["answer"]
