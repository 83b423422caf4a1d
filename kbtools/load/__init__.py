"""Files -> models: reading the knowledge base's files.

`yamlsrc` parses YAML safely and remembers where every key and value came
from; `validation` turns the models' validation errors into findings with a
line, a column and a suggestion; `loader` reads every file once and fills
the `KnowledgeBase` (`kbtools.kb`).
"""
