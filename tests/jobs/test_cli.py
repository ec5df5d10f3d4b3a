"""`flask --app app portal outbox [ID]` and `sweep-outbox`."""

from portal.extensions import db
from portal.jobs import queue
from portal.services import emails
from portal.tenancy import use_workspace
from tests.jobs.support import outbox_rows


def write_email(ws, to, code):
    with use_workspace(ws.id):
        row = emails.sign_in_code(ws, to, code, minutes=10, locale="en-US")
        db.session.commit()
    return row.id


def test_outbox_lists_the_newest_emails_of_every_workspace(runner, acme, globex, jobs):
    first = write_email(acme, "pat@customer.example", "111111")
    second = write_email(globex, "lee@customer.example", "222222")
    jobs()
    result = runner.invoke(args=["portal", "outbox"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == 2
    assert lines[0].split()[0] == str(second) and "lee@customer.example" in lines[0]
    assert lines[1].split()[0] == str(first) and "Acme Support: 111111" in lines[1]
    assert all(" sent " in line for line in lines)


def test_outbox_on_an_empty_outbox(runner, acme):
    result = runner.invoke(args=["portal", "outbox"])
    assert result.exit_code == 0 and "the outbox is empty" in result.output


def test_outbox_id_shows_one_email(runner, acme, jobs):
    row_id = write_email(acme, "pat@customer.example", "333333")
    pending = runner.invoke(args=["portal", "outbox", str(row_id)])
    assert "Status: pending (attempts: 0)" in pending.output
    jobs()
    result = runner.invoke(args=["portal", "outbox", str(row_id)])
    assert result.exit_code == 0, result.output
    assert "To: pat@customer.example" in result.output
    assert "Subject: Your sign-in code for Acme Support: 333333" in result.output
    assert "Status: sent (attempts: 1)" in result.output
    assert ".eml" in result.output  # where the file outbox wrote it
    assert "333333" in result.output.split("\n\n", 1)[1]  # the text body


def test_outbox_unknown_id_fails_clearly(runner, acme):
    result = runner.invoke(args=["portal", "outbox", "999999"])
    assert result.exit_code != 0 and "no email with id 999999" in result.output


def test_sweep_outbox_enqueues_what_is_unsent(runner, acme, jobs):
    row_id = write_email(acme, "pat@customer.example", "444444")
    queue("high").connection.delete(queue("high").key)  # the job was lost
    result = runner.invoke(args=["portal", "sweep-outbox"])
    assert result.exit_code == 0 and "enqueued 1 email(s)" in result.output
    assert queue("high").job_ids == [f"email-{row_id}"]
    jobs()
    assert outbox_rows()[0].sent_at is not None
    again = runner.invoke(args=["portal", "sweep-outbox"])
    assert "enqueued 0 email(s)" in again.output
