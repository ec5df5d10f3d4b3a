"""Security headers on every response, the signed session cookie, and JSON errors under
/api/."""

from functools import lru_cache

from flask import Flask, g, request
from flask.sessions import SecureCookieSessionInterface

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


def _csp_for(path: str, hosts: tuple = ()) -> str:
    if path.startswith("/api/"):
        return API_CSP
    if path.startswith(("/admin", "/static/appbuilder", "/swagger")):
        return ADMIN_CSP
    return with_hosts(hosts) if hosts else PORTAL_CSP


ALLOWLISTED = ("img-src", "font-src", "style-src", "connect-src", "media-src", "frame-src")


@lru_cache(maxsize=256)
def with_hosts(hosts: tuple) -> str:
    """The portal's CSP with a workspace's allowlisted hosts (portal settings,
    domain.allowlist; `*.example.com` allowed) added to what may load images, fonts,
    stylesheets, media and frames and be connected to, over https only. The web blueprint
    puts them in `g.csp_hosts` for that workspace's pages, and only for those."""
    sources = " ".join(f"https://{host}" for host in hosts)
    parts = []
    for directive in PORTAL_CSP.split("; "):
        name = directive.split(" ", 1)[0]
        parts.append(f"{directive} {sources}" if name in ALLOWLISTED else directive)
    present = {part.split(" ", 1)[0] for part in parts}
    parts += [f"{name} 'self' {sources}" for name in ALLOWLISTED if name not in present]
    return "; ".join(parts)


@lru_cache(maxsize=16)
def _defaults(csp: str, framing: str, hsts: bool) -> tuple[tuple[str, str], ...]:
    headers = (("Content-Security-Policy", csp), ("X-Content-Type-Options", "nosniff"),
               ("X-Frame-Options", framing),
               ("Referrer-Policy", "strict-origin-when-cross-origin"),
               ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
               ("Cross-Origin-Opener-Policy", "same-origin"))
    if hsts:
        headers += (("Strict-Transport-Security", "max-age=31536000; includeSubDomains"),)
    return headers


def same_origin() -> bool:
    """Whether a browser sent this request from a page of this site: a cross-site request
    forgery check for a form that a cached page, the same for every visitor, carries
    without a per-visitor CSRF token (the article page's vote). Browsers say where a request
    comes from in `Sec-Fetch-Site` (Fetch Metadata; sent to HTTPS and localhost), else in
    `Origin` (sent with every POST). A request with neither is refused too."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site == "same-origin"
    origin = request.headers.get("Origin")
    return origin is not None and origin.lower() == request.host_url.rstrip("/").lower()


class SignedCookieSessions(SecureCookieSessionInterface):
    """Flask's signed session cookie, its signer made once per secret key instead of on
    every request (Flask makes one each time it opens or saves a session: a few percent
    of a cached page's CPU, docs/PERFORMANCE.md). Changing SECRET_KEY or
    SECRET_KEY_FALLBACKS makes a new one."""

    _signer: tuple = (None, None)

    def get_signing_serializer(self, app: Flask):
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        known, signer = self._signer
        if known != key:
            signer = super().get_signing_serializer(app)
            self._signer = (key, signer)
        return signer


def register_security(app: Flask) -> None:
    app.session_interface = SignedCookieSessions()

    @app.after_request
    def secure_headers(response):
        """Each header unless the view set it (one pass over the response's headers, not
        one lookup per header: this runs on every answer, cached pages included)."""
        path = request.path
        framing = "SAMEORIGIN" if path.startswith("/admin") else "DENY"
        h = response.headers
        present = {key.lower() for key in h.keys()}
        csp = _csp_for(path, g.get("csp_hosts") or ())
        for name, value in _defaults(csp, framing, bool(app.config["COOKIE_SECURE"])):
            if name.lower() not in present:
                h.add(name, value)
        return response
