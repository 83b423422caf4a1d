"""`make start`: `mkdocs serve` builds the site and answers on the address it was given."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from conftest import SITE_TODAY, copy_site_kb


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read().decode("utf-8")


def test_the_preview_serves_the_site_even_with_a_site_url_in_kb_yml(tmp_path: Path) -> None:
    root = copy_site_kb(tmp_path / "kb")
    with (root / "kb.yml").open("a", encoding="utf-8") as fh:
        fh.write("site_url: https://kb.kestrel.example/\n")
    port = _free_port()
    env = dict(os.environ, KB_TODAY=SITE_TODAY, NO_MKDOCS_2_WARNING="1")
    argv = [sys.executable, "-m", "mkdocs", "serve", "-f", str(root / "mkdocs.yml"), "-a", f"127.0.0.1:{port}",
            "--no-livereload"]
    server = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        page = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                page = _get(f"http://127.0.0.1:{port}/sops/sop-fld-001/")
                break
            except OSError:
                time.sleep(0.25)
        assert page is not None, f"mkdocs serve never answered:\n{_output(server)}"
        status, body = page
        assert status == 200 and "SOP-FLD-001" in body
    finally:
        server.terminate()
        server.wait(timeout=10)


def _output(server: subprocess.Popen[str]) -> str:
    server.terminate()
    out, _ = server.communicate(timeout=10)
    return out
