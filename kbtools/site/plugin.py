"""The `kb` MkDocs plugin: the knowledge base as a site.

    plugins:
      - search
      - kb:
          audience: !ENV [KB_AUDIENCE, internal]   # public | internal
          root: .                                   # the folder holding kb.yml
          today: "2026-11-22"                       # default: $KB_TODAY, else the machine's date
          files:                                    # audiences of files under docs/ that are not pages
            help/: public                           # (see docfiles; undeclared: internal, assets/: public)

Knowledge-base errors are logged as errors, so `mkdocs build --strict`
fails on them. Review dates (overdue reviews and account plans) are shown on
the pages and the dashboard but do not fail the build: `kb check` in CI
enforces them.

The hooks say when they run, whatever the order of `plugins:` (as Material's
own plugins do): the knowledge base loads early; files are filtered and
checked for clashes last, when every plugin has added its own; Markdown is
rewritten and sanitised early, before other plugins add their markup; the
policy, the leak guard and the final checks run last, after the search plugin
has written its index and no later plugin can undo them. A check that cannot
run (the search index missing when the search plugin is configured, a page
that lost its policy) fails the build.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from mkdocs.config import config_options as c
from mkdocs.config.base import Config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import AnchorLink, TableOfContents
from mkdocs.utils import get_relative_url
from mkdocs.utils.meta import get_data

from ..checks import run_checks
from ..config import WATCHED, resolve_today
from ..findings import Finding, KBError
from ..load.limits import DEFAULT as DEFAULT_LIMITS
from ..load.limits import Limits, text_findings
from ..load.loader import ParseCache, load
from . import compare, history, manifest, urls
from .account_checklists import write_account_checklists
from .annotate import Annotator, LeakGuard, rewrite_id_links
from .clashes import clashes
from .csp import ThemeScripts, add_policy, header_policy, template_names
from .docfiles import AUDIENCE_NAMES, FileAudiences, training_files
from .downloads import write_checklists, write_pages_api, write_status
from .feedback import page_data
from .help import contact_block
from .htmltext import as_html, fragment_as_html
from .incremental import (
    PageState,
    State,
    TemplateCodeCache,
    changed,
    digest,
    search_entries,
    search_index_text,
    signature,
)
from .nav import build_nav, off_nav
from .pages import SitePage, all_pages
from .public_log import shown_findings
from .redirects import add_redirect
from .render import Links, anchor_ids, toc_entries
from .sanitize import Sanitizer, site_classes, template_ids
from .search import SEARCH_INDEX, finish_index, for_index, published, search_text
from .view import AUDIENCES, SEEN_BY, SiteView, build_view

if TYPE_CHECKING:
    from jinja2 import Environment
    from mkdocs.livereload import LiveReloadServer

log = logging.getLogger("mkdocs.plugins.kb")

# Review dates change with the calendar, not with a commit: shown on the site, enforced by `kb check`.
SHOWN_NOT_FAILED = frozenset({"review-overdue", "plan-overdue", "plan-missing"})
SEARCH_PLUGINS = ("search", "material/search")
# Generated pages outside the navigation (reached from their directories and search).
NOT_IN_NAV = ("owners/", "accounts/", "history/")
FEEDBACK_META = "kb_feedback"  # the page's key the widget's data is under; no front matter can set it


class KBPluginConfig(Config):
    root = c.Type(str, default=".")
    audience = c.Choice(AUDIENCES, default="internal")
    today = c.Optional(c.Type(str))
    files = c.DictOfItems(c.Choice(AUDIENCE_NAMES), default={})  # audiences of files under docs/ (docfiles)


def build_date(option: str | None) -> dt.date:
    """The plugin's `today` option, else $KB_TODAY, else the machine's date."""
    try:
        return resolve_today(option, "the 'today' option")
    except ValueError as exc:
        raise PluginError(f"kb: {exc}") from None


def report(findings: list[Finding]) -> int:
    """Log every finding; errors (except review dates) as errors. Returns how many errors failed."""
    failed = 0
    for finding in findings:
        if finding.severity == "error" and finding.code not in SHOWN_NOT_FAILED:
            log.error("kb: %s", finding.format())
            failed += 1
        else:
            log.info("kb: %s", finding.format())
    return failed


class KBPlugin(BasePlugin[KBPluginConfig]):
    supports_multiple_instances = False

    def __init__(self) -> None:
        self.dev = False
        self.root = Path(".")
        self.view: SiteView | None = None
        self.pages: dict[str, SitePage] = {}
        self.url_of: dict[str, str] = {}
        self.scripts: ThemeScripts | None = None
        self.theme_files: set[str] = set()  # what the theme's folders put in the site (not scanned for leaks)
        self.scanned: set[str] = set()
        self.redirect_src: dict[str, str] = {}  # the page of a retired document -> its successor's
        self.docs_dir = "docs"
        self.policies: dict[str, str] = {}  # the policy each HTML file was given, by its path in the site
        self.limits: Limits = DEFAULT_LIMITS  # kb.yml's, once on_config has read it
        self.kb_site_url: str | None = None
        # Dirty builds (`mkdocs serve --dirty`): rebuild only the pages whose output changes (incremental).
        self.incremental = False
        self.state = State()
        self.parsed: ParseCache | None = None  # incremental builds: the YAML of unchanged files is not parsed again
        self.compiled = TemplateCodeCache()  # and the theme's templates are not compiled again
        self.site_key = ""  # what every page's output depends on (incremental builds)
        self.doc_urls: list[str] = []  # the pages in the order MkDocs builds them (the search index's)
        self.snapshots: set[str] = set()  # the versions' snapshots the last build wrote (compare.py)
        self.search_read: dict[str, tuple[str, str]] = {}  # a page's HTML and what the search plugin reads of it
        self.contact = ""  # "Still need help?", which the theme ends every page of the customers' site with

    def on_startup(self, *, command: str, dirty: bool) -> None:
        self.dev = command == "serve"
        self.incremental = dirty
        self.state = State()
        self.parsed = ParseCache() if dirty else None
        self.compiled = TemplateCodeCache()

    # -- the knowledge base ------------------------------------------------------

    @event_priority(50)
    def on_config(self, config: MkDocsConfig) -> MkDocsConfig:
        root = (Path(config.config_file_path or ".").parent / self.config.root).resolve()
        audience = self.config.audience
        today = build_date(self.config.today)
        edited: set[str] = set()
        if self.incremental:  # under mkdocs serve the plugin lives on from build to build
            self.state.start()
            sources = signature(root)
            edited = changed(self.state.sources, sources)
            _forget_search_index(config)
        else:
            self.policies = {}
        view = self.view
        if (not self.incremental or edited or view is None or root != self.root or view.audience != audience
                or view.today != today):
            self.root = root
            self._load(config, audience, today)
        if self.incremental:
            self.state.sources = sources  # only once they loaded: a build that failed to load is not skipped
        if self.view is not None and self.view.internal:  # the versions, from git: read again when HEAD moves
            self.view.history = history.refresh(self.view, self.root, self.view.history)
        if not self.dev:  # `mkdocs serve` points site_url at the address it serves on; keep that
            config.site_url = _site_url(config.site_url, self.kb_site_url)
        self.sanitizer = own_class_sanitizer(config)
        if self.incremental:
            assert self.view is not None
            # A quick build, when documents changed since a build whose pages are in the site folder: only
            # their pages now; the catch-up build it asks for (on_post_build) brings the rest up to date.
            quick = bool(edited) and bool(self.state.pages)
            docs = {e.model.id for e in self.view.docs.values() if e.path in edited}
            self.state.changed_docs = docs
            self.state.quick = {urls.doc(d) for d in docs} if quick else None
        return config

    def _load(self, config: MkDocsConfig, audience: str, today: dt.date) -> None:
        """Load, check and filter the knowledge base."""
        try:
            kb = load(self.root, self.parsed)
        except KBError as exc:
            raise PluginError(f"kb: {exc}") from None
        if audience not in kb.config.audiences:
            raise PluginError(f"kb: audience {audience!r} is not in kb.yml audiences {kb.config.audiences}")
        self.kb_site_url = kb.config.site_url
        self.limits = kb.config.limits
        self.view = build_view(kb, audience, today)
        self.guard = None if self.view.internal else LeakGuard(kb, self.view)
        shown, left = shown_findings(kb, self.view, run_checks(kb, today), self.guard)
        report(shown)
        if left:
            log.info("kb: %d findings about content the %s site does not show are left to the internal build "
                     "and kb check", left, audience)
        self.annotator = Annotator(self.view)
        docs_dir = Path(config.docs_dir).resolve()
        self.file_audiences = FileAudiences(
            self.config.files, training_files((e.model for e in kb.training.values()), self.root, docs_dir))
        log.info("kb: %s site of %d documents as of %s", audience, len(self.view.docs), today.isoformat())

    # -- files and navigation ----------------------------------------------------------

    @event_priority(-100)
    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files:
        assert self.view is not None
        hand_written = []
        docs_dir = self.docs_dir = os.path.normpath(config.docs_dir)
        self.theme_files = set()
        for file in list(files):
            if file.src_dir is None or os.path.normpath(file.src_dir) != docs_dir:
                if file.src_dir is not None:
                    self.theme_files.add(file.dest_uri)
                continue
            is_page = file.is_documentation_page()
            if is_page and report(text_findings(f"docs/{file.src_uri}", file.content_string, self.limits)):
                files.remove(file)  # too large for Markdown to render in reasonable time: left out, build fails
                continue
            audience = self.file_audiences.of(file.src_uri, self._audience_of(file) if is_page else None)
            if audience not in SEEN_BY[self.view.audience]:
                files.remove(file)
            elif is_page and file.inclusion not in (InclusionLevel.EXCLUDED, InclusionLevel.DRAFT):
                hand_written.append(file.src_uri)
        self.pages = {p.src: p for p in all_pages(self.view, config.site_name)}
        self.redirect_src = {urls.doc(old): urls.doc(new) for old, new in self.view.redirects.items()}
        empty_departments = off_nav(self.view)
        for src, page in self.pages.items():
            if files.get_file_from_path(src) is not None:
                raise PluginError(f"kb: docs/{src} is in the way of a generated page; rename it")
            hidden = (src.startswith(NOT_IN_NAV) and not src.endswith("/index.md")) or src in self.redirect_src
            hidden = hidden or src in empty_departments
            inclusion = InclusionLevel.NOT_IN_NAV if hidden else InclusionLevel.UNDEFINED
            files.append(File.generated(config, src, content=page.markdown, inclusion=inclusion))
        outputs = [*config.theme.static_templates, "sitemap.xml.gz", SEARCH_INDEX]
        problems = clashes(files, config.docs_dir, config.theme.dirs, outputs, self._name)
        if problems:
            raise PluginError("kb: " + "; ".join(problems) + "; rename or move the file")
        self.url_of = {f.src_uri: f.url for f in files.documentation_pages()}
        # What the guard reads elsewhere: the pages (in on_post_page) and the search index (decoded).
        self.scanned = {f.dest_uri for f in files.documentation_pages()} | {SEARCH_INDEX}
        config.nav = build_nav(self.view, sorted(hand_written))
        self.contact = contact_block(self.view)
        if self.incremental:
            self._track(files, config, hand_written)
        return files

    # -- incremental builds (see incremental.py) ------------------------------------------

    def _track(self, files: Files, config: MkDocsConfig, hand_written: list[str]) -> None:
        """Make every page's file say whether its output changes (MkDocs' dirty builds ask `is_modified`)."""
        assert self.view is not None
        docs_dir = Path(config.docs_dir).resolve()
        assets = {rel: stat for rel, stat in signature(docs_dir.parent, [docs_dir.name]).items()
                  if not rel.endswith(".md")}  # the theme overrides, stylesheets, images, attachments
        in_nav = [(src, page.title) for src, page in self.pages.items()
                  if not src.startswith(NOT_IN_NAV) and src not in self.redirect_src]
        own = [(src, files.get_file_from_path(src).content_string)  # type: ignore[union-attr]
               for src in sorted(hand_written)]
        config_text = Path(config.config_file_path).read_text(encoding="utf-8") if config.config_file_path else ""
        self.site_key = digest(
            self.view.audience, self.view.today, self.dev, config.site_url, config_text, assets,
            self.annotator.titles, sorted(self.url_of.items()), self.redirect_src,
            self.guard.pattern.pattern if self.guard and self.guard.pattern else None,  # what the guard looks for
            config.nav, in_nav, own,  # the navigation as the theme prints it
            self.contact,  # and the end of every page
        )
        for file in files:
            if file.is_documentation_page():
                file.is_modified = partial(self._is_modified, file)  # type: ignore[method-assign]

    def _key(self, file: File) -> str:
        """A hash of everything the page's output is made from (once per build)."""
        assert self.view is not None
        found = self.state.keys.get(file.src_uri)
        if found is not None:
            return found
        site_page = self.pages.get(file.src_uri)
        target = self.redirect_src.get(file.src_uri)
        if site_page is None:
            content: tuple[object, ...] = (file.content_string, page_data(self.view, None, file.url, ""))
        else:
            links = Links(self.view, file.url, self.url_of.get)
            content = (site_page.markdown, site_page.title, dict(site_page.meta), site_page.render(links, ""),
                       page_data(self.view, site_page.doc_id, file.url, site_page.title))
        key = self.state.keys[file.src_uri] = digest(self.site_key, file.url, target, content)
        return key

    def _is_modified(self, file: File) -> bool:
        before = self.state.pages.get(file.src_uri)
        if before is None or before.dest != file.dest_uri or not os.path.isfile(file.abs_dest_path):
            return True
        if self.state.quick is None:  # catch-up: every page whose key changed
            return self._key(file) != before.key
        if file.generated_by is None:  # a hand-written page: its file is newer than its output
            return File.is_modified(file)
        return file.src_uri in self.state.quick

    def _restore(self, files: Files) -> None:
        """Pages not rebuilt keep the title and metadata they were built with: other pages print them."""
        inclusion = InclusionLevel.is_in_serve if self.dev else InclusionLevel.is_included
        pages = files.documentation_pages(inclusion=inclusion)
        self.doc_urls = [f.url for f in pages]
        for file in pages:
            before = self.state.pages.get(file.src_uri)
            if file.page is not None and file.page.content is None and before is not None:
                file.page.title = before.title
                file.page.meta = dict(before.meta)

    def _record(self, page: Page) -> None:
        file = page.file
        self.state.built.add(file.src_uri)
        self.state.pages[file.src_uri] = PageState(self._key(file), page.title, dict(page.meta), file.dest_uri)

    def _finish(self, site_dir: Path, config: MkDocsConfig) -> None:
        """Remove what is no longer built, and write the search index whole."""
        state = self.state
        for src in [s for s in state.pages if s not in self.url_of]:
            gone = state.pages.pop(src)
            self.policies.pop(gone.dest, None)
            _remove(site_dir, gone.dest)
        index = site_dir / SEARCH_INDEX
        if not index.is_file():
            return
        data = json.loads(index.read_text(encoding="utf-8"))
        fresh = search_entries(data)
        for src in state.built:
            state.search[self.url_of[src]] = fresh.get(self.url_of[src], [])
        state.search = {url: state.search.get(url, []) for url in self.doc_urls}
        entries = [entry for url in self.doc_urls for entry in state.search[url]]
        index.write_text(search_index_text(data.get("config", {}), entries), encoding="utf-8")

    def _name(self, file: File) -> str:
        """A file as a message names it: docs/<path>, one of the plugin's pages, the theme's or a plugin's."""
        if file.src_uri in self.pages and file.generated_by is not None:
            return f"the page kb makes, {file.src_uri}"
        if file.src_dir is None:
            return f"{file.generated_by or 'a plugin'}'s {file.src_uri}"
        if os.path.normpath(file.src_dir) == os.path.normpath(self.docs_dir):
            return f"docs/{file.src_uri}"
        return f"the theme's {file.src_uri}"

    def _audience_of(self, file: File) -> str:
        try:
            _, meta = get_data(file.content_string)
        except Exception:  # noqa: BLE001 - MkDocs reports unreadable pages itself
            return "internal"
        audience = meta.get("audience", "internal")
        if not isinstance(audience, str) or audience not in AUDIENCE_NAMES:
            log.warning("kb: docs/%s: audience %r is not public, internal or restricted", file.src_uri, audience)
            return "restricted"
        return audience

    # -- pages ---------------------------------------------------------------------------

    @event_priority(50)
    def on_page_markdown(self, markdown: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        assert self.view is not None
        site_page = self.pages.get(page.file.src_uri)
        if site_page is not None:
            # Nothing from the file: MkDocs reads "meta" out of the top of any body (a YAML block, or
            # `key: value` lines), which would let a document pick its template. The body is used as loaded.
            page.meta = {**site_page.meta, "title": as_html(site_page.title)}
            if "description" in page.meta:
                page.meta["description"] = as_html(page.meta["description"])
            markdown = site_page.markdown
        else:
            page.meta = page_meta(page.meta, f"docs/{page.file.src_uri}")
        markdown, missing = rewrite_id_links(markdown, page.file.src_uri, self.view)
        for doc_id in missing:
            log.warning("kb: %s links to %s, which is not a document in the %s site",
                        _source_of(page, site_page, self.view), doc_id, self.view.audience)
        return markdown

    @event_priority(50)
    def on_page_content(self, html: str, *, page: Page, config: MkDocsConfig, files: Files) -> str:
        assert self.view is not None
        links = Links(self.view, page.url, self.url_of.get)
        body = self.sanitizer.clean(html)
        site_page = self.pages.get(page.file.src_uri)
        if site_page is None:
            out = body
        else:
            out = site_page.render(links, body)
            page.toc = TableOfContents(toc_entries(out))
        if page.present_anchor_ids is not None:
            page.present_anchor_ids |= anchor_ids(out)
        # The feedback widget's data (docs/overrides/partials/feedback.html prints it, escaped), with
        # the page's title as rendered (a hand-written page's first heading).
        doc_id = site_page.doc_id if site_page else None
        title = site_page.title if site_page else page.title or ""
        page.meta[FEEDBACK_META] = page_data(self.view, doc_id, page.url, title)
        # The theme prints titles as HTML: hand it each one's text, escaped (a heading's HTML included).
        page.title = fragment_as_html(page.title or "")
        _escape_toc(page.toc)
        return self.annotator.annotate(
            out, lambda doc_id: links.href(urls.doc(doc_id)), terms=page.file.src_uri != urls.GLOSSARY
        )

    # The search plugin (priority 0) reads each page as search.for_index shapes it; the page is published as rendered.
    @event_priority(10)
    def _search_reads(self, context: Any, *, page: Page, config: MkDocsConfig, nav: Any) -> Any:
        original = page.content or ""
        page.content = read = for_index(original, page.file.src_uri)
        self.search_read[page.file.src_uri] = (original, read)
        return context

    @event_priority(-10)
    def _search_read(self, context: Any, *, page: Page, config: MkDocsConfig, nav: Any) -> Any:
        original, read = self.search_read.pop(page.file.src_uri)
        page.content = published(original, read, page.content or "")
        return context

    on_page_context = CombinedEvent(_search_reads, _search_read)

    @event_priority(-100)
    def on_env(self, env: Environment, *, config: MkDocsConfig, files: Files) -> Environment:
        if self.incremental:
            env.bytecode_cache = self.compiled
            self._restore(files)
        env.globals["kb_contact"] = self.contact  # rendered (escaped) by help.contact_block; empty for staff
        # The theme's inline scripts, from its templates (never from a finished page), for the CSP.
        context = {"config": config, "features": config.theme.get("features") or [], "page": None}
        self.scripts = ThemeScripts(env, config.theme.dirs, context)
        return env

    @event_priority(-100)
    def on_post_page(self, output: str, *, page: Page, config: MkDocsConfig) -> str:
        assert self.scripts is not None
        self._guard(output, f"page {page.file.src_uri}")
        target = self.redirect_src.get(page.file.src_uri)
        if target is not None and target in self.url_of:
            output = add_redirect(output, get_relative_url(self.url_of[target], page.url))
        self.policies[page.file.dest_uri] = policy = self.scripts.policy(get_relative_url(".", page.url), self.dev)
        if self.incremental:
            self._record(page)
        return add_policy(output, policy)

    @event_priority(-100)
    def on_post_template(self, output_content: str, *, template_name: str, config: MkDocsConfig) -> str:
        if not template_name.endswith(".html"):
            return output_content
        assert self.scripts is not None
        # The base URL MkDocs gives a theme template (the 404 page is served from any depth).
        if template_name == "404.html":
            base_url = urlsplit(config.site_url or "/").path
        else:
            base_url = get_relative_url(".", template_name)
        self.policies[template_name] = policy = self.scripts.policy(base_url, self.dev)
        return add_policy(output_content, policy)

    @event_priority(-100)
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        assert self.view is not None
        site_dir = Path(config.site_dir)
        quick = self.incremental and self.state.quick is not None
        written = write_checklists(self.view, site_dir, self.state.changed_docs if quick else None, preview=self.dev)
        if not quick:  # the accounts' filled-in checklists: all of them, in a catch-up build too
            written += write_account_checklists(self.view, site_dir)
        write_pages_api(self.view, site_dir, self.url_of.get)
        write_status(site_dir)
        snapshots = compare.write_snapshots(self.view, site_dir)
        for rel in self.snapshots - snapshots:
            _remove(site_dir, rel)
        self.snapshots = snapshots
        log.info("kb: wrote %d checklist files, api/pages.json and api/v1/status", len(written))
        if self.incremental:
            if not quick:  # the checklists of documents that no longer have any
                for rel in self.state.checklists - set(written):
                    _remove(site_dir, rel)
                self.state.checklists = set(written)
            else:
                self.state.checklists |= set(written)
            self._finish(site_dir, config)
        finish_index(site_dir, self.view, self.url_of)
        self._check_policies(site_dir)
        manifest.write(site_dir, manifest.Manifest(
            self.view.audience, self.view.today, header_policy(self.policies.values())))
        if self.incremental and self.state.quick is not None:
            self.state.ask_for_catch_up()
        if self.guard is None:
            return
        index = site_dir / SEARCH_INDEX
        if index.is_file():
            entries = json.loads(index.read_text(encoding="utf-8")).get("docs", [])
            self._guard("\n".join(search_text(e) for e in entries), "the search index")
        elif any(name in config.plugins for name in SEARCH_PLUGINS):
            raise PluginError(f"kb: the search plugin is configured but {SEARCH_INDEX} was not there when the kb "
                              "plugin came to check it for content the public site must not show; a plugin that "
                              "runs later than kb (event priority below -100) must not write or remove it")
        # Every other file the build wrote but the theme's: files from docs/, the downloads, the sitemap.
        for path in sorted(site_dir.rglob("*")):
            rel = path.relative_to(site_dir).as_posix()
            if path.is_file() and rel not in self.theme_files and rel not in self.scanned:
                self._guard(path.read_bytes().decode("utf-8", errors="replace"), f"file {rel}")

    def _check_policies(self, site_dir: Path) -> None:
        """Every page still carries the policy it was given (a plugin running later could rewrite pages)."""
        lost = []
        pages = {p.dest for p in self.state.pages.values()}
        built = {self.state.pages[src].dest for src in self.state.built}
        for rel, policy in sorted(self.policies.items()):
            if self.incremental and rel in pages and rel not in built:
                continue  # a page an incremental build kept: checked when it was written
            path = site_dir / rel
            if not path.is_file():
                continue  # not written (a draft under mkdocs serve)
            head = path.read_text(encoding="utf-8", errors="replace").partition("</head>")[0]
            if f'<meta http-equiv="Content-Security-Policy" content="{policy}">' not in head:
                lost.append(rel)
        if lost:
            raise PluginError(f"kb: {len(lost)} pages lost their Content-Security-Policy after the kb plugin set it "
                              f"(first: {lost[0]}); a plugin that runs later than kb rewrites them")

    def _guard(self, text: str, where: str) -> None:
        if self.guard is None or self.view is None:
            return
        for hit in self.guard.find(text):
            log.error("kb: %s of the %s site shows %r, which is not %s content", where,
                      self.view.audience, hit, self.view.audience)

    def on_serve(
        self, server: LiveReloadServer, *, config: MkDocsConfig, builder: Callable[..., Any]
    ) -> LiveReloadServer:
        for name in WATCHED:
            if (self.root / name).exists():
                server.watch(str(self.root / name))
        if self.incremental:  # the quick build of a save asks for its catch-up build by writing here
            folder = Path(tempfile.mkdtemp(prefix="kb-preview-"))
            self.state.trigger = folder / "catch-up"
            server.watch(str(folder))
        else:
            log.info("kb: `mkdocs serve --dirty` (make preview) rebuilds only the pages a save changes")
        return server

    def on_shutdown(self) -> None:
        if self.state.trigger is not None:
            shutil.rmtree(self.state.trigger.parent, ignore_errors=True)


# Front matter a hand-written page may have; the theme reads more (`template`, `icon`, `status`,
# `subtitle`, `author`, ...), and some of those print as HTML or pick what renders the page.
PAGE_HIDE = frozenset({"navigation", "toc", "feedback", "footer", "path", "tags"})


def page_meta(meta: Mapping[str, Any], where: str) -> dict[str, Any]:
    """The front matter of a hand-written page the theme may see: its audience, an escaped title and
    description, the page parts to hide and its search settings. Anything else is ignored, with a
    warning (so `--strict` fails on it)."""
    out: dict[str, Any] = {}
    for key, value in meta.items():
        if key == "audience" and isinstance(value, str):
            out[key] = value
        elif key in ("title", "description") and isinstance(value, (str, int, float)) and str(value).strip():
            out[key] = as_html(value)
        elif key == "hide" and isinstance(value, list) and all(isinstance(v, str) and v in PAGE_HIDE for v in value):
            out[key] = list(value)
        elif key == "search" and isinstance(value, dict) and _search_meta(value):
            out[key] = dict(value)
        else:
            log.warning("kb: %s: front matter %r is not one a page may set (audience, title, description, "
                        "hide: %s, search: {exclude, boost}); ignored", where, key, ", ".join(sorted(PAGE_HIDE)))
    return out


def _search_meta(value: dict[Any, Any]) -> bool:
    exclude, boost = value.get("exclude", False), value.get("boost", 1)
    return (set(value) <= {"exclude", "boost"} and isinstance(exclude, bool)
            and isinstance(boost, (int, float)) and not isinstance(boost, bool) and 0 < boost <= 10)


def _escape_toc(toc: TableOfContents | list[AnchorLink]) -> None:
    for link in toc:
        link.title = fragment_as_html(link.title)
        _escape_toc(link.children)


def own_class_sanitizer(config: MkDocsConfig) -> Sanitizer:
    """The sanitiser that also drops the site's own classes: those of the plugin's templates and code
    and of the site's stylesheets (`extra_css` under docs/), less those of the theme's stylesheets."""
    here = Path(__file__).parent
    code = [*here.glob("*.py"), *(here / "templates").glob("*.html")]
    own_css = [Path(config.docs_dir, str(css)) for css in config.extra_css]
    theme_css = [Path(folder, name) for top in config.theme.dirs for folder, subfolders, names in os.walk(top)
                 for name in names if name.endswith(".css")]
    classes, prefixes = site_classes(
        (p.read_text(encoding="utf-8") for p in code if p.name != "sanitize.py"),
        (p.read_text(encoding="utf-8") for p in own_css if p.is_file()),
        (p.read_text(encoding="utf-8") for p in theme_css),
    )
    ids = template_ids(p.read_text(encoding="utf-8") for p in template_names(config.theme.dirs).values())
    return Sanitizer(classes, prefixes, ids)


def _forget_search_index(config: MkDocsConfig) -> None:
    """Material's search plugin, in a dirty build, merges the last build's index with this one's
    assuming one page was rebuilt; the kb plugin writes the index whole instead (`_finish`), from
    the entries of the pages this build indexed."""
    for name in SEARCH_PLUGINS:
        plugin = config.plugins.get(name)
        if plugin is not None and hasattr(plugin, "search_index_prev"):
            plugin.search_index_prev = None


def _remove(site_dir: Path, rel: str) -> None:
    """Remove a file the build no longer makes, and the folders it leaves empty."""
    path = site_dir / rel
    path.unlink(missing_ok=True)
    for folder in path.parents:
        if folder == site_dir or not folder.is_relative_to(site_dir):
            break
        try:
            folder.rmdir()
        except OSError:
            break


def _site_url(in_mkdocs: str | None, in_kb: str | None) -> str | None:
    """The one site_url, from kb.yml (mkdocs.yml may repeat it, never contradict it)."""
    if in_mkdocs and in_mkdocs.rstrip("/") != (in_kb or "").rstrip("/"):
        raise PluginError(f"kb: set site_url in kb.yml only (mkdocs.yml has {in_mkdocs!r}, kb.yml {in_kb!r}); "
                          "the digest, the pages API and the site all read it from there")
    return in_kb


def _source_of(page: Page, site_page: SitePage | None, view: SiteView) -> str:
    """The file a page comes from, for messages: the document's file or docs/<page>."""
    if site_page is not None and site_page.markdown:
        for entry in view.docs.values():
            if urls.doc(entry.model.id) == page.file.src_uri:
                return entry.path
    return f"docs/{page.file.src_uri}"

