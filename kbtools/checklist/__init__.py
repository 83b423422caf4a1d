"""Checklists generated from an SOP's steps, blank or filled in for one account.

`build.build()` turns a document (and optionally an account, a start date and
run inputs) into a `model.Checklist`; `render.render()` writes it as Markdown,
standalone HTML, CSV or JSON. The command (`kb checklist`) and the site's
downloads both go through these two functions, so a checklist reads the same
wherever it comes from.
"""
