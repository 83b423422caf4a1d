"""JSON Schemas (draft 2020-12) generated from the models."""

from __future__ import annotations

import json

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode, JsonSchemaValue
from pydantic_core import CoreSchema

from . import models
from .config import Config

# The file kinds, by the name of their schema in `schemas/`.
SCHEMAS: dict[str, type[BaseModel]] = {
    "sop": models.Sop,
    "account": models.Account,
    "departments": models.DepartmentsFile,
    "teams": models.TeamsFile,
    "roles": models.RolesFile,
    "people": models.PeopleFile,
    "glossary": models.GlossaryFile,
    "training": models.Training,
    "kb-config": Config,
}

DRAFT = "https://json-schema.org/draft/2020-12/schema"


class _Generator(GenerateJsonSchema):
    def generate(self, schema: CoreSchema, mode: JsonSchemaMode = "validation") -> JsonSchemaValue:
        out = super().generate(schema, mode=mode)
        return {"$schema": DRAFT, **out}


def build_all() -> dict[str, str]:
    """File name -> JSON text, for every record kind."""
    from .checklist.model import Checklist
    from .runs.model import Run

    files = {}
    kinds: dict[str, type[BaseModel]] = {**SCHEMAS, "checklist": Checklist, "run": Run}
    for name, model in kinds.items():
        schema = model.model_json_schema(schema_generator=_Generator)
        schema["$id"] = f"{name}.schema.json"
        files[f"{name}.schema.json"] = json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
    return files
