"""The staff security manager: per-workspace roles (portal.admin.security) plus hardened sign-in.

- Guessing: `auth_user_db`, which both the login form and `/api/v1/security/login` call,
  asks `portal.auth.staff_login` first; the two views say why an attempt was refused.
- Sessions: the user loader accepts a session cookie only while its sign-in lives, JWTs
  name their sign-in, and logout is a POST that ends it (`portal.auth.staff_sessions`).

The views keep FAB's class names, so their endpoints (`AuthDBView.login`, ...) stay as
they were.
"""

from flask import g, redirect, request
from flask_appbuilder import expose
from flask_appbuilder.security import api as fab_api
from flask_appbuilder.security import views as fab_views

from portal.admin.security import PortalSecurityManager
from portal.auth import staff_login, staff_sessions


class AuthDBView(fab_views.AuthDBView):
    @property
    def invalid_login_message(self):
        """What FAB's login view flashes after a refused attempt: why, when it was a limit."""
        refused = g.get("staff_login_refusal")
        return refused.message() if refused else fab_views.AuthDBView.invalid_login_message

    @expose("/logout/", methods=["GET", "POST"])
    def logout(self):
        """POST (with the CSRF token every admin form carries) signs out; GET only asks,
        so that another site's link or image cannot sign anyone out."""
        if request.method == "POST":
            return super().logout()
        if not (g.user is not None and g.user.is_authenticated):
            return redirect(self.appbuilder.get_url_for_index)
        return self.render_template("appbuilder/helpport/logout.html",
                                    appbuilder=self.appbuilder)


class SecurityApi(fab_api.SecurityApi):
    @expose("/login", methods=["POST"])
    def login(self):
        response = super().login()
        refused = g.get("staff_login_refusal")
        if refused is None:
            return response
        from portal.errors import json_error

        body, status = json_error(429, "too_many_requests", refused.message())
        body.headers["Retry-After"] = str(refused.retry_after)
        return body, status

    login.__doc__ = fab_api.SecurityApi.login.__doc__.replace(
        "            500:",
        "            429:\n              description: Too many failed sign-ins; see Retry-After\n"
        "            500:")


class StaffSecurityManager(PortalSecurityManager):
    authdbview = AuthDBView
    security_api = SecurityApi

    def create_jwt_manager(self, app):
        jwt_manager = super().create_jwt_manager(app)
        staff_sessions.init_staff_sessions(app, jwt_manager)
        return jwt_manager

    def auth_user_db(self, username, password):
        if not username:
            return super().auth_user_db(username, password)
        attempt = staff_login.begin(username)
        if attempt.refused is not None:
            g.staff_login_refusal = attempt.refused
            return None
        user = super().auth_user_db(username, password)
        if user is None:
            attempt.failed()
        else:
            attempt.succeeded()
        return user

    def load_user(self, pk):
        """Flask-login's loader: a session cookie counts only while its sign-in lives."""
        user = super().load_user(pk)
        if user is not None and staff_sessions.web_session_is_live(user.id):
            return user
        return None

    def load_user_jwt(self, _jwt_header, jwt_data):
        """The JWT's sign-in was checked by the blocklist hook; no session cookie here."""
        user = super().load_user(jwt_data["sub"])
        if user is not None:
            g.user = user
        return user
