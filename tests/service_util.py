"""Running the real service in-process for a test: uvicorn on a free port in a thread, plain HTTP to it."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from kbtools.loop.store import Store
from kbtools.service.server import listen, open_service, uvicorn_server
from kbtools.service.settings import Settings

TODAY = dt.date(2026, 11, 22)


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode()


@dataclass
class Running:
    url: str
    service: Any
    posted: list[Answer] = field(default_factory=list)

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
                ) -> Answer:
        req = urllib.request.Request(self.url + path, data=body, method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=10) as answer:
                return Answer(answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read())
        except urllib.error.HTTPError as exc:
            return Answer(exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read())

    def get(self, path: str, headers: dict[str, str] | None = None) -> Answer:
        return self.request("GET", path, headers=headers)

    def post(self, path: str, data: Any, headers: dict[str, str] | None = None) -> Answer:
        body = data if isinstance(data, bytes) else json.dumps(data).encode()
        return self.request("POST", path, body, {"Content-Type": "application/json", **(headers or {})})


def settings_for(root: Path, site_dir: Path, store: Path, **changes: Any) -> Settings:
    return replace(Settings(root=root, site_dir=site_dir, store=store), **changes)


@contextlib.contextmanager
def running(settings: Settings, kb: Any, store: Store | None = None) -> Iterator[Running]:
    """The app of `settings` served on 127.0.0.1 at a free port until the block ends."""
    service = open_service(settings, kb, TODAY, store)
    sock = listen("127.0.0.1", 0)
    server = uvicorn_server(service, "warning")
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "the service did not start"
        time.sleep(0.02)
    try:
        yield Running(f"http://127.0.0.1:{sock.getsockname()[1]}", service)
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
        service.store.close()
