"""Every scan the site plugin runs over text a contributor wrote takes linear time.

Each case feeds one scan a megabyte of the input that made it quadratic (an
unclosed `[` link, `<` with no `>`, unclosed quotes, headings, comments...).
Quadratic, a case takes minutes; linear, milliseconds. The cases run in a
subprocess with a generous time limit, so a regression fails instead of hanging.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

from conftest import REPO, SITE_FIXTURE, TESTS

SIZE = 1_000_000
LIMIT = 60  # seconds for all the cases together; linear, they take well under one

CASES = {
    "link by id, unclosed [": "rewrite_id_links('[' * N, 'sops/x.md', view)",
    "link by id, [a](": "rewrite_id_links('[a](' * (N // 4), 'sops/x.md', view)",
    "annotate, < without >": "annotator.annotate('<' * N, href)",
    "annotate, unclosed quotes": "annotator.annotate('<\"' * (N // 2), href)",
    "annotate, one quote then <": "annotator.annotate('<a \"' + '<' * N, href)",
    "annotate, mixed quotes": "annotator.annotate('<\\'\"' * (N // 3), href)",
    "annotate, terms": "annotator.annotate('<p>' + 'FSR ' * (N // 4) + '</p>', href)",
    "annotate, spaces in a term": "annotator.annotate('<p>Work' + ' ' * N + 'x</p>', href)",
    "table of contents, open id": "toc_entries('<h2 id=\"' * (N // 8))",
    "table of contents, unclosed": "toc_entries('<h2 id=\"x\">' * (N // 11))",
    "document title": "split_title('<h1>' * (N // 4), 't')",
    "anchor ids": "anchor_ids(' id=\"' * (N // 5))",
    "policy, charset": "csp.add_policy('<meta charset=' * (N // 14), 'p')",
    "text of a heading, comments": "text_of('<!--' * (N // 4))",
    "text of a heading, open tags": "text_of('<a ' * (N // 3))",
    "text of a heading, end tags": "text_of('</' * (N // 2))",
    "leak guard": "guard.find('Dispatch a field' * (N // 16))",
    "image source": "same_site_relative('a' * N + ':')",
    "search copy, marks without tags": "for_index('data-search-' * (N // 12), 'x.md')",
    "search copy, marks in one tag": "for_index('<span ' + 'data-search-' * (N // 12), 'x.md')",
    "search copy, open inline tags": "for_index('<span ' * (N // 6), 'x.md')",
    "search copy, open permalinks": "for_index('<a class=\"headerlink\"' * (N // 21), 'x.md')",
    "search copy, open block tags": "for_index('x<td' * (N // 4), 'x.md')",
    "annotate, open skipped tags": "annotator.annotate('<code FSR ' * (N // 10), href)",
}

SCRIPT = """
import datetime as dt, sys, time
from pathlib import Path
sys.path[:0] = [{tests!r}]
from kbtools.load.loader import load
from kbtools.site import csp
from kbtools.site.annotate import Annotator, LeakGuard, rewrite_id_links
from kbtools.site.htmltext import text_of
from kbtools.site.render import anchor_ids, toc_entries
from kbtools.site.sanitize import same_site_relative
from kbtools.site.search import for_index
from kbtools.site.sop_page import split_title
from kbtools.site.view import build_view
kb = load(Path({fixture!r}))
view = build_view(kb, "internal", dt.date(2026, 11, 22))
annotator = Annotator(view)
guard = LeakGuard(kb, build_view(kb, "public", dt.date(2026, 11, 22)))
href = lambda doc_id: doc_id
N = {size}
for name, case in {cases!r}.items():
    print(name, end=": ", flush=True)
    start = time.perf_counter()
    eval(case)
    print(f"{{time.perf_counter() - start:.3f}} s", flush=True)
"""


def test_every_scan_of_contributed_text_is_linear():
    script = SCRIPT.format(tests=str(TESTS), fixture=str(SITE_FIXTURE), size=SIZE, cases=CASES)
    try:
        done = subprocess.run([sys.executable, "-c", textwrap.dedent(script)], cwd=REPO, capture_output=True,
                              text=True, timeout=LIMIT)
    except subprocess.TimeoutExpired as exc:
        out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        raise AssertionError(f"took more than {LIMIT} s; the last case is the slow one:\n{out}") from None
    assert done.returncode == 0, done.stderr
    assert done.stdout.count(" s\n") == len(CASES), done.stdout
