"""Where to go after signing in: only a path on this site.

Every sign-in flow (code, SAML, JWT hand-off) passes `next` through `safe_next`, so that a
link like `/signin?next=//evil.example` cannot turn the portal into an open redirect.
"""

from urllib.parse import urlsplit

MAX_LENGTH = 2000


def safe_next(target) -> str | None:
    """`target` when it is a plain path on this site, else None.

    Refused: absolute and scheme-relative URLs (`https://x`, `//x`), backslashes (browsers
    read `/\\x` as `//x`), any whitespace or control character (browsers drop tabs and
    newlines, so `/\\t/x` becomes `//x`; CR/LF would split headers), and schemes such as
    `javascript:`.
    """
    if not isinstance(target, str) or not target or len(target) > MAX_LENGTH:
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(c.isspace() or ord(c) < 32 or ord(c) == 127 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
