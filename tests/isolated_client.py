"""A test client whose every request runs in its own app context, as in production.

Each test holds one app context, and Flask would reuse it for test-client requests, so `g`
(the signed-in staff user FAB caches, the current workspace) and the database session
would carry over from one request, or one client, to the next."""

from flask.testing import FlaskClient


class IsolatedClient(FlaskClient):
    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)
