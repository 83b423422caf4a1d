"""What the service believes about a request: who sent it, from where, and whether to take it.

- The client is the peer address, unless the peer is a trusted proxy: then it
  is the right-most address of `X-Forwarded-For` that is not a trusted proxy
  (the left part of that header is whatever the client wrote).
- The identity header is believed only from a trusted proxy. The same header
  from any other address is refused: the request is answered 403 and nothing
  is stored, so a forged identity is never recorded, not even as "unknown".
- A post must come from one of the site's own pages: a browser's `Origin` (and
  `Sec-Fetch-Site`, where it sends one) must say so; clients that send neither
  are not browsers a page could steer, and pass.
- Each client gets a token bucket: `count` posts, refilled at `count` per
  period. An IPv6 client is its /64 (one host can hold a whole /64). The
  table keeps the clients seen most recently, at most `MAX_BUCKETS`; the one
  forgotten first is the one idle longest, whose bucket has had the most time
  to refill, and forgetting is O(1).
"""

from __future__ import annotations

import ipaddress
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from starlette.requests import Request

from ..kb import KnowledgeBase
from .settings import RateLimit, Settings

MAX_BUCKETS = 50_000  # clients tracked at once; beyond this the longest idle are forgotten
# What a proxy may say about a user: printable, no controls, no format characters, no separators.
_IDENTITY = re.compile(r"^[^\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]{1,200}$")


def client_address(request: Request, settings: Settings) -> str:
    """Who the rate limit counts: the peer, or behind a trusted proxy the first untrusted hop from the right."""
    peer = request.client.host if request.client else ""
    if not settings.trusted(peer):
        return rate_key(peer)
    forwarded = ",".join(request.headers.getlist("x-forwarded-for"))
    for hop in reversed([h.strip() for h in forwarded.split(",") if h.strip()]):
        if not settings.trusted(hop):
            return rate_key(hop[:64])
    return rate_key(peer)


def rate_key(address: str) -> str:
    """An IPv6 address counts as its /64; anything else as itself."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        return str(ip.ipv4_mapped) if ip.ipv4_mapped else str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


@dataclass(frozen=True, slots=True)
class Identity:
    sender: str | None  # as the proxy passed it
    person: str | None  # `person:<id>` when the registry knows them


class Refused(Exception):
    """A request the service will not take: its HTTP status, a message and a code for the JSON error."""

    def __init__(self, status: int, message: str, code: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.headers = headers or {}


def identity(request: Request, settings: Settings, kb: KnowledgeBase) -> Identity:
    """Who the trusted proxy says sent this; Refused when someone else claims it."""
    header = settings.identity_header
    if header is None or header not in request.headers:
        return Identity(None, None)
    peer = request.client.host if request.client else None
    if not settings.trusted(peer):
        raise Refused(403, f"the {header} header is only accepted from the site's reverse proxy", "untrusted-identity")
    values = request.headers.getlist(header)
    if len(values) != 1:
        # A proxy that appends rather than replaces would let the client's own copy through.
        raise Refused(400, f"the {header} header came {len(values)} times; the proxy must set it once",
                      "bad-identity")
    value = values[0].strip()
    if not _IDENTITY.match(value):
        raise Refused(400, f"the {header} header is empty, too long or holds control characters", "bad-identity")
    return Identity(value, person_of(kb, value))


def person_of(kb: KnowledgeBase, value: str) -> str | None:
    """The registry's person for a proxy's user value: `person:<id>`, `<id>` or an email address."""
    ident = value.removeprefix("person:")
    if ident in kb.people:
        return f"person:{ident}"
    folded = value.casefold()
    for person_id, entry in kb.people.items():
        if entry.model.email.casefold() == folded:
            return f"person:{person_id}"
    return None


def check_origin(request: Request, settings: Settings) -> None:
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        raise Refused(403, "posts are accepted from the site's own pages only", "cross-origin")
    origin = request.headers.get("origin")
    if origin is None:
        return
    allowed = settings.origins or (f"{request.url.scheme}://{request.headers.get('host', '')}".lower(),)
    if origin.lower() not in allowed:
        raise Refused(403, "posts are accepted from the site's own pages only", "cross-origin")


class RateLimiter:
    """Token buckets per client, safe to share between threads."""

    def __init__(self, rate: RateLimit, clock: Callable[[], float] = time.monotonic, size: int = MAX_BUCKETS):
        self.rate = rate
        self.clock = clock
        self.size = size
        # client -> (tokens, when counted), the most recently seen last
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def take(self, client: str) -> float:
        """Take a token: 0 when granted, else the seconds until one is free."""
        now = self.clock()
        capacity = float(self.rate.count)
        with self._lock:
            tokens, then = self._buckets.pop(client, (capacity, now))
            tokens = min(capacity, tokens + (now - then) * self.rate.per_second)
            granted = tokens >= 1
            self._buckets[client] = (tokens - 1 if granted else tokens, now)
            while len(self._buckets) > self.size:
                self._buckets.popitem(last=False)
            return 0.0 if granted else (1 - tokens) / self.rate.per_second
