"""The run pages and posts of the internal service: a run's checklist worked as a team.

    GET  /service/runs/                 the runs, and a form to start one
    POST /service/runs/                 form: start a run (doc, account, start, run) -> 303 to its page
    GET  /service/runs/{RUN-n}/         the run: each step with its assignee, due date, items, gate and comments
    POST /service/runs/{RUN-n}/         form: a change (item, action, value, note, seen) or a comment -> 303 back
    POST /api/v1/runs/{RUN-n}/changes   JSON: {"item", "action", "value", "note", "seen"} -> the item after
    POST /api/v1/runs/{RUN-n}/comments  JSON: {"step", "text"} -> 201

Every post passes the origin check and a rate limit of its own, and needs an
identity: the trusted proxy's user header, or `kb serve --as person:<id>` for
local use. A change is decided and written in one store transaction
(kbtools/runs/work.py), so two people ticking at once never lose each other's
ticks; a field set over someone else's newer value is refused (409) when the
form says which version it showed.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from ..checklist.model import Checklist
from ..findings import ContentError, KBError
from ..loop.store import RunItem, RunRecord, StoreError, now, parse_run_ref
from ..runs import work
from ..runs.model import RUN_STATES
from ..runs.work import Actor, Change, RunRefused
from ..site import urls
from ..templates import environment
from . import live
from .guard import Refused, check_origin, client_address, identity
from .payloads import Payload, RunChangeIn, RunCommentIn, RunStartIn

if TYPE_CHECKING:
    from jinja2 import Environment

    from .app import Service

log = logging.getLogger("kbtools.service")
FORM = "application/x-www-form-urlencoded"
MAX_FIELDS = 60  # pairs in one form post


@cache
def _env() -> Environment:
    return environment("kbtools.service")


def actor_of(service: Service, request: Request) -> Actor:
    """Who makes a change: the `--as` person, else the trusted proxy's user; Refused when nobody is named."""
    settings = service.settings
    if settings.acting_as:
        return Actor(settings.acting_as, settings.acting_as)
    who = identity(request, settings, service.kb)
    if who.sender is None:
        raise Refused(403, "changing a run needs to know who you are: sign in through the site's proxy "
                           "(or, for local use, run kb serve --as person:<id>)", "no-identity")
    return Actor(who.person or who.sender, who.person)


def accept_run_post(service: Service, request: Request) -> Actor:
    check_origin(request, service.settings)
    who = actor_of(service, request)
    wait = service.run_limiter.take(client_address(request, service.settings))
    if wait:
        raise Refused(429, "too many changes from this address; try again shortly", "rate-limited",
                      {"Retry-After": str(max(1, round(wait)))})
    return who


def reader_refused(service: Service, request: Request) -> Response | None:
    """With identities, the run pages are for people of the registry; without (local use), open."""
    if service.settings.identity_header is None or service.settings.acting_as:
        return None
    try:
        who = identity(request, service.settings, service.kb)
    except Refused as exc:
        return HTMLResponse(live.message_page("Not allowed", str(exc)), status_code=exc.status)
    if who.person is None:
        return HTMLResponse(live.message_page(
            "Not allowed", "The run pages are for the people of the registry; sign in through the site's proxy."),
            status_code=403)
    return None


async def read_form(request: Request) -> dict[str, Any]:
    """A form post's fields: `value` may repeat (multiple choice), nothing else may; blanks of optional
    fields are left out."""
    from .app import media_type, read_body

    if (media := media_type(request)) != FORM:
        raise Refused(415, f"send the form as {FORM}, not {media or 'nothing'}", "content-type")
    body = await read_body(request)
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except (UnicodeDecodeError, ValueError):
        raise Refused(400, "the form is not valid UTF-8 or has too many fields", "bad-form") from None
    data: dict[str, Any] = {}
    for key, value in pairs:
        if key == "value" and key in data:
            data[key] = [*([data[key]] if isinstance(data[key], str) else data[key]), value]
        elif key in data:
            raise Refused(400, f"the form names {key!r} more than once", "bad-form")
        else:
            data[key] = value
    if isinstance(data.get("seen"), str) and data["seen"].isdigit():
        data["seen"] = int(data["seen"])
    for key in ("account", "start", "run", "note"):
        if data.get(key) == "":
            del data[key]
    return data


def form_as(model: type[Payload], data: dict[str, Any]) -> Any:
    from .app import validated

    return validated(model, data)


def _record(service: Service, text: str) -> RunRecord:
    number = parse_run_ref(text)
    record = service.store.get_run(number) if number is not None else None
    if record is None:
        raise Refused(404, f"there is no run {text}", "unknown-run")
    return record


def change_run(service: Service, text: str, sent: RunChangeIn, who: Actor) -> tuple[RunRecord, list[RunItem]]:
    """Decide and write one change (in a store thread); Refused or RunRefused when it is not taken."""
    record = _record(service, text)
    cl = work.checklist_of(record)
    change = Change(item=sent.item, action=sent.action, value=sent.value, note=sent.note, seen=sent.seen)
    items = service.store.change_run(record.id, work.decide(service.kb, cl, change, who), by=who.ref)
    return record, items


def comment_run(service: Service, text: str, sent: RunCommentIn, who: Actor) -> RunRecord:
    record = _record(service, text)
    if not any(step.id == sent.step for step in work.checklist_of(record).steps):
        raise RunRefused(404, f"{record.ref} has no step {sent.step!r}", "unknown-step")
    service.store.add_run_comment(record.id, sent.step, sent.text, by=who.ref)
    return record


def start_run(service: Service, sent: RunStartIn, who: Actor) -> RunRecord:
    if sent.doc not in service.view.docs:
        raise RunRefused(422, f"{sent.doc} is not a document of this site", "unknown-document")
    if sent.account is not None and sent.account not in service.view.accounts:
        raise RunRefused(422, f"{sent.account} is not an account of this site", "unknown-account")
    start = dt.date.fromisoformat(sent.start) if sent.start else service.today
    try:
        return work.start_run(service.kb, service.store, sent.doc, account_id=sent.account, sets={}, start=start,
                              today=service.today, run_kind=sent.run, by=who.ref)
    except (KBError, ContentError) as exc:
        raise RunRefused(422, str(exc), "cannot-start") from None


def item_data(cl: Checklist, item: RunItem) -> dict[str, Any]:
    kind = work.field_kind(cl, item.key)
    return {"key": item.key, "kind": item.kind, "done": item.done,
            "value": work.field_value(kind, item.value) if kind else None,
            "decision": item.decision, "note": item.note, "by": item.by,
            "at": item.at.strftime("%Y-%m-%dT%H:%M:%SZ") if item.at else None, "version": item.version}


# --- pages -------------------------------------------------------------------------------


def _render(service: Service, template: str, title: str, **context: Any) -> str:
    return _env().get_template(template).render(
        title=title, stylesheets=service.stylesheets, generated=now().strftime("%Y-%m-%d %H:%M"),
        acting_as=live.acting_as(service), **context)


def _runs_with_items(service: Service, account: str | None = None) -> list[tuple[RunRecord, list[RunItem]]]:
    items = service.store.all_run_items()
    return [(r, items.get(r.id, [])) for r in service.store.runs(account=account)]


def run_counts(service: Service) -> dict[str, int]:
    """How many runs are in each state (for the dashboard)."""
    counts: dict[str, int] = dict.fromkeys(RUN_STATES, 0)
    for record, items in _runs_with_items(service):
        counts[work.run_state(work.checklist_of(record), items, service.today)] += 1
    return counts


def runs_page(service: Service, account: str | None = None, asked: dict[str, str] | None = None) -> str:
    """The runs (of one account), newest first, and the start form (filled in from `asked`: doc, account, run)."""
    rows = []
    for record, mine in reversed(_runs_with_items(service, account)):
        cl = work.checklist_of(record)
        rows.append((record, cl, work.run_state(cl, mine, service.today),
                     sum(1 for i in mine if (i.kind == "task" and not i.done)
                         or (i.kind == "approval" and i.decision != "approved"))))
    docs = [e.model for e in service.view.docs.values() if e.model.steps and e.model.status != "retired"]
    accounts = [e.model for e in service.view.accounts.values()]
    title = "Checklist runs"
    if account is not None:
        title = f"Runs of {service.view.accounts[account].model.name} ({account})"
    asked = asked or {}
    return _render(service, "runs.html", title, rows=rows, docs=sorted(docs, key=lambda d: d.id),
                   accounts=sorted(accounts, key=lambda a: a.id), today=service.today.isoformat(),
                   account=account or asked.get("account"), doc=asked.get("doc"), run_kind=asked.get("run"))


def tasks_page(service: Service, person: str | None) -> str:
    found = work.open_items(service.kb, _runs_with_items(service), service.today) if person else []
    rows = work.mine(service.kb, found, person) if person else []
    name = service.kb.display_name(person) if person else None
    people = sorted((e.model for e in service.kb.people.values() if e.model.active), key=lambda p: p.name)
    return _render(service, "tasks.html", f"My tasks: {name}" if name else "My tasks", rows=rows, person=person,
                   people=people, today=service.today)


def run_page(service: Service, text: str) -> str | None:
    number = parse_run_ref(text)
    record = service.store.get_run(number) if number is not None else None
    if record is None:
        return None
    items = service.store.run_items(record.id)
    report = work.report(service.kb, record, items, service.store.run_comments(record.id), service.today)
    doc_url = "/" + urls.published(urls.doc(record.doc)) if record.doc in service.view.docs else None
    return _render(service, "run.html", f"{report.id}: {report.title}", run=report,
                   versions={i.key: i.version for i in items}, doc_url=doc_url, today=service.today)


# --- routes ------------------------------------------------------------------------------


def run_routes(service: Service) -> list[Route]:
    from .app import _page, error, read_payload, refused

    def html_refusal(status: int, message: str, back: str) -> HTMLResponse:
        return HTMLResponse(live.message_page("Not done", message, live.acting_as(service), back),
                            status_code=status)

    async def runs(request: Request) -> Response:
        if refusal := reader_refused(service, request):
            return refusal
        asked = {k: request.query_params[k] for k in ("doc", "account", "run") if k in request.query_params}
        return await _page(runs_page, service, None, asked)

    async def start(request: Request) -> Response:
        try:
            who = accept_run_post(service, request)
            sent: RunStartIn = form_as(RunStartIn, await read_form(request))
            record = await service.in_store(start_run, service, sent, who)
        except (Refused, RunRefused) as exc:
            return html_refusal(exc.status, str(exc), "/service/runs/")
        except StoreError as exc:
            log.error("store: %s", exc)
            return html_refusal(503, "the store cannot be written just now; try again shortly", "/service/runs/")
        return RedirectResponse(f"/service/runs/{record.ref}/", status_code=303)

    async def page(request: Request) -> Response:
        if refusal := reader_refused(service, request):
            return refusal
        text = request.path_params["run"]
        try:
            html = await service.in_store(run_page, service, text)
        except StoreError as exc:
            log.error("store: %s", exc)
            return HTMLResponse(live.unavailable_page(service.kb), status_code=503)
        if html is None:
            return HTMLResponse(live.message_page("Not found", f"There is no run {text}."), status_code=404)
        return HTMLResponse(html)

    async def form(request: Request) -> Response:
        text = request.path_params["run"]
        back = f"/service/runs/{text}/"
        try:
            who = accept_run_post(service, request)
            data = await read_form(request)
            if data.get("action") == "comment":
                data.pop("action")
                comment: RunCommentIn = form_as(RunCommentIn, data)
                await service.in_store(comment_run, service, text, comment, who)
                step = comment.step
            else:
                change: RunChangeIn = form_as(RunChangeIn, data)
                await service.in_store(change_run, service, text, change, who)
                step = change.item.partition("/")[0]
        except (Refused, RunRefused) as exc:
            return html_refusal(exc.status, str(exc), back)
        except StoreError as exc:
            log.error("store: %s", exc)
            return html_refusal(503, "the store cannot be written just now; try again shortly", back)
        return RedirectResponse(f"{back}#step-{step}", status_code=303)

    async def json_post(request: Request, model: type[Payload], call: Any, failed: str) -> Any:
        """The checks, the body as `model`, then `call(service, run, body, who)` in a store thread;
        a Response when any of them refuses."""
        try:
            who = accept_run_post(service, request)
            sent = await read_payload(request, model)
            return sent, who, await service.in_store(call, service, request.path_params["run"], sent, who)
        except Refused as exc:
            return refused(exc)
        except RunRefused as exc:
            return error(exc.status, str(exc), exc.code)
        except StoreError as exc:
            log.error("store: %s", exc)
            return error(503, f"the {failed}; please try again later", "store-unavailable")

    async def changes(request: Request) -> Response:
        done = await json_post(request, RunChangeIn, change_run, "run could not be changed")
        if isinstance(done, Response):
            return done
        sent, _, (record, items) = done
        item = next(i for i in items if i.key == sent.item)
        cl = work.checklist_of(record)
        return JSONResponse({"run": record.ref, "state": work.run_state(cl, items, service.today),
                             "item": item_data(cl, item)})

    async def comments(request: Request) -> Response:
        done = await json_post(request, RunCommentIn, comment_run, "comment could not be stored")
        if isinstance(done, Response):
            return done
        sent, who, record = done
        return JSONResponse({"run": record.ref, "step": sent.step, "by": who.ref}, status_code=201)

    async def account(request: Request) -> Response:
        if refusal := reader_refused(service, request):
            return refusal
        acc = request.path_params["account"]
        if acc not in service.view.accounts:
            return HTMLResponse(live.message_page("Not found", f"There is no account {acc} on this site."),
                                status_code=404)
        return await _page(runs_page, service, acc)

    async def tasks(request: Request) -> Response:
        if refusal := reader_refused(service, request):
            return refusal
        asked = request.query_params.get("person")
        person = None
        if asked:
            person = asked if asked.startswith("person:") else f"person:{asked}"
            if person.removeprefix("person:") not in service.kb.people:
                return HTMLResponse(live.message_page("Not found", "There is no such person in the registry.",
                                                      back="/service/tasks/"), status_code=404)
        elif service.settings.acting_as:
            person = service.settings.acting_as
        elif service.settings.identity_header:  # believed: reader_refused has checked where it came from
            person = identity(request, service.settings, service.kb).person
        return await _page(tasks_page, service, person)

    return [
        Route("/service/runs/", runs),
        Route("/service/tasks/", tasks),
        Route("/service/accounts/{account}/", account),
        Route("/service/runs/", start, methods=["POST"]),
        Route("/service/runs/{run}/", page),
        Route("/service/runs/{run}/", form, methods=["POST"]),
        Route("/api/v1/runs/{run}/changes", changes, methods=["POST"]),
        Route("/api/v1/runs/{run}/comments", comments, methods=["POST"]),
    ]
