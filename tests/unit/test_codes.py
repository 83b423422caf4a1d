"""Finding codes: the registry in kbtools/codes.py is complete, exact and has no dead entries.

The source of every module in kbtools/ is read, not run: each code a finding
is made with is collected from the calls that make findings and from findings
printed as text (`path: error: ... [code]`). Each must be registered with the
severity it is made with, and each registered code must be made somewhere. A
call whose code is not written out fails, unless it is a known pass-through.
The README's table must be the one the registry generates.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest

from conftest import REPO
from kbtools.codes import BEGIN, CODES, END, GROUPS, main, rewrite, section
from kbtools.site.plugin import SHOWN_NOT_FAILED

PACKAGE = REPO / "kbtools"
README = REPO / "README.md"


@dataclass(frozen=True)
class Maker:
    """How a callable that makes findings takes its code (and severity)."""

    code_at: int | None  # the code's position; None: by keyword `code` only
    severity_at: int | None = None  # the severity's position; None: every call makes `severity`
    severity: str = "error"
    code_optional: bool = False  # a call may leave the code out (a pass-through supplies it)


# By the name called: `Finding(...)`, `entry.finding(...)`, `self._fail(...)`.
MAKERS: dict[str, Maker] = {
    "Finding": Maker(code_at=4, severity_at=3),
    "finding": Maker(code_at=1, severity_at=0),  # Entry.finding(severity, code, message, *keys)
    "_fail": Maker(code_at=1),  # the loader's and the YAML builder's; both report errors
    "YAMLSourceError": Maker(code_at=0),  # the loader reports these as errors
    "_missing": Maker(code_at=1),  # checks/references.py
    "_unknown": Maker(code_at=None, code_optional=True),  # checks/references.py; default from _CODE
}


@dataclass(frozen=True)
class Origin:
    """Where a pass-through's codes are written: a dict's values, or a function's returned (code, ...)."""

    module: str
    name: str


# (module, enclosing function, code expression) of each call that passes a code
# along -> where its codes are written, or None when every one of them is
# written at a call this test reads anyway (the helper's callers, YAMLSourceError).
PASS_THROUGH: dict[tuple[str, str, str], Origin | None] = {
    ("kb.py", "Entry.finding", "code"): None,
    ("load/loader.py", "Loader._fail", "code"): None,
    ("load/loader.py", "Loader._text", "exc.code"): None,
    ("load/loader.py", "Loader._mapping", "exc.code"): None,
    ("load/loader.py", "Loader._document", "exc.code"): None,
    ("config.py", "read_config", "exc.code"): None,
    ("load/yamlsrc.py", "_Builder._fail", "code"): None,
    ("checks/references.py", "_missing", "code"): None,
    ("crm/mapping.py", "Mapping._fail", "code"): None,
    ("checks/references.py", "_unknown", "code or _CODE[kind]"): Origin("checks/references.py", "_CODE"),
    ("checks/ownership.py", "owners", "code"): Origin("authority.py", "owner_problem"),
}

# A finding printed as text: `schemas/x.json: error: differs ...; run kb schema [schema-stale]`.
PRINTED = re.compile(r": (error|warning): .*\[([^\]]*)\]$", re.S)
HOLE = "\x00"  # stands for a {value} of an f-string


@dataclass
class Scan:
    uses: list[tuple[str, str, str]] = field(default_factory=list)  # (code, severity, module:line)
    problems: list[str] = field(default_factory=list)
    passed: set[tuple[str, str, str]] = field(default_factory=set)  # the pass-throughs met


def _literals(node: ast.expr | None) -> list[str] | None:
    """The strings `node` can be when it is a literal or a conditional of literals, else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        body, orelse = _literals(node.body), _literals(node.orelse)
        return body + orelse if body is not None and orelse is not None else None
    return None


def _argument(call: ast.Call, at: int | None, keyword: str) -> ast.expr | None:
    if at is not None and at < len(call.args):
        return call.args[at]
    return next((k.value for k in call.keywords if k.arg == keyword), None)


def _hidden(call: ast.Call, maker: Maker) -> bool:
    """Could *args or **kwargs hold the code or the severity?"""
    wanted = max((p for p in (maker.code_at, maker.severity_at) if p is not None), default=-1)
    starred = any(isinstance(a, ast.Starred) for a in call.args[: wanted + 1])
    spread = any(k.arg is None for k in call.keywords) and (maker.code_at is None or len(call.args) <= wanted)
    return starred or spread


def _callee(call: ast.Call) -> str | None:
    func = call.func
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


class _Collector(ast.NodeVisitor):
    def __init__(self, module: str, scan: Scan) -> None:
        self.module = module
        self.scan = scan
        self.scope: list[str] = []

    def _where(self, node: ast.AST) -> str:
        return f"kbtools/{self.module}:{node.lineno}"

    def _enter(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) -> None:
        self.scope.append(node.name)
        self.generic_visit(node)
        self.scope.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = visit_ClassDef = _enter

    def _made(self, code: ast.expr, severity: str | None, node: ast.AST) -> None:
        """Record the codes of one finding, or those of the pass-through it is."""
        codes = _literals(code)
        key = (self.module, ".".join(self.scope), ast.unparse(code))
        if codes is None and key in PASS_THROUGH:
            self.scan.passed.add(key)
            origin = PASS_THROUGH[key]
            codes = [] if origin is None else _origin_codes(origin, self.scan)
        if codes is None:
            self._problem(node, f"the code {key[2]!r} is not written out; write it as a literal,"
                                " or list the call in PASS_THROUGH with where its codes are written")
        elif codes and severity is None:
            self._problem(node, "the severity is not written out")
        else:
            self.scan.uses.extend((c, str(severity), self._where(node)) for c in codes)

    def _problem(self, node: ast.AST, text: str) -> None:
        self.scan.problems.append(f"{self._where(node)} (in {'.'.join(self.scope) or 'the module'}): {text}")

    def visit_Call(self, node: ast.Call) -> None:
        maker = MAKERS.get(_callee(node) or "")
        if maker is not None:
            self._call(node, maker)
        self.generic_visit(node)

    def _call(self, node: ast.Call, maker: Maker) -> None:
        if _hidden(node, maker):
            self._problem(node, f"*args or **kwargs hide the code of {_callee(node)}()")
            return
        code = _argument(node, maker.code_at, "code")
        if code is None:
            if not maker.code_optional:
                self._problem(node, f"{_callee(node)}() without a code")
            return
        if maker.severity_at is None:
            severity: str | None = maker.severity
        else:
            values = _literals(_argument(node, maker.severity_at, "severity"))
            severity = values[0] if values and len(values) == 1 else None
        self._made(code, severity, node)

    def visit_JoinedStr(self, node: ast.JoinedStr) -> None:
        holes = [v.value for v in node.values if isinstance(v, ast.FormattedValue)]
        text = "".join(v.value if isinstance(v, ast.Constant) else HOLE for v in node.values)
        match = PRINTED.search(text)
        if match and match[2] == HOLE:
            self._made(holes[-1], match[1], node)
        elif match:
            self._made(ast.Constant(match[2]), match[1], node)
        for value in holes:
            self.visit(value)

    def visit_Constant(self, node: ast.Constant) -> None:
        match = PRINTED.search(node.value) if isinstance(node.value, str) else None
        if match:
            self._made(ast.Constant(match[2]), match[1], node)


def _assigned(node: ast.stmt, name: str) -> ast.expr | None:
    """The value a module-level `name = ...` or `name: T = ...` statement assigns, else None."""
    if isinstance(node, ast.Assign):
        named = any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
        return node.value if named else None
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.target.id == name:
        return node.value
    return None


def _origin_codes(origin: Origin, scan: Scan) -> list[str]:
    """The codes written where a pass-through takes them from."""
    tree = ast.parse((PACKAGE / origin.module).read_text(encoding="utf-8"), origin.module)
    for node in tree.body:
        assigned = _assigned(node, origin.name)
        if assigned is not None:
            values = assigned.values if isinstance(assigned, ast.Dict) else [assigned]
        elif isinstance(node, ast.FunctionDef) and node.name == origin.name:
            values = [r.value.elts[0] if isinstance(r.value, ast.Tuple) else r.value
                      for r in ast.walk(node) if isinstance(r, ast.Return) and r.value is not None
                      and not (isinstance(r.value, ast.Constant) and r.value.value is None)]
        else:
            continue
        codes = [_literals(v) for v in values]
        if None in codes or not codes:
            scan.problems.append(f"kbtools/{origin.module}: {origin.name} holds a code that is not written out")
        return [c for found in codes if found for c in found]
    scan.problems.append(f"kbtools/{origin.module}: no module-level {origin.name} to take codes from")
    return []


def scan_source(module: str, source: str, scan: Scan) -> None:
    _Collector(module, scan).visit(ast.parse(source, module))


@cache
def package_scan() -> Scan:
    scan = Scan()
    for path in sorted(PACKAGE.rglob("*.py")):
        module = path.relative_to(PACKAGE).as_posix()
        scan_source(module, path.read_text(encoding="utf-8"), scan)
    return scan


def _misused(scan: Scan) -> list[str]:
    """A line for every code made that is not registered, or not with the severity it is made with."""
    severities: dict[str, set[str]] = defaultdict(set)
    for code, severity, _where in scan.uses:
        severities[code].add(severity)
    wrong = []
    for code, severity, where in scan.uses:
        if code not in CODES:
            wrong.append(f"{where}: {code!r} ({severity}) is not in kbtools/codes.py")
        elif CODES[code].severity != severity:
            both = " (it is made with both severities)" if len(severities[code]) > 1 else ""
            wrong.append(f"{where}: {code!r} is made as {severity}, registered as {CODES[code].severity}{both}")
    return wrong


def test_every_code_is_written_out_or_a_known_pass_through() -> None:
    assert package_scan().problems == []


def test_every_code_made_is_registered_with_its_severity() -> None:
    scan = package_scan()
    assert len(scan.uses) > len(CODES)
    assert _misused(scan) == []


def test_every_registered_code_is_made_somewhere() -> None:
    made = {code for code, _severity, _where in package_scan().uses}
    assert sorted(set(CODES) - made) == []


def test_every_pass_through_is_still_there() -> None:
    assert sorted(set(PASS_THROUGH) - package_scan().passed) == []


def test_each_code_is_registered_once() -> None:
    names = [code.name for group in GROUPS for code in group.codes]
    assert len(names) == len(set(names)) == len(CODES)
    assert all(code.severity in ("error", "warning") and code.meaning for code in CODES.values())


def test_the_site_shows_only_registered_errors_without_failing() -> None:
    assert {CODES[code].severity for code in SHOWN_NOT_FAILED} == {"error"}


def test_the_scan_catches_unregistered_codes_wrong_severities_and_hidden_codes() -> None:
    scan = Scan()
    source = '''
def check(entry, code):
    yield entry.finding("error", "no-such-code", "m")
    yield entry.finding("error", "review-due-soon", "m")
    yield Finding("p", 1, 1, "warning", code, "m")
    yield entry.finding("error", f"{code}-overdue", "m")
    raise YAMLSourceError("yaml-tab" if code else "yaml-nope", "m")
    print(f"{code}: warning: stale [schema-stale]")
'''
    scan_source("checks/new.py", source, scan)
    assert [p.split(" ", 1)[0] for p in scan.problems] == ["kbtools/checks/new.py:5", "kbtools/checks/new.py:6"]
    assert _misused(scan) == [
        "kbtools/checks/new.py:3: 'no-such-code' (error) is not in kbtools/codes.py",
        "kbtools/checks/new.py:4: 'review-due-soon' is made as error, registered as warning",
        "kbtools/checks/new.py:7: 'yaml-nope' (error) is not in kbtools/codes.py",
        "kbtools/checks/new.py:8: 'schema-stale' is made as warning, registered as error",
    ]


def test_the_readmes_table_is_the_registrys() -> None:
    text = README.read_text(encoding="utf-8")
    assert section() in text, "README.md's finding codes are stale: run make codes"
    assert rewrite(text) == text
    assert all(f"| `{name}` |" in section() for name in CODES)


def test_rewrite_replaces_only_what_lies_between_the_markers() -> None:
    text = f"# Title\n\n{BEGIN}\n| old | table |\n{END}\n\nAfter.\n"
    new = rewrite(text)
    assert new == f"# Title\n\n{section()}\n\nAfter.\n"
    assert rewrite(new) == new
    with pytest.raises(ValueError, match="markers"):
        rewrite(f"{END}\n{BEGIN}\n")


def test_make_codes_checks_and_rewrites_a_readme(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    readme = tmp_path / "README.md"
    stale = f"Intro\n{BEGIN}\n| `review-overdue` | old words |\n{END}\n"
    readme.write_text(stale, encoding="utf-8")
    assert main(["--check", str(readme)]) == 1
    assert readme.read_text(encoding="utf-8") == stale
    assert main([str(readme)]) == 0
    assert readme.read_text(encoding="utf-8") == f"Intro\n{section()}\n"
    assert main(["--check", str(readme)]) == 0
    readme.write_text("no markers\n", encoding="utf-8")
    assert main([str(readme)]) == 2
    assert "markers" in capsys.readouterr().err
