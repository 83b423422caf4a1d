"""`kb schema`: write schemas/ from the models, or check it is up to date."""

from __future__ import annotations

from pathlib import Path

import click

from ..config import SCHEMAS_FOLDER
from ..edit.atomic import write_below
from ..findings import KBError
from ..kb import KnowledgeBase
from ..schemas import build_all
from .common import open_kb, root_option, writing


@click.command("schema")
@click.option("--check", "check_only", is_flag=True, help="Exit 1 when schemas/ differs from the models.")
@root_option
def schema(check_only: bool, root: Path | None) -> int:
    """Write the JSON Schemas in schemas/ from the models."""
    if check_only:
        return _check(open_kb(root))
    with writing(root) as kb:
        stale = _stale(kb)
        for name, text in stale:
            write_below(kb.root, f"schemas/{name}", text, create_dirs=True)
    total = len(build_all())
    click.echo(f"wrote {len(stale)} of {total} schemas in schemas/" if stale
               else f"schemas/ is up to date ({total} schemas)")
    return 0


def _stale(kb: KnowledgeBase, strict: bool = False) -> list[tuple[str, str]]:
    """(file name, wanted text) of every schema that differs from the models or is missing.

    A file that is not UTF-8 differs; with `strict` (a check) it stops the command instead, saying so.
    """
    folder = kb.root / SCHEMAS_FOLDER
    stale = []
    for name, text in sorted(build_all().items()):
        try:
            current: str | None = (folder / name).read_bytes().decode("utf-8")
        except FileNotFoundError:
            current = None
        except UnicodeDecodeError as exc:
            if strict:
                raise KBError(f"schemas/{name} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset "
                              f"{exc.start}); run kb schema to write it again") from None
            current = None
        except OSError as exc:
            raise KBError(f"cannot read schemas/{name}: {exc.strerror}") from None
        if current != text:
            stale.append((name, text))
    return stale


def _check(kb: KnowledgeBase) -> int:
    folder = kb.root / SCHEMAS_FOLDER
    wanted = build_all()
    stale = [name for name, _ in _stale(kb, strict=True)]
    extra = sorted(p.name for p in folder.glob("*.schema.json") if p.name not in wanted) if folder.is_dir() else []
    for name in stale:
        click.echo(f"schemas/{name}: error: differs from the models; run kb schema [schema-stale]")
    for name in extra:
        click.echo(f"schemas/{name}: error: no model produces this schema; delete it [schema-stale]")
    if stale or extra:
        return 1
    click.echo(f"ok: {len(wanted)} schemas match the models")
    return 0
