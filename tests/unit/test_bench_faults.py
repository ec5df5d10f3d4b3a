"""The pieces of the faults benchmark (bench/faults_load.py) on their own, so bench/ cannot
rot: the SMTP server that counts deliveries by outbox id and survives a stop and a start on
its port, the database it creates and whose connections it terminates, and the report.
The run itself (minutes) is `make bench-faults`; docs/PERFORMANCE.md quotes it."""

import smtplib
from email.message import EmailMessage

import psycopg
import pytest

from bench import faults_count, faults_stack


def _mail(outbox_id: int, subject: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "a@x.example", "Riley@Customer.example", subject
    msg["X-Helpport-Outbox-Id"] = str(outbox_id)
    msg.set_content("body")
    return msg


def test_smtp_server_counts_by_outbox_id_and_comes_back_after_a_stop():
    mailbox = faults_stack.Mailbox()
    server = faults_stack.SmtpServer(mailbox)
    server.start()
    try:
        with smtplib.SMTP("127.0.0.1", server.port, timeout=5) as smtp:
            smtp.send_message(_mail(7, "Your sign-in code for Bench: 012345"))
            smtp.send_message(_mail(7, "Your sign-in code for Bench: 012345"))
        server.stop()
        with pytest.raises(OSError):
            smtplib.SMTP("127.0.0.1", server.port, timeout=2)
        server.start()
        with smtplib.SMTP("127.0.0.1", server.port, timeout=5) as smtp:
            smtp.send_message(_mail(8, "Ticket #1 updated"))
    finally:
        server.stop()
    assert mailbox.by_outbox_id == {"7": 2, "8": 1}
    assert mailbox.code_for("riley@customer.example") == "012345"
    assert mailbox.code_for("riley@customer.example") is None  # a code is read once


@pytest.mark.postgres
def test_database_is_fresh_its_connections_can_be_ended_and_it_is_dropped(monkeypatch):
    from tests.conftest import PG_URL

    monkeypatch.setattr(faults_stack, "PG_ADMIN_URL", PG_URL)
    database = faults_stack.Database()
    app_connection = psycopg.connect(database.url, autocommit=True)
    try:
        assert database.query("SELECT current_database()") == [(database.name,)]
        assert database.terminate() >= 1  # ours (a just-closed one may still be listed)
        with pytest.raises(psycopg.OperationalError):
            app_connection.execute("SELECT 1")
    finally:
        app_connection.close()
        name = database.name
        database.drop()
    with psycopg.connect(PG_URL) as conn:
        assert conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() \
            is None


def test_report_has_every_row():
    result = {key: 0 for _name, key in faults_count.ROWS if key}
    result.update(label="x", ticket_latency_p50_s=0.1, ticket_latency_max_s=1.0,
                  drain_seconds=None)
    table = faults_count.table(result)
    assert table.count("\n") == len(faults_count.ROWS) + 1
    assert "| time to drain after the load (s) | not drained |" in table
