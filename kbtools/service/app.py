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

import logging
from collections.abc import Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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
    webhook: Webhook | None
    site_policy: str
    stylesheets: tuple[str, ...] = ()

    @property
    def internal(self) -> bool:
        return self.settings.audience == "internal"

    def version_of(self, doc: str | None) -> str | None:
        entry = self.view.docs.get(doc) if doc else None
        return entry.model.version if entry else None


def error(status: int, message: str, code: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message, "code": code}, status_code=status, headers=headers)


def refused(exc: Refused) -> JSONResponse:
    return error(exc.status, str(exc), exc.code, exc.headers)


async def read_payload(request: Request, model: type[Payload]) -> Any:
    """The request's JSON body as `model`, or Refused with the status that says what is wrong with it."""
    media = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if media != "application/json":
        raise Refused(415, "send the body as JSON (Content-Type: application/json)", "content-type")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise Refused(413, f"the body is larger than {MAX_BODY} bytes", "too-large")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise Refused(413, f"the body is larger than {MAX_BODY} bytes", "too-large")
    try:
        return model.model_validate_json(bytes(body))
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        if first["type"] == "json_invalid":
            raise Refused(400, "the body is not valid JSON", "bad-json") from None
        where = ".".join(str(part) for part in first["loc"]) or "body"
        raise Refused(422, f"{where}: {first['msg']}", "invalid") from None


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
        item = await run_in_threadpool(service.store.add, new)
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


def build_app(service: Service) -> Starlette:
    settings = service.settings

    async def status(request: Request) -> JSONResponse:
        return JSONResponse({"service": "kb", "version": 1, "audience": settings.audience})

    async def feedback(request: Request) -> Response:
        try:
            who, _ = accept(service, request)
            sent: FeedbackIn = await read_payload(request, FeedbackIn)
            if sent.doc is not None and sent.doc not in service.view.docs:
                raise Refused(422, f"doc: {sent.doc} is not a document of this site", "unknown-document")
        except Refused as exc:
            return refused(exc)
        return await store_new(service, NewItem(
            kind="feedback", audience=settings.audience, doc=sent.doc, version=service.version_of(sent.doc),
            page=sent.page, helpful=sent.helpful, text=sent.comment, sender=who.sender, person=who.person))

    async def gaps(request: Request) -> Response:
        try:
            who, _ = accept(service, request)
            sent: GapIn = await read_payload(request, GapIn)
            if sent.doc is not None and sent.doc not in service.view.docs:
                raise Refused(422, f"doc: {sent.doc} is not a document of this site", "unknown-document")
            if sent.account is not None and sent.account not in service.view.accounts:
                raise Refused(422, f"account: {sent.account} is not an account of this site", "unknown-account")
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
            summary = await run_in_threadpool(live.document_summary, service.store, doc)
        except StoreError as exc:
            log.error("store: %s", exc)
            return error(503, "the feedback store cannot be read", "store-unavailable")
        return JSONResponse({"doc": doc, **summary, "url": f"service/documents/{doc}/"})

    async def dashboard(request: Request) -> Response:
        return await _page(live.dashboard_page, service)

    async def document(request: Request) -> Response:
        doc = request.path_params["doc"]
        if doc not in service.view.docs:
            return HTMLResponse(live.not_found_page(service.kb, doc), status_code=404)
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
        ]
    async def no_such_api(request: Request) -> Response:
        return error(404, f"there is no {request.url.path} on this {settings.audience} service", "not-found")

    routes += [
        Route("/api/v1/{rest:path}", no_such_api, methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"]),
        Mount("/", StaticFiles(directory=settings.site_dir, html=True)),
    ]

    @asynccontextmanager
    async def lifespan(app: Starlette) -> Any:
        yield
        if service.webhook is not None:
            service.webhook.close()

    app = Starlette(routes=routes, lifespan=lifespan)
    return SecurityHeaders(app, service.site_policy)  # type: ignore[return-value]


async def _page(render: Callable[..., str], service: Service, *args: Any) -> Response:
    try:
        html = await run_in_threadpool(render, service, *args)
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
        if path.startswith("/api/v1/"):
            policy = API_POLICY.encode()
        elif path.startswith("/service/"):
            policy = live.POLICY.encode()
        else:
            policy = self.site_policy

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"content-security-policy"]
                message["headers"] = [*headers, (b"content-security-policy", policy), *COMMON_HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def site_policy(settings: Settings) -> str:
    """The header policy the build wrote for its pages (kb-site.json)."""
    found = manifest.read(settings.site_dir)
    return found.policy if found else API_POLICY
