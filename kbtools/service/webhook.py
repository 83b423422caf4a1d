"""Telling an owner about a new item: a JSON POST to a URL of the server's settings.

Sent from one background thread, so a slow or broken receiver never delays a
reader's answer. A delivery is tried three times (after 1 s and 4 s), each
try with `TIMEOUT` seconds in all (a receiver that trickles its answer is cut
off too); a redirect is a failure, never followed. What still fails is logged
and dropped: the item is in the store either way, and the digest and the
dashboard list it. At most `QUEUE` deliveries wait; past that, new ones are
logged and dropped rather than held in memory. Stopping never waits for a
stuck receiver longer than `close`'s `wait`.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import urllib.error
import urllib.request
from typing import Any

log = logging.getLogger("kbtools.service")

QUEUE = 1000
TIMEOUT = 5.0
BACKOFF = (1.0, 4.0)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None  # the 3xx answer is then an HTTPError: a failed delivery


_OPENER = urllib.request.build_opener(_NoRedirects)


class Webhook:
    def __init__(self, url: str, backoff: tuple[float, ...] = BACKOFF, timeout: float = TIMEOUT):
        self.url = url
        self.backoff = backoff
        self.timeout = timeout
        self._queue: queue.Queue[dict[str, Any]] = queue.Queue(QUEUE)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="kb-webhook", daemon=True)
        self._thread.start()

    def send(self, payload: dict[str, Any]) -> None:
        try:
            self._queue.put_nowait(payload)
        except queue.Full:
            log.warning("webhook: %d deliveries are waiting; %s not sent", QUEUE, payload.get("item", {}).get("id"))

    def close(self, wait: float = 10.0) -> None:
        """Deliver what is queued for up to `wait` seconds, then stop (what is left is logged as not sent)."""
        self._stopping.set()
        self._thread.join(wait)
        if left := self._queue.qsize():
            log.warning("webhook: stopped with %d deliveries not sent", left)

    def _run(self) -> None:
        while True:
            try:
                payload = self._queue.get(timeout=0.2)
            except queue.Empty:
                if self._stopping.is_set():
                    return
                continue
            self._deliver(payload)

    def _deliver(self, payload: dict[str, Any]) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode()
        problem = ""
        for attempt in range(len(self.backoff) + 1):
            problem = self._try(body)
            if not problem:
                return
            if attempt < len(self.backoff) and not self._stopping.wait(self.backoff[attempt]):
                continue
            break
        log.warning("webhook: %s not delivered to %s: %s", payload.get("item", {}).get("id"), self.url, problem)

    def _try(self, body: bytes) -> str:
        """One delivery within `timeout` seconds in all: "" when it was taken, else what went wrong."""
        outcome: list[str] = []

        def post() -> None:
            request = urllib.request.Request(
                self.url, data=body, method="POST",
                headers={"Content-Type": "application/json", "User-Agent": "kbtools-webhook"})
            try:
                with _OPENER.open(request, timeout=self.timeout) as answer:
                    outcome.append("" if 200 <= answer.status < 300 else f"HTTP {answer.status}")
            except urllib.error.HTTPError as exc:
                outcome.append(f"HTTP {exc.code}")
            except (OSError, ValueError) as exc:
                outcome.append(str(exc))

        worker = threading.Thread(target=post, name="kb-webhook-post", daemon=True)
        worker.start()
        worker.join(self.timeout)
        return outcome[0] if outcome else f"no answer within {self.timeout} s"
