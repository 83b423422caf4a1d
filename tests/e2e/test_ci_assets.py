"""CI assets: the workflows validate against GitHub's schema and run what governance needs;
the pinned versions that make every clean clone install (and build) the same."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from importlib.metadata import requires, version
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from conftest import REPO

WORKFLOWS = REPO / ".github" / "workflows"
PULL_REQUEST = WORKFLOWS / "pull-request.yml"
SCHEDULED = WORKFLOWS / "scheduled.yml"
HOOKS = REPO / ".pre-commit-hooks.yaml"
TEMPLATE = REPO / ".github" / "pull_request_template.md"
DEPENDABOT = REPO / ".github" / "dependabot.yml"
CHECK_JSONSCHEMA = Path(sys.executable).with_name("check-jsonschema")
ZIZMOR = Path(sys.executable).with_name("zizmor")
ZIZMOR_CONFIG = REPO / ".github" / "zizmor.yml"
CONSTRAINTS = REPO / "constraints.txt"


def _check_jsonschema(*args: str) -> subprocess.CompletedProcess:
    if not CHECK_JSONSCHEMA.exists():
        pytest.skip("check-jsonschema is not installed (pip install -e '.[test]')")
    return subprocess.run([str(CHECK_JSONSCHEMA), *args], capture_output=True, text=True, timeout=120)


def _builtin_schemas() -> str:
    return _check_jsonschema("--help").stdout


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _runs(workflow: dict) -> dict[str, list[str]]:
    """The `run:` scripts of each job."""
    return {name: [s["run"] for s in job["steps"] if "run" in s] for name, job in workflow["jobs"].items()}


def _uses(workflow: dict) -> list[str]:
    return [s["uses"] for job in workflow["jobs"].values() for s in job["steps"] if "uses" in s]


@pytest.mark.parametrize("path", [PULL_REQUEST, SCHEDULED], ids=lambda p: p.name)
def test_workflows_match_githubs_schema(path):
    result = _check_jsonschema("--builtin-schema", "vendor.github-workflows", str(path))
    assert result.returncode == 0, result.stdout + result.stderr


def test_pre_commit_hooks_file():
    if "vendor.pre-commit-hooks" in _builtin_schemas():
        result = _check_jsonschema("--builtin-schema", "vendor.pre-commit-hooks", str(HOOKS))
        assert result.returncode == 0, result.stdout + result.stderr
    hooks = _load(HOOKS)
    assert isinstance(hooks, list)
    (hook,) = [h for h in hooks if h["id"] == "kb-check"]
    assert hook["entry"] == "kb check"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is True
    files = re.compile(hook["files"])
    for path in ("sops/field/SOP-FLD-001.md", "sops/SOP-FLD-002.md", "accounts/ACC-00201.yaml", "org/people.yaml",
                 "training/TRN-101.yaml", "kb.yml"):
        assert files.search(path), path
    for path in ("docs/index.md", "kbtools/kb.py", "tests/fixtures/minimal/kb.yml", "notsops/x.md", "kb.yml.bak"):
        assert not files.search(path), path


def test_pull_request_workflow_runs_every_gate():
    workflow = _load(PULL_REQUEST)
    assert set(workflow[True]) == {"pull_request"}  # YAML 1.1 reads the key `on` as True
    (job,) = workflow["jobs"].values()
    checkout = job["steps"][0]
    assert checkout["uses"].startswith("actions/checkout@") and checkout["with"]["fetch-depth"] == 0
    setup = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/setup-python@"))
    assert str(setup["with"]["python-version"]) == "3.11"
    runs = "\n".join(_runs(workflow)["check"])
    for command in ("pip install -c constraints.txt -e '.[test]'", "ruff check kbtools tests bench", "mypy",
                    "kb check --format github",
                    'kb check --changed-since "origin/$BASE_REF"',
                    "kb schema --check", "kb codeowners --check", "mkdocs build --strict"):
        assert command in runs, command
    assert "pytest" in runs or "make test" in runs
    (changed,) = [s for s in job["steps"] if "--changed-since" in s.get("run", "")]
    assert changed["env"]["BASE_REF"] == "${{ github.base_ref }}"


@pytest.mark.parametrize("path", [PULL_REQUEST, SCHEDULED], ids=lambda p: p.name)
def test_no_run_script_expands_an_expression(path):
    """`${{ }}` in a `run:` is pasted into the script before the shell reads it, so a value such as a
    branch name could run as code: values reach scripts through `env:`, as shell variables."""
    for job, scripts in _runs(_load(path)).items():
        for script in scripts:
            assert "${{" not in script, f"{job}: {script}"


def test_scheduled_workflow_reports_and_publishes():
    workflow = _load(SCHEDULED)
    triggers = workflow[True]
    assert "workflow_dispatch" in triggers
    (cron,) = [entry["cron"] for entry in triggers["schedule"]]
    assert re.fullmatch(r"\d+ \d+ \* \* \*", cron), "daily"
    runs = _runs(workflow)
    reviews = "\n".join(runs["reviews"])
    assert "kb reviews --format json -o reviews.json || true" in reviews
    assert "kb digest --format md" in reviews
    assert re.search(r"^kb check\b", reviews, re.M)
    artifacts = [s["with"]["path"] for s in workflow["jobs"]["reviews"]["steps"]
                 if s.get("uses", "").startswith("actions/upload-artifact@")]
    assert sorted(artifacts) == ["digest.md", "reviews.json"]
    # the site of main is built in one job and handed to GitHub Pages as an artifact
    site = workflow["jobs"]["site"]
    assert any(s.get("with", {}).get("ref") == "main" for s in site["steps"])
    assert "mkdocs build --strict --site-dir site" in "\n".join(runs["site"])
    (upload,) = [s for s in site["steps"] if s.get("uses", "").startswith("actions/upload-pages-artifact@")]
    assert upload["with"]["path"] == "site"
    # ... and deployed by another, the only one that can publish, which runs nothing but the deploy action
    publish = workflow["jobs"]["publish"]
    assert publish["needs"] == "site"
    assert publish["permissions"] == {"pages": "write", "id-token": "write"}
    assert publish["environment"]["name"] == "github-pages"
    assert [s["uses"].partition("@")[0] for s in publish["steps"]] == ["actions/deploy-pages"]
    assert "pages" not in site.get("permissions", {}) and "pages" not in workflow.get("permissions", {})


@pytest.mark.parametrize("path", [PULL_REQUEST, SCHEDULED], ids=lambda p: p.name)
def test_jobs_hold_only_what_they_need(path):
    """No permission for a whole workflow: each job names its own, reads at most the repository, and
    only the Pages deployment writes. A checkout keeps no token in .git/config, where a later step (or
    an artifact of the workspace) could take it."""
    workflow = _load(path)
    assert workflow["permissions"] == {}
    for name, job in workflow["jobs"].items():
        permissions = job["permissions"]
        writes = {scope for scope, access in permissions.items() if access == "write"}
        allowed = {"pages", "id-token"} if (path, name) == (SCHEDULED, "publish") else set()
        assert writes == allowed, (name, writes)
        for step in job["steps"]:
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False, name
                assert permissions["contents"] == "read", name


@pytest.mark.parametrize("path", [PULL_REQUEST, SCHEDULED], ids=lambda p: p.name)
def test_actions_are_pinned_to_a_release_commit(path):
    """Every action is pinned to a full commit hash, the release it is named in a comment (a tag can
    be moved to other code; a commit cannot), as .github/zizmor.yml requires."""
    lines = [line.strip().removeprefix("- ") for line in path.read_text(encoding="utf-8").splitlines()
             if re.match(r"\s*(- )?uses:", line)]
    assert len(lines) == len(_uses(_load(path)))
    for line in lines:
        assert re.fullmatch(r"uses: [\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+", line), line


def _zizmor(*inputs: Path) -> tuple[list[dict], subprocess.CompletedProcess]:
    """zizmor's findings on folders of workflows and files, offline, under the project's configuration."""
    assert ZIZMOR.exists(), "zizmor is not installed: pip install -c constraints.txt -e '.[test]'"
    result = subprocess.run(
        [str(ZIZMOR), "--offline", "--config", str(ZIZMOR_CONFIG), "--strict-collection",
         "--format", "json", "--no-progress", "--color", "never", *map(str, inputs)],
        capture_output=True, text=True, timeout=120)
    assert result.returncode not in (1, 2), result.stderr  # 1 and 2: zizmor failed, or was called wrong
    return json.loads(result.stdout), result


def test_zizmor_finds_nothing_in_the_workflows():
    findings, result = _zizmor(WORKFLOWS, DEPENDABOT)
    assert findings == [], [(f["ident"], f["desc"], f["locations"][0]["concrete"]["feature"]) for f in findings]
    assert result.returncode == 0, result.stderr
    # it audited every workflow and the Dependabot file (with --strict-collection one it cannot read fails)
    audited = {Path(p).name for p in re.findall(r"completed (\S+)", result.stderr)}
    assert audited == {p.name for p in WORKFLOWS.glob("*.yml")} | {DEPENDABOT.name}, result.stderr


def test_zizmor_finds_what_the_workflows_were_fixed_for(tmp_path):
    """The same run over a workflow with each problem the workflows had: a value pasted into a script,
    an action pinned to a tag, a checkout that keeps its token in a job that uploads the workspace."""
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "unsafe.yml").write_text("""\
name: Unsafe
on:
  pull_request:
permissions: {}
jobs:
  check:
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - uses: actions/checkout@v4
      - run: kb check --changed-since "origin/${{ github.base_ref }}"
      - uses: actions/upload-artifact@ea165f8d65b6e75b540449e92b4886f43607fa02 # v4.6.2
        with:
          path: .
""", encoding="utf-8")
    findings, result = _zizmor(workflows)
    assert {f["ident"] for f in findings} == {"template-injection", "unpinned-uses", "artipacked"}, findings
    assert result.returncode != 0


def test_dependabot_updates_the_pinned_actions():
    """A hash pin gets no fix by itself: Dependabot proposes each new release of the actions."""
    result = _check_jsonschema("--builtin-schema", "vendor.dependabot", str(DEPENDABOT))
    assert result.returncode == 0, result.stdout + result.stderr
    (update,) = [u for u in _load(DEPENDABOT)["updates"] if u["package-ecosystem"] == "github-actions"]
    assert update["directory"] == "/"


def test_pull_request_template_carries_the_kmt_checklist():
    text = TEMPLATE.read_text(encoding="utf-8")
    boxes = re.findall(r"^- \[ \] (.+)$", text, re.M)
    assert len(boxes) == 7
    for topic in ("Owner", "Review date", "Version", "changelog", "Steps and approvals", "Audience",
                  "confidential", "Links and terms", "Training"):
        assert any(topic in box for box in boxes), topic


def test_workflow_commands_exist():
    """Every `kb` subcommand the workflows run is registered."""
    from kbtools.cli import cli

    used = set()
    for path in (PULL_REQUEST, SCHEDULED):
        for scripts in _runs(_load(path)).values():
            used |= set(re.findall(r"^kb (\w+)", "\n".join(scripts), re.M))
    assert {"check", "schema", "codeowners", "reviews", "digest"} <= used
    assert used <= set(cli.commands), used - set(cli.commands)


# -- constraints.txt ---------------------------------------------------------------------


def _pins() -> dict[str, str]:
    pins = {}
    for line in CONSTRAINTS.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, pinned = line.partition("==")
            assert pinned and not re.search(r"[<>=!~;,]", pinned), f"constraints.txt: {line!r} is not name==version"
            pins[canonicalize_name(name)] = pinned
    return pins


def _needs(extras: set[str]) -> set[str]:
    """Every distribution `pip install -e '.[extras]'` installs, read from the installed metadata."""
    found: set[str] = set()
    todo = [("kbtools", frozenset(extras))]
    done = set()
    while todo:
        dist, wanted = todo.pop()
        if (dist, wanted) in done:
            continue
        done.add((dist, wanted))
        for text in requires(dist) or []:
            req = Requirement(text)
            if req.marker and not any(req.marker.evaluate({"extra": e}) for e in (wanted or {""})):
                continue
            name = canonicalize_name(req.name)
            if name != "kbtools":
                found.add(name)
            todo.append((name, frozenset(req.extras)))
    return found


def test_every_package_is_pinned_and_the_sites_are_installed_at_their_pins():
    pins = _pins()
    site = _needs({"site"})
    assert {"mkdocs", "mkdocs-material", "pymdown-extensions", "markdown", "nh3", "jinja2", "markupsafe"} <= site
    unpinned = _needs({"site", "test"}) - set(pins)
    assert not unpinned, f"add to constraints.txt: {sorted(unpinned)}"
    drifted = {name: version(name) for name in site if version(name) != pins[name]}
    assert not drifted, f"installed {drifted}, pinned otherwise: pip install -c constraints.txt -e '.[test]'"


def test_make_installs_with_the_constraints():
    install = [line.strip() for line in (REPO / "Makefile").read_text(encoding="utf-8").splitlines()
               if "pip install" in line and "-e" in line]
    assert install and all("-c constraints.txt" in line for line in install), install
