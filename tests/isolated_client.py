"""A test client whose every request runs in its own app context, as in production.

Each test holds one app context, and Flask would reuse it for test-client requests, so `g`
(the signed-in staff user FAB caches, the current workspace) and the database session
would carry over from one request, or one client, to the next.

Answers are kept until the test ends and then closed (tests/conftest.py), as a server
would close them: a file download a test reads but does not close would else hold its
file open until the garbage collector finds it, inside some later test."""

from flask.testing import FlaskClient


class IsolatedClient(FlaskClient):
    answers: list = []  # of the running test

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        IsolatedClient.answers.append(response)
        return response

    @classmethod
    def close_answers(cls) -> None:
        while cls.answers:
            cls.answers.pop().close()
