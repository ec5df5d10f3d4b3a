"""Email domains as admins type them (the domains that must use SAML, those an identity
provider may sign in): one per line or comma-separated, lower-case, without `@`."""

import re

DOMAIN = re.compile(r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")


def parse_domains(text: str) -> tuple[list[str], str | None]:
    """(the domains of `text`, one per line or comma-separated; the first bad one)."""
    found: list[str] = []
    for part in re.split(r"[\s,]+", text or ""):
        domain = part.strip().lstrip("@").lower()
        if not domain:
            continue
        if not DOMAIN.fullmatch(domain):
            return found, part
        if domain not in found:
            found.append(domain)
    return found, None
