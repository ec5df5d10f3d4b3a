"""Security headers on every response, and JSON errors under /api/."""

from flask import Flask, request

PORTAL_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# Flask-AppBuilder's generated pages rely on inline scripts and styles.
ADMIN_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'self'"
)
API_CSP = "default-src 'none'; frame-ancestors 'none'"


def _csp_for(path: str) -> str:
    if path.startswith("/api/"):
        return API_CSP
    if path.startswith(("/admin", "/static/appbuilder", "/swagger")):
        return ADMIN_CSP
    return PORTAL_CSP


def register_security(app: Flask) -> None:
    @app.after_request
    def secure_headers(response):
        h = response.headers
        h.setdefault("Content-Security-Policy", _csp_for(request.path))
        h.setdefault("X-Content-Type-Options", "nosniff")
        framing = "SAMEORIGIN" if request.path.startswith("/admin") else "DENY"
        h.setdefault("X-Frame-Options", framing)
        h.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if app.config["COOKIE_SECURE"]:
            h.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response
