"""The service's settings: options and environment only, never kb.yml.

kb.yml is content: any pull request can change it. Where the store lives,
which addresses may vouch for a user, how fast a client may post and where
notifications go are decisions of whoever runs the service, so they come
from `kb serve`'s options or its environment (`KB_STORE`, `KB_IDENTITY_HEADER`,
`KB_TRUSTED_PROXIES`, `KB_RATE_LIMIT`, `KB_RUN_RATE_LIMIT`, `KB_WEBHOOK_URL`, `KB_ORIGIN`,
`KB_RETENTION_DAYS`).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ..models import Audience

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

MAX_BODY = 16 * 1024  # bytes of a request body the API reads at most
MAX_TEXT = 2000  # characters of a comment or a question
_RATE = re.compile(r"^\s*(\d{1,7})\s*/\s*(second|minute|hour)\s*$")
_PER = {"second": 1.0, "minute": 60.0, "hour": 3600.0}
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "::1")
WILDCARDS = ("0.0.0.0", "::", "")
_HEADER = re.compile(r"^[A-Za-z0-9-]{1,64}$")


@dataclass(frozen=True, slots=True)
class RateLimit:
    """`count` submissions per `seconds` per client, in bursts of at most `count`."""

    count: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.count / self.seconds

    def __str__(self) -> str:
        per = next(name for name, s in _PER.items() if s == self.seconds)
        return f"{self.count}/{per}"


DEFAULT_RATE = RateLimit(20, 60.0)
DEFAULT_RUN_RATE = RateLimit(120, 60.0)


def parse_rate(text: str) -> RateLimit:
    """`30/minute` -> RateLimit(30, 60); ValueError with the accepted forms otherwise."""
    found = _RATE.match(text)
    if not found or int(found[1]) == 0:
        raise ValueError(f"{text!r} is not a rate; write COUNT/second, COUNT/minute or COUNT/hour (e.g. 20/minute)")
    return RateLimit(int(found[1]), _PER[found[2]])


def parse_networks(text: str) -> tuple[Network, ...]:
    """Comma- or space-separated addresses and networks (`127.0.0.1, 10.0.0.0/8`)."""
    networks = []
    for part in re.split(r"[,\s]+", text.strip()):
        if part:
            try:
                networks.append(ipaddress.ip_network(part, strict=False))
            except ValueError:
                raise ValueError(f"{part!r} is not an IP address or network (e.g. 127.0.0.1 or 10.0.0.0/8)") from None
    return tuple(networks)


def parse_header(text: str) -> str:
    if not _HEADER.match(text):
        raise ValueError(f"{text!r} is not an HTTP header name (letters, digits and '-')")
    return text.lower()


def parse_url(text: str, what: str) -> str:
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{what} {text!r} is not an http:// or https:// URL")
    return text


def allowed_hosts(bind: str, origins: tuple[str, ...]) -> tuple[str, ...]:
    """The Host names to answer: the address bound, the loopback names and the origins' hosts.

    Bound to every address (0.0.0.0) with no origin given, any name is answered: there is no telling
    which names the service is reached by.
    """
    if bind in WILDCARDS and not origins:
        return ("*",)
    names = [*LOOPBACK_NAMES, *(() if bind in WILDCARDS else (bind.strip("[]"),))]
    names += [urlsplit(origin).hostname or "" for origin in origins]
    return tuple(dict.fromkeys(n for n in names if n))


def parse_origin(text: str) -> str:
    """`https://kb.example.com` (scheme, host and port; no path)."""
    parts = urlsplit(parse_url(text.rstrip("/"), "origin"))
    if parts.path or parts.query or parts.fragment:
        raise ValueError(f"origin {text!r} has a path; write only scheme://host[:port]")
    return f"{parts.scheme}://{parts.netloc}".lower()


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything `kb serve` was told. Checked where it is parsed; consistent as a whole (`problem`)."""

    root: Path
    site_dir: Path
    store: Path
    audience: Audience = "internal"
    identity_header: str | None = None
    trusted_proxies: tuple[Network, ...] = ()
    rate: RateLimit = DEFAULT_RATE
    webhook: str | None = None
    origins: tuple[str, ...] = ()  # where pages that may post come from; empty: the request's own Host
    # Host headers answered (DNS rebinding: a page elsewhere must not reach the service under its own name)
    allowed_hosts: tuple[str, ...] = LOOPBACK_NAMES
    retention: dt.timedelta | None = None
    # local use without a proxy: every change to a run is made as this person (`kb serve --as person:<id>`)
    acting_as: str | None = None
    run_rate: RateLimit = DEFAULT_RUN_RATE  # changes to runs per client (one person ticks fast)

    def problem(self) -> str | None:
        """Why these settings cannot serve, if they cannot."""
        if self.identity_header and not self.trusted_proxies:
            return ("an identity header needs the addresses of the proxies allowed to send it "
                    "(--trusted-proxy or KB_TRUSTED_PROXIES)")
        if self.identity_header and self.audience == "public":
            return "the public site records no identities; drop the identity header or serve --audience internal"
        if self.acting_as and self.identity_header:
            return ("--as is for local use without a proxy; behind one, identities come from the identity header")
        if self.acting_as and self.audience == "public":
            return "runs are internal; --as goes with --audience internal"
        site, store = self.site_dir.resolve(), self.store.resolve()
        if store.is_relative_to(site):
            return f"the store {self.store} is inside the site folder {self.site_dir}, which is served to readers"
        return None

    def trusted(self, address: str | None) -> bool:
        if not address:
            return False
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:  # a dual-stack socket's IPv4 peer
            ip = ip.ipv4_mapped
        return any(ip in network for network in self.trusted_proxies)
