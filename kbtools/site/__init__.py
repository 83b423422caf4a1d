"""The knowledge site: the project's MkDocs plugin and the pages it generates.

`plugin.KBPlugin` (registered as the `kb` MkDocs plugin) loads the knowledge
base through the core, turns it into a `view.SiteView` for one audience, keeps
only the files under docs/ that audience may see (`docfiles`) and fails on two
files landing in one place (`clashes`), adds one virtual page per document and
the generated pages (`pages`), renders them with the Jinja templates in
`templates/`, sanitises Markdown output (`sanitize`), hands the theme every
title as escaped text (`htmltext`), adds glossary tooltips and document links
(`annotate`) and sets a Content-Security-Policy on every page (`csp`).
"""
