"""`make start`: `mkdocs serve` builds the site and answers on the address it was given."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from conftest import SITE_TODAY, copy_site_kb, free_port


def _get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read().decode("utf-8")


def test_the_preview_serves_the_site_even_with_a_site_url_in_kb_yml(tmp_path: Path) -> None:
    root = copy_site_kb(tmp_path / "kb")
    with (root / "kb.yml").open("a", encoding="utf-8") as fh:
        fh.write("site_url: https://kb.kestrel.example/\n")
    port = free_port()
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


def _wait_for(url: str, text: str, server: subprocess.Popen[str], seconds: float = 90) -> str:
    """The page at `url` once it shows `text` (the preview rebuilds after the save is noticed)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and server.poll() is None:
        try:
            status, body = _get(url)
            if status == 200 and text in body:
                return body
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} never showed {text!r}:\n{_output(server)}")


def test_a_saved_edit_shows_in_the_preview_and_the_pages_that_list_the_document_catch_up(tmp_path: Path) -> None:
    root = copy_site_kb(tmp_path / "kb")
    port = free_port()
    base = f"http://127.0.0.1:{port}/"
    env = dict(os.environ, KB_TODAY=SITE_TODAY, NO_MKDOCS_2_WARNING="1", KB_AUDIENCE="internal")
    argv = [sys.executable, "-m", "mkdocs", "serve", "--dirty", "-f", str(root / "mkdocs.yml"),
            "-a", f"127.0.0.1:{port}"]
    server = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    doc = root / "sops/field/PRC-FLD-001.md"
    try:
        _wait_for(base + "sops/prc-fld-001/", "PRC-FLD-001", server)
        assert "Shown to the crew before each visit" not in _get(base + "departments/field/")[1]

        text = doc.read_text(encoding="utf-8")
        doc.write_text(text.replace("# Follow up a new meter installation",
                                    "# Follow up a new meter installation\n\nCall the customer the day before.", 1)
                       .replace("summary: Three follow-up visits", "summary: Shown to the crew before each visit", 1),
                       encoding="utf-8")
        page = _wait_for(base + "sops/prc-fld-001/", "Call the customer the day before.", server)
        assert "Shown to the crew before each visit" in page
        # the department's list of documents prints the summary: it catches up in the build that follows
        _wait_for(base + "departments/field/", "Shown to the crew before each visit", server)
        _wait_for(base + "search/search_index.json", "Call the customer the day before.", server)
    finally:
        server.terminate()
        server.wait(timeout=10)
