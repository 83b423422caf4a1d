"""Telling an owner about a new item: a JSON POST to a URL of the server's settings.

Sent from one background thread, so a slow or broken receiver never delays a
reader's answer. A delivery is tried three times (after 1 s and 4 s); what
still fails is logged and dropped: the item is in the store either way, and
the digest and the dashboard list it. At most `QUEUE` deliveries wait; past
that, new ones are logged and dropped rather than held in memory.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
import urllib.error
import urllib.request
from typing import Any

log = logging.getLogger("kbtools.service")

QUEUE = 1000
TIMEOUT = 5.0
BACKOFF = (1.0, 4.0)


class Webhook:
    def __init__(self, url: str, backoff: tuple[float, ...] = BACKOFF):
        self.url = url
        self.backoff = backoff
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue(QUEUE)
        self._thread = threading.Thread(target=self._run, name="kb-webhook", daemon=True)
        self._thread.start()

    def send(self, payload: dict[str, Any]) -> None:
        try:
            self._queue.put_nowait(payload)
        except queue.Full:
            log.warning("webhook: %d deliveries are waiting; %s not sent", QUEUE, payload.get("item", {}).get("id"))

    def close(self, wait: float = 10.0) -> None:
        """Deliver what is queued (up to `wait` seconds), then stop."""
        self._queue.put(None)
        self._thread.join(wait)

    def _run(self) -> None:
        while (payload := self._queue.get()) is not None:
            self._deliver(payload)

    def _deliver(self, payload: dict[str, Any]) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode()
        for attempt in range(len(self.backoff) + 1):
            request = urllib.request.Request(
                self.url, data=body, method="POST",
                headers={"Content-Type": "application/json", "User-Agent": "kbtools-webhook"})
            try:
                with urllib.request.urlopen(request, timeout=TIMEOUT) as answer:
                    if 200 <= answer.status < 300:
                        return
                    problem = f"HTTP {answer.status}"
            except urllib.error.HTTPError as exc:
                problem = f"HTTP {exc.code}"
            except (OSError, ValueError) as exc:
                problem = str(exc)
            if attempt < len(self.backoff):
                time.sleep(self.backoff[attempt])
        log.warning("webhook: %s not delivered to %s: %s", payload.get("item", {}).get("id"), self.url, problem)
