"""`kb serve`: the built site and the knowledge loop's API, on one address."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click

from ..config import root_of
from ..findings import KBError
from ..kb import KnowledgeBase
from ..loop.location import store_location
from ..service import server
from ..service.settings import (
    DEFAULT_RATE,
    DEFAULT_RUN_RATE,
    LOOPBACK_NAMES,
    RateLimit,
    Settings,
    allowed_hosts,
    parse_header,
    parse_networks,
    parse_origin,
    parse_rate,
    parse_url,
)
from .common import note_left_out, open_kb, root_option, today_option


def _parsed(parse: Any) -> Any:
    """A Click callback that runs `parse` on the option's value and turns its ValueError into a usage error."""

    def callback(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        if value is None or value == ():
            return None
        try:
            return parse(value)
        except ValueError as exc:
            raise click.BadParameter(str(exc)) from None

    return callback


@click.command("serve")
@click.option("--audience", type=click.Choice(["internal", "public"]), default="internal", show_default=True,
              help="Which site to serve; the server decides, never the request.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port to listen on.")
@click.option("--build/--no-build", "rebuild", default=False,
              help="Build the site first even when one is there (default: only when there is none).")
@click.option("--site-dir", type=click.Path(file_okay=False, path_type=Path),
              help="The built site (default: site/ for internal, site-public/ for public).")
@click.option("--store", type=click.Path(dir_okay=False, path_type=Path), envvar="KB_STORE",
              help="The feedback store, an SQLite file [env KB_STORE; default .kb/store.sqlite3].")
@click.option("--identity-header", envvar="KB_IDENTITY_HEADER", callback=_parsed(parse_header), metavar="NAME",
              help="Header the reverse proxy puts the signed-in user in (e.g. X-Remote-User) [env KB_IDENTITY_HEADER].")
@click.option("--trusted-proxy", "trusted_proxies", multiple=True, envvar="KB_TRUSTED_PROXIES", metavar="ADDRESS",
              help="Address or network of a reverse proxy whose identity header and X-Forwarded-For are "
                   "believed; repeatable [env KB_TRUSTED_PROXIES, comma-separated].")
@click.option("--rate-limit", envvar="KB_RATE_LIMIT", callback=_parsed(parse_rate), metavar="N/PERIOD",
              help=f"Posts per client, e.g. 20/minute [env KB_RATE_LIMIT; default {DEFAULT_RATE}].")
@click.option("--run-rate-limit", envvar="KB_RUN_RATE_LIMIT", callback=_parsed(parse_rate), metavar="N/PERIOD",
              help=f"Changes to checklist runs per client [env KB_RUN_RATE_LIMIT; default {DEFAULT_RUN_RATE}].")
@click.option("--webhook", envvar="KB_WEBHOOK_URL", callback=_parsed(lambda v: parse_url(v, "webhook")),
              metavar="URL", help="POST each new item as JSON to URL [env KB_WEBHOOK_URL].")
@click.option("--origin", "origins", multiple=True, envvar="KB_ORIGIN", metavar="URL",
              help="The site's public origin (https://kb.example.com) when a proxy rewrites Host; repeatable "
                   "[env KB_ORIGIN].")
@click.option("--retention-days", type=click.IntRange(min=1), envvar="KB_RETENTION_DAYS",
              help="Delete comments and who sent them after this many days (hourly) [env KB_RETENTION_DAYS].")
@click.option("--as", "acting_as", metavar="person:<id>",
              help="Local use without a proxy: make every change to a run as this person (said on every page); "
                   "only on a loopback address.")
@click.option("--strict", is_flag=True, help="Build the site with --strict.")
@today_option
@root_option
def serve(audience: str, host: str, port: int, rebuild: bool, site_dir: Path | None, store: Path | None,
          identity_header: str | None, trusted_proxies: tuple[str, ...], rate_limit: RateLimit | None,
          run_rate_limit: RateLimit | None, webhook: str | None, origins: tuple[str, ...],
          retention_days: int | None, acting_as: str | None, strict: bool, today: dt.date,
          root: Path | None) -> int:
    """Serve the built site and the feedback and knowledge-gap API.

    The site is built first when --site-dir holds none for this audience, or
    with --build. Settings come from these options or the environment, never
    from kb.yml (which any pull request can change). Stop with Ctrl-C.
    """
    path = root_of(root)
    try:
        networks = tuple(n for value in trusted_proxies for n in parse_networks(value))
        allowed = tuple(parse_origin(o) for value in origins for o in value.split(",") if o.strip())
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    settings = Settings(
        root=path, site_dir=site_dir or path / ("site" if audience == "internal" else "site-public"),
        store=store_location(path, store), audience=audience,  # type: ignore[arg-type]
        identity_header=identity_header, trusted_proxies=networks, rate=rate_limit or DEFAULT_RATE,
        run_rate=run_rate_limit or DEFAULT_RUN_RATE,
        webhook=webhook, origins=allowed, allowed_hosts=allowed_hosts(host, allowed),
        retention=dt.timedelta(days=retention_days) if retention_days else None, acting_as=acting_as,
    )
    if problem := settings.problem():
        raise click.UsageError(problem)
    if acting_as and host not in LOOPBACK_NAMES:
        raise click.UsageError(f"--as makes every change as one person: serve it on a loopback address "
                               f"(--host 127.0.0.1), not {host}")
    if settings.allowed_hosts == ("*",):
        click.echo(f"kb: listening on every address of this machine ({host}) and answering any Host name; "
                   "give the site's address with --origin", err=True)
    sock = server.listen(host, port)  # before the build: a taken port is said at once
    try:
        if rebuild or (reason := server.needs_build(settings)):
            click.echo(f"kb: building the {audience} site into {settings.site_dir}"
                       + ("" if rebuild else f" ({reason})"), err=True)
            server.build_site(settings, today, strict)
        kb = open_kb(path)
        if acting_as:
            _check_person(kb, acting_as)
        note_left_out(kb, "the service")
        service = server.open_service(settings, kb, today)
    except BaseException:
        sock.close()
        raise
    shown_host = f"[{host}]" if ":" in host else host
    click.echo(f"kb: serving the {audience} site on http://{shown_host}:{sock.getsockname()[1]}/ "
               f"(store {settings.store}); Ctrl-C stops", err=True)
    server.run(service, sock)
    return 0


def _check_person(kb: KnowledgeBase, ref: str) -> None:
    """`--as`: an active person of the registry, written person:<id>."""
    kind, _, ident = ref.partition(":")
    person = kb.people.get(ident) if kind == "person" else None
    if person is None:
        raise KBError(f"--as {ref!r}: write a person of org/people.yaml as person:<id>")
    if not person.model.active:
        raise KBError(f"--as {ref}: {person.model.name} is no longer active")
