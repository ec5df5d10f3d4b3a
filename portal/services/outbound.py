"""Requests the server makes to addresses that workspace admins choose (identity provider
metadata, webhooks): a workspace admin must not make the server reach inside its own
network. `inside` says whether a host is, or resolves to, an address that is not public;
`post` sends to the address it checked, never to one a second DNS answer gives (a name
that resolves to a public address when saved and to 127.0.0.1 when sent is refused then),
follows no redirect (http.client never does) and waits at most `timeout` seconds for
each step."""

import http.client
import ipaddress
import socket
import ssl
from urllib.parse import urlsplit


class Refused(Exception):
    """The target is not on the public internet (and private targets are not allowed)."""


def _addresses(host: str, port: int) -> list[str]:
    found = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    return [info[4][0] for info in found]


def _public(address: str) -> bool:
    return ipaddress.ip_address(address.split("%")[0]).is_global


def inside(host: str, port: int | None) -> bool:
    """Whether `host` is, or resolves to, an address that is not public (loopback, private,
    link-local, reserved); an unresolvable host counts as inside (it cannot be fetched)."""
    try:
        addresses = _addresses(host, port or 443)
    except (OSError, UnicodeError):
        return True
    return not addresses or not all(_public(a) for a in addresses)


class _Pinned:
    """An http.client connection to `address`, whatever `host` resolves to meanwhile; the
    Host header and the TLS server name and certificate check stay `host`'s."""

    def __init__(self, host, port, address, timeout, **kwargs):
        super().__init__(host, port, timeout=timeout, **kwargs)
        self._address = address

    def _socket(self):
        sock = socket.create_connection((self._address, self.port), self.timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock


class _PinnedHTTP(_Pinned, http.client.HTTPConnection):
    def connect(self):
        self.sock = self._socket()


class _PinnedHTTPS(_Pinned, http.client.HTTPSConnection):
    def connect(self):
        self.sock = self._context.wrap_socket(self._socket(), server_hostname=self.host)


def post(url: str, body: bytes, headers: dict, *, timeout: float, allow_private: bool,
         read_max: int = 2000) -> tuple[int, str]:
    """POST `body` to `url`: (status code, the first `read_max` bytes of the answer as text).
    Raises Refused for a target that is not public (unless `allow_private`), OSError or
    http.client.HTTPException when it cannot be reached or answers nonsense."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused("not an http(s) URL")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = _addresses(parts.hostname, port)
    except UnicodeError as exc:
        raise OSError(f"bad host name: {exc}") from None
    if not addresses:
        raise OSError("the host name resolves to no address")
    if not allow_private and not all(_public(a) for a in addresses):
        raise Refused(f"{parts.hostname} is not on the public internet")
    if parts.scheme == "https":
        conn = _PinnedHTTPS(parts.hostname, port, addresses[0], timeout,
                            context=ssl.create_default_context())
    else:
        conn = _PinnedHTTP(parts.hostname, port, addresses[0], timeout)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        conn.request("POST", path, body=body, headers=headers)
        answer = conn.getresponse()
        text = answer.read(read_max).decode("utf-8", "replace")
        return answer.status, text
    finally:
        conn.close()
