"""The help centre's settings (kb.yml `help_centre:`): what `kb check` says of them and what a
public build does with them."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import SITE_TODAY, copy_site_kb, finish, mkdocs_build, run_kb

TOPICS = """\
help_centre:
  topics:
    - id: supply
      title: Water supply and interruptions
      documents: [ART-DSK-001, SOP-FLD-001, ART-DSK-010]
    - id: later
      title: Coming later
      tags: [nothing-has-this-tag]
"""


def _with_help_centre(root: Path, settings: str) -> None:
    text = (root / "kb.yml").read_text(encoding="utf-8")
    text = text[:text.index("help_centre:")] + settings
    (root / "kb.yml").write_text(text, encoding="utf-8")


def _line_of(root: Path, needle: str) -> int:
    lines = (root / "kb.yml").read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if needle in line)


def test_topics_naming_internal_or_unknown_documents_and_empty_topics_are_findings(tmp_path, capsys):
    root = copy_site_kb(tmp_path / "kb")
    _with_help_centre(root, TOPICS)
    result = run_kb(["check", "--root", str(root), "--today", SITE_TODAY, "--format", "json"], capsys)
    assert result.code == 1
    found = {f["code"]: f for f in result.json()["findings"] if f["path"] == "kb.yml"}
    assert set(found) == {"topic-not-public", "unknown-document", "topic-empty"}
    internal = found["topic-not-public"]
    assert (internal["line"], internal["severity"]) == (_line_of(root, "SOP-FLD-001"), "error")
    assert "SOP-FLD-001" not in internal["message"]  # the public build reports it: it names no internal document
    unknown = found["unknown-document"]
    assert "'ART-DSK-010'" in unknown["message"] and "did you mean" in unknown["message"]
    empty = found["topic-empty"]
    assert (empty["line"], empty["severity"]) == (_line_of(root, "id: later"), "warning")
    text = run_kb(["check", "--root", str(root), "--today", SITE_TODAY], capsys).out
    assert f"kb.yml:{internal['line']}:{internal['col']}: error: help centre topic 'supply' lists" in text


def test_the_public_build_fails_on_a_topic_naming_an_internal_document_without_naming_it(tmp_path):
    root = copy_site_kb(tmp_path / "kb")
    _with_help_centre(root, TOPICS)
    code, out = finish(mkdocs_build(root, tmp_path / "site", "public"))
    assert code != 0 and "Traceback" not in out
    assert "[topic-not-public]" in out and "SOP-FLD-001" not in out


@pytest.mark.parametrize("settings,words", [
    ("help_centre:\n  contact: {text: Call us.}\n", "contact needs a url, an email or both"),
    ("help_centre:\n  contact: {text: Call us., url: 'javascript:alert(1)'}\n", "contact.url"),
    ("help_centre:\n  contact: {text: Call us., url: 'https://x.example/\"><script>'}\n", "contact.url"),
    ("help_centre:\n  topics:\n    - {id: other, title: Other, tags: [meters]}\n", "is the help centre's own"),
    ("help_centre:\n  topics:\n    - {id: a, title: A}\n", "chooses no articles"),
    ("help_centre:\n  topics:\n    - {id: a, title: A, tags: [x]}\n    - {id: a, title: B, tags: [y]}\n",
     "used twice"),
])
def test_unusable_help_centre_settings_stop_the_command_with_their_line(tmp_path, capsys, settings, words):
    root = copy_site_kb(tmp_path / "kb")
    _with_help_centre(root, settings)
    result = run_kb(["check", "--root", str(root), "--today", SITE_TODAY], capsys)
    assert result.code == 2
    assert words in result.err and result.err.startswith("kb: error: kb.yml:") and "Traceback" not in result.err
