"""The service: one built site, the knowledge loop's API beside it, and live pages for the KMT.

    GET  /api/v1/status                      {"service": "kb", "version": 1, "audience": ...}
    POST /api/v1/feedback                    {"doc", "page", "helpful", "comment"} -> 201 {"id": "FB-12", ...}
    POST /api/v1/gaps                        internal: {"question", "kind", "product", "account", "doc", "page"}
    GET  /api/v1/documents/{ID}/helpfulness  internal: votes, % helpful, open items
    GET  /service/                           internal: the feedback dashboard
    GET  /service/documents/{ID}/            internal: one document's feedback
    GET  /...                                the built site

The audience is the server's (`Settings.audience`), never the request's: the
public service has no gap intake, no live pages and shows no one's comments.
Every answer carries a Content-Security-Policy header; the site's pages keep
their own, stricter, <meta> policy as well.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import json
import logging
import stat
from collections.abc import Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import anyio
import anyio.to_thread
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..authority import holds
from ..digest import recipients
from ..kb import KnowledgeBase
from ..loop.store import NewItem, Store, StoreError
from ..loop.triage import item_data, owner_of
from ..site import manifest
from ..site.view import SiteView
from . import live
from .guard import Identity, RateLimiter, Refused, check_origin, client_address, identity
from .payloads import FeedbackIn, GapIn, Payload
from .settings import MAX_BODY, Settings
from .webhook import Webhook

log = logging.getLogger("kbtools.service")

T = TypeVar("T")
STORE_THREADS = 8  # store calls at once; the rest of AnyIO's 40 threads stay free for the site's files
BODY_SECONDS = 10  # a post's body must arrive within this long
API_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
COMMON_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
)


@dataclass
class Service:
    """What the app's handlers share: the settings, the knowledge base as this audience sees it, the store."""

    settings: Settings
    kb: KnowledgeBase
    view: SiteView
    store: Store
    limiter: RateLimiter
    run_limiter: RateLimiter
    webhook: Webhook | None
    site_policy: str
    stylesheets: tuple[str, ...] = ()
    day: dt.date | None = None
    store_threads: anyio.CapacityLimiter = field(default_factory=lambda: anyio.CapacityLimiter(STORE_THREADS))

    @property
    def internal(self) -> bool:
        return self.settings.audience == "internal"

    async def in_store(self, call: Callable[..., T], *args: Any) -> T:
        """Run a call that uses the store in a thread of the store's own: a slow store never takes the
        threads that serve the site's files."""
        return await anyio.to_thread.run_sync(functools.partial(call, *args), limiter=self.store_threads)

    @property
    def today(self) -> dt.date:
        """The day runs count due dates against: the one the service was started with when it was told one
        (`--today`, `KB_TODAY`), else the machine's date, day by day."""
        return self.day or dt.date.today()

    def version_of(self, doc: str | None) -> str | None:
        entry = self.view.docs.get(doc) if doc else None
        return entry.model.version if entry else None


def error(status: int, message: str, code: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message, "code": code}, status_code=status, headers=headers)


def refused(exc: Refused) -> JSONResponse:
    return error(exc.status, str(exc), exc.code, exc.headers)


def media_type(request: Request) -> str:
    return request.headers.get("content-type", "").partition(";")[0].strip().lower()


async def read_payload(request: Request, model: type[Payload]) -> Any:
    """The request's JSON body as `model`, or Refused with the status that says what is wrong with it."""
    if media_type(request) != "application/json":
        raise Refused(415, "send the body as JSON (Content-Type: application/json)", "content-type")
    body = await read_body(request)
    try:
        data = json.loads(bytes(body), object_pairs_hook=_no_repeated_keys)
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise Refused(400, "the body is not valid JSON", "bad-json") from None
    except RepeatedKey as exc:
        raise Refused(400, f"the body names {str(exc)!r} more than once", "bad-json") from None
    return validated(model, data)


def validated(model: type[Payload], data: Any) -> Any:
    """`data` as `model`, or Refused (422) naming the first thing wrong with it."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise Refused(422, f"{where}: {first['msg']}", "invalid") from None


async def read_body(request: Request) -> bytes:
    """The request's body, at most MAX_BODY bytes arriving within BODY_SECONDS; Refused otherwise."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise Refused(413, f"the body is larger than {MAX_BODY} bytes", "too-large")
    body = bytearray()
    try:
        async with asyncio.timeout(BODY_SECONDS):  # a body sent a byte at a time holds a connection
            async for chunk in request.stream():
                body += chunk
                if len(body) > MAX_BODY:
                    raise Refused(413, f"the body is larger than {MAX_BODY} bytes", "too-large")
    except TimeoutError:
        raise Refused(408, f"the body took longer than {BODY_SECONDS} s to arrive", "too-slow") from None
    except ClientDisconnect:
        raise Refused(400, "the client went away before the body arrived", "disconnected") from None
    return bytes(body)


class RepeatedKey(Exception):
    pass


def _no_repeated_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        keys = [key for key, _ in pairs]
        raise RepeatedKey(next(key for i, key in enumerate(keys) if key in keys[:i]))
    return found


def accept(service: Service, request: Request) -> tuple[Identity, str]:
    """The checks every post passes before its body is read: origin, identity, rate."""
    settings = service.settings
    check_origin(request, settings)
    who = identity(request, settings, service.kb) if service.internal else Identity(None, None)
    client = client_address(request, settings)
    wait = service.limiter.take(client)
    if wait:
        raise Refused(429, "too many submissions from this address; try again shortly", "rate-limited",
                      {"Retry-After": str(max(1, round(wait)))})
    return who, client


async def store_new(service: Service, new: NewItem) -> JSONResponse:
    try:
        item = await service.in_store(service.store.add, new)
    except StoreError as exc:
        log.error("store: %s", exc)
        return error(503, "the feedback could not be stored; please try again later", "store-unavailable")
    if service.webhook is not None and item.state == "new":
        data = item_data(service.kb, item)
        owner = owner_of(service.kb, item)
        service.webhook.send({"event": "item.created", "item": data, "owner": owner,
                              "recipients": recipients(service.kb, owner),
                              "url": service.kb.config.url(f"service/documents/{item.doc}/") if item.doc else None})
    return JSONResponse({"id": item.ref, "state": item.state}, status_code=201)


def known_to_site(service: Service, doc: str | None, account: str | None = None) -> None:
    """Refused (422) when a submission names a document or account this site does not show."""
    if doc is not None and doc not in service.view.docs:
        raise Refused(422, f"doc: {doc} is not a document of this site", "unknown-document")
    if account is not None and account not in service.view.accounts:
        raise Refused(422, f"account: {account} is not an account of this site", "unknown-account")


def build_app(service: Service) -> Starlette:
    from .runs import run_routes  # the run routes use this module's helpers

    settings = service.settings

    async def status(request: Request) -> JSONResponse:
        return JSONResponse({"service": "kb", "version": 1, "audience": settings.audience})

    async def feedback(request: Request) -> Response:
        try:
            who, _ = accept(service, request)
            sent: FeedbackIn = await read_payload(request, FeedbackIn)
            known_to_site(service, sent.doc)
        except Refused as exc:
            return refused(exc)
        return await store_new(service, NewItem(
            kind="feedback", audience=settings.audience, doc=sent.doc, version=service.version_of(sent.doc),
            page=sent.page, helpful=sent.helpful, text=sent.comment, sender=who.sender, person=who.person))

    async def gaps(request: Request) -> Response:
        try:
            who, _ = accept(service, request)
            sent: GapIn = await read_payload(request, GapIn)
            known_to_site(service, sent.doc, sent.account)
        except Refused as exc:
            return refused(exc)
        return await store_new(service, NewItem(
            kind="gap", audience=settings.audience, doc=sent.doc, version=service.version_of(sent.doc),
            page=sent.page, text=sent.question, gap_kind=sent.kind, product=sent.product, account=sent.account,
            sender=who.sender, person=who.person))

    async def helpfulness(request: Request) -> Response:
        doc = request.path_params["doc"]
        if doc not in service.view.docs:
            return error(404, f"{doc} is not a document of this site", "unknown-document")
        try:
            summary = await service.in_store(live.document_summary, service.store, doc)
        except StoreError as exc:
            log.error("store: %s", exc)
            return error(503, "the feedback store cannot be read", "store-unavailable")
        return JSONResponse({"doc": doc, **summary, "url": f"service/documents/{doc}/"})

    async def dashboard(request: Request) -> Response:
        if refusal := _reader_refused(service, request, None):
            return refusal
        return await _page(live.dashboard_page, service)

    async def document(request: Request) -> Response:
        doc = request.path_params["doc"]
        if doc not in service.view.docs:
            return HTMLResponse(live.not_found_page(service.kb, doc), status_code=404)
        if refusal := _reader_refused(service, request, doc):
            return refusal
        return await _page(live.document_page, service, doc)

    routes: list[Route | Mount] = [
        Route("/api/v1/status", status),
        Route("/api/v1/feedback", feedback, methods=["POST"]),
    ]
    if service.internal:
        routes += [
            Route("/api/v1/gaps", gaps, methods=["POST"]),
            Route("/api/v1/documents/{doc}/helpfulness", helpfulness),
            Route("/service/", dashboard),
            Route("/service/documents/{doc}/", document),
            *run_routes(service),
        ]
    allowed = {r.path: ", ".join(sorted(r.methods or ())) for r in routes if isinstance(r, Route)}

    async def no_such_api(request: Request) -> Response:
        path = request.url.path
        if path in allowed:
            return error(405, f"{path} takes {allowed[path]}", "method", {"Allow": allowed[path]})
        return error(404, f"there is no {path} on this {settings.audience} service", "not-found")

    routes += [
        Route("/api/v1/{rest:path}", no_such_api,
              methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]),
        Mount("/", SiteFiles(directory=settings.site_dir, html=True)),
    ]

    @asynccontextmanager
    async def lifespan(app: Starlette) -> Any:
        yield
        if service.webhook is not None:
            service.webhook.close()

    app = Starlette(routes=routes, lifespan=lifespan)
    hosts = TrustedHostMiddleware(app, allowed_hosts=list(settings.allowed_hosts), www_redirect=False)
    return SecurityHeaders(hosts, service.site_policy)  # type: ignore[return-value]


class SiteFiles(StaticFiles):
    """The built site's files; a file that cannot be read (a link loop, a vanished file) is not found."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        try:
            return await super().get_response(path, scope)
        except OSError:
            full, found = await anyio.to_thread.run_sync(self.lookup_path, "404.html")
            if found is not None and stat.S_ISREG(found.st_mode):
                return FileResponse(full, stat_result=found, status_code=404)
            return PlainTextResponse("Not Found", status_code=404)


def _reader_refused(service: Service, request: Request, doc: str | None) -> Response | None:
    """The comments on the live pages are for the governing team, and a document's also for its owner.

    Where the service knows who is reading (an identity header from the trusted proxy), anyone else
    gets 403; without identities (local use, or a proxy that admits only the KMT) the pages are open.
    """
    if service.settings.identity_header is None:
        return None
    try:
        who = identity(request, service.settings, service.kb)
    except Refused as exc:
        return HTMLResponse(live.message_page("Not allowed", str(exc)), status_code=exc.status)
    person = (who.person or "").removeprefix("person:")
    owners = [f"team:{service.kb.config.kmt_team}"] + ([service.view.docs[doc].model.owner] if doc else [])
    if person and any(holds(service.kb, person, ref) for ref in owners):
        return None
    shown = who.sender or "a reader the proxy did not name"
    return HTMLResponse(live.message_page(
        "Not allowed", f"The feedback pages are for the Knowledge Management Team and each document's owner; "
                       f"{shown} is neither."), status_code=403)


async def _page(render: Callable[..., str], service: Service, *args: Any) -> Response:
    try:
        html = await service.in_store(render, service, *args)
    except StoreError as exc:
        log.error("store: %s", exc)
        return HTMLResponse(live.unavailable_page(service.kb), status_code=503)
    return HTMLResponse(html)


class SecurityHeaders:
    """Adds the policy and the usual hardening headers to every answer (a plain ASGI middleware)."""

    def __init__(self, app: ASGIApp, site_policy: str):
        self.app = app
        self.site_policy = site_policy.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        live_data = path.startswith(("/api/v1/", "/service/"))
        if path.startswith("/api/v1/"):
            policy = API_POLICY.encode()
        elif path.startswith(("/service/runs/", "/service/tasks/", "/service/accounts/")):
            policy = live.FORM_POLICY.encode()  # the run pages post forms to the service
        elif path.startswith("/service/"):
            policy = live.POLICY.encode()
        else:
            policy = self.site_policy
        extra = [(b"cache-control", b"no-store")] if live_data else []

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"content-security-policy"]
                message["headers"] = [*headers, (b"content-security-policy", policy), *COMMON_HEADERS, *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def site_policy(settings: Settings) -> str:
    """The header policy the build wrote for its pages (kb-site.json)."""
    found = manifest.read(settings.site_dir)
    return found.policy if found else API_POLICY
