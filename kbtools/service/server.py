"""Putting the service together: the built site (built first when needed), the store, uvicorn."""

from __future__ import annotations

import asyncio
import datetime as dt
import errno
import logging
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from ..findings import KBError
from ..kb import KnowledgeBase
from ..loop.store import Store
from ..site import manifest
from ..site.view import build_view
from .app import Service, build_app, site_policy
from .guard import RateLimiter
from .settings import Settings
from .webhook import Webhook

if TYPE_CHECKING:
    import uvicorn

log = logging.getLogger("kbtools.service")
# Connections and requests at once; past this uvicorn answers 503. Slow clients are the reverse
# proxy's to cut off (nginx's client_header_timeout); the API gives a body 10 s (app.BODY_SECONDS).
MAX_CONNECTIONS = 1000
PURGE_EVERY = 3600.0  # seconds between retention purges while the service runs


def build_site(settings: Settings, today: dt.date, strict: bool = False) -> None:
    """`mkdocs build` of the knowledge base's site for the server's audience into its site folder."""
    config = settings.root / "mkdocs.yml"
    if not config.is_file():
        raise KBError(f"no mkdocs.yml in {settings.root}: kb serve builds the site from it")
    env = dict(os.environ, KB_AUDIENCE=settings.audience, KB_TODAY=today.isoformat(), NO_MKDOCS_2_WARNING="1")
    argv = [sys.executable, "-m", "mkdocs", "build", "-q", "-f", str(config), "-d", str(settings.site_dir)]
    done = subprocess.run([*argv, *(["--strict"] if strict else [])], env=env, text=True, check=False,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        raise KBError(f"the {settings.audience} site did not build:\n{done.stdout.strip()}")


def needs_build(settings: Settings) -> str | None:
    """Why the site folder cannot be served as it is (None when it can)."""
    found = manifest.read(settings.site_dir)
    if found is None:
        return f"{settings.site_dir} holds no site built by kb"
    if found.audience != settings.audience:
        return f"{settings.site_dir} holds the {found.audience} site, not the {settings.audience} one"
    return None


def stylesheets(site_dir: Path) -> tuple[str, ...]:
    """The built site's stylesheets (the theme's and the project's), for the service's own pages."""
    sheets = sorted(site_dir.glob("assets/stylesheets/main.*.min.css")) + sorted(
        site_dir.glob("assets/stylesheets/kb.css"))
    return tuple("/" + p.relative_to(site_dir).as_posix() for p in sheets)


def open_service(settings: Settings, kb: KnowledgeBase, today: dt.date, store: Store | None = None) -> Service:
    """The service's parts; `store` lets a caller hand over one it opened itself (a read-only one, say)."""
    if problem := settings.problem():
        raise KBError(problem)
    return Service(
        settings=settings, kb=kb, view=build_view(kb, settings.audience, today),
        store=store or Store(settings.store), limiter=RateLimiter(settings.rate),
        run_limiter=RateLimiter(settings.run_rate),
        webhook=Webhook(settings.webhook) if settings.webhook else None,
        site_policy=site_policy(settings), stylesheets=stylesheets(settings.site_dir),
        day=today if today != dt.date.today() else None,
    )


def listen(host: str, port: int) -> socket.socket:
    """A listening socket, or KBError saying why not (a port in use is the usual reason)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP said outright: asyncio turns Nagle's algorithm off only on sockets that say so, and
    # without that every answer on a kept-alive connection waits ~40 ms for the client's delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(2048)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise KBError(f"port {port} on {host} is already in use; stop what uses it or pick another "
                          "with --port") from None
        raise KBError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    return sock


def purge_loop(service: Service, stop: threading.Event) -> None:
    """Delete text older than the retention period now, then every hour until `stop`."""
    retention = service.settings.retention
    while retention is not None:
        try:
            removed = service.store.purge(dt.datetime.now(dt.UTC) - retention, by="retention")
            if removed:
                log.info("retention: deleted the text of %d items", removed)
        except Exception as exc:  # noqa: BLE001 - a failed purge is logged and retried, never fatal
            log.error("retention: %s", exc)
        if stop.wait(PURGE_EVERY):
            return


def uvicorn_server(service: Service, log_level: str = "info") -> uvicorn.Server:
    """uvicorn for the service's app: X-Forwarded-For is the app's to judge (guard.client_address), not uvicorn's."""
    import uvicorn  # imported here: only kb serve pays for it

    return uvicorn.Server(uvicorn.Config(
        build_app(service), log_level=log_level, proxy_headers=False, server_header=False,
        access_log=log_level == "debug", timeout_graceful_shutdown=5,
        limit_concurrency=MAX_CONNECTIONS, timeout_keep_alive=5))


def run(service: Service, sock: socket.socket, log_level: str = "info") -> None:
    """Serve until interrupted (Ctrl-C, SIGTERM)."""
    stop = threading.Event()
    threading.Thread(target=purge_loop, args=(service, stop), name="kb-retention", daemon=True).start()
    try:
        asyncio.run(uvicorn_server(service, log_level).serve(sockets=[sock]))
    finally:
        stop.set()
        service.store.close()
