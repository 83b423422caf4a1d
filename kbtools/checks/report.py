"""Reporters for findings: text, json, github, junit."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable
from typing import Protocol, TypedDict

from ..findings import Finding, printable
from ..output import json_report, plural


class Summary(TypedDict):
    files: int
    files_with_findings: int
    errors: int
    warnings: int


class Reporter(Protocol):
    """Every reporter takes the same options and ignores those it has no use for."""

    def __call__(
        self,
        findings: list[Finding],
        files: int,
        *,
        today: str = ...,
        file_names: Iterable[str] = ...,
        strict: bool = ...,
    ) -> str: ...


def summary(findings: list[Finding], files: int) -> Summary:
    counts = Counter(f.severity for f in findings)
    return {
        "files": files,
        "files_with_findings": len({f.path for f in findings}),
        "errors": counts["error"],
        "warnings": counts["warning"],
    }


def text(findings: list[Finding], files: int, **_: object) -> str:
    lines: list[str] = []
    current = None
    for f in findings:
        if f.path != current:
            if current is not None:
                lines.append("")
            current = f.path
        lines.append(f.format())
    s = summary(findings, files)
    if lines:
        lines.append("")
    if not findings:
        lines.append(f"ok: {plural(files, 'file')} checked, no problems")
    else:
        lines.append(
            f"{plural(s['errors'], 'error')}, {plural(s['warnings'], 'warning')} "
            f"in {plural(s['files_with_findings'], 'file')} ({plural(files, 'file')} checked)"
        )
    return "\n".join(lines) + "\n"


def as_json(findings: list[Finding], files: int, today: str = "", **_: object) -> str:
    return json_report(today, summary=summary(findings, files), findings=[f.to_dict() for f in findings])


def _gh_escape(value: str, prop: bool = False) -> str:
    value = value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        value = value.replace(":", "%3A").replace(",", "%2C")
    return value


def github(findings: list[Finding], files: int, **_: object) -> str:
    """GitHub Actions workflow commands: one annotation per finding."""
    out = []
    for f in findings:
        props = [f"file={_gh_escape(f.shown_path, True)}"]
        if f.line:
            props.append(f"line={f.line}")
            props.append(f"col={f.col or 1}")
        props.append(f"title={_gh_escape(f.code, True)}")
        out.append(f"::{f.severity} {','.join(props)}::{_gh_escape(f.message)}")
    s = summary(findings, files)
    out.append(
        f"{plural(s['errors'], 'error')}, {plural(s['warnings'], 'warning')} ({plural(files, 'file')} checked)"
    )
    return "\n".join(out) + "\n"


def junit(
    findings: list[Finding], files: int, file_names: Iterable[str] = (), strict: bool = False, **_: object
) -> str:
    """JUnit XML: one test case per checked file; errors (and warnings under --strict) fail it."""
    by_file: dict[str, list[Finding]] = {}
    for name in file_names:
        by_file.setdefault(name, [])
    for f in findings:
        by_file.setdefault(f.path, []).append(f)

    def failing(fs: list[Finding]) -> list[Finding]:
        return [f for f in fs if f.severity == "error" or strict]

    failures = sum(1 for fs in by_file.values() if failing(fs))
    suites = ET.Element("testsuites", name="kb check", tests=str(len(by_file)), failures=str(failures))
    suite = ET.SubElement(
        suites, "testsuite", name="kb check", tests=str(len(by_file)), failures=str(failures), errors="0", skipped="0"
    )
    for name in sorted(by_file):
        case = ET.SubElement(suite, "testcase", classname="kb.check", name=printable(name))
        bad = failing(by_file[name])
        if bad:
            fail = ET.SubElement(case, "failure", message=f"{len(bad)} problem(s)", type=bad[0].code)
            fail.text = "\n".join(f.format() for f in bad)
        rest = [f for f in by_file[name] if f.severity != "error" and not strict]
        if rest:
            ET.SubElement(case, "system-out").text = "\n".join(f.format() for f in rest)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode") + "\n"


REPORTERS: dict[str, Reporter] = {"text": text, "json": as_json, "github": github, "junit": junit}
