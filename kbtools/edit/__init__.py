"""Edits: everything `kb` writes into the repository.

`inplace` changes one value of a YAML or front-matter file and leaves every
other byte alone (`kb review`, `kb owners reassign`); `scaffold` writes a new
document (`kb new`); `codeowners` generates `.github/CODEOWNERS`; `atomic`
writes every file whole or not at all, never through a link it was not asked
to follow; `lock` lets one writer at a time in; `journal` makes a write across
several files finished or undone (`kb recover`), never half-done unnoticed.
"""
