"""Render the schema as TOML: the documented sample config, or an effective config.

Both walk the same schema, so the sample can never miss a key and ``config check`` prints
every value in the form the file takes.
"""

from __future__ import annotations

import textwrap
from typing import Any

from syncd.config.schema import SCHEMA, Key, Table

HEADER = """\
# syncd configuration: every key, with what it means and its default.
# Generated from the schema (`syncd config sample`). Copy it to
# ~/.config/syncd/config.toml (or /etc/syncd/config.toml) and edit.
# Rule ids (R1-R11, G1-G6) refer to docs/recovery-rules.md.
"""


def _comment(text: str, indent: str = "") -> list[str]:
    return [f"{indent}# {line}" for line in textwrap.wrap(text, 92)]


def render_sample() -> str:
    lines = HEADER.splitlines()
    _walk(SCHEMA, "", None, lines, masked=False)
    return "\n".join(lines).rstrip() + "\n"


def render_values(values: dict[str, Any], masked: bool = True) -> str:
    lines: list[str] = []
    _walk(SCHEMA, "", values, lines, masked=masked)
    return "\n".join(lines).strip() + "\n"


def _walk(table: Table, path: str, values: dict[str, Any] | None, lines: list[str],
          masked: bool) -> None:
    keys = [i for i in table.items if isinstance(i, Key)]
    subs = [i for i in table.items if isinstance(i, Table)]
    if path and (keys or values is None):
        lines.append("")
        if values is None:
            lines += _comment(table.doc)
        lines.append(f"[{path}]")
    for key in keys:
        lines += _key_lines(key, values, masked)
    for sub in subs:
        where = f"{path}.{sub.name}" if path else sub.name
        if sub.array:
            rows = (values or {}).get(sub.name) if values is not None else list(sub.example_rows)
            lines.append("")
            if values is None:
                lines += _comment(sub.doc)
                for k in sub.items:
                    if isinstance(k, Key):
                        lines += _comment(f"  {k.name}: {k.doc}" + (
                            "" if k.required or k.default is None
                            else f" (default: {k.type.sample(k.default)})"))
            if not rows:
                lines.append(f"# [[{where}]]")
            # The sample's rows are examples (a race, a week of runs nobody has): commented
            # out, so an unedited sample plans no taper for a race that does not exist.
            mark = "# " if values is None else ""
            for row in rows or []:
                lines.append(f"{mark}[[{where}]]")
                for k in sub.items:
                    if isinstance(k, Key) and row.get(k.name) is not None:
                        value = row[k.name]
                        checked = k.type.check(value) if values is None else value
                        lines.append(f"{mark}{k.name} = {k.type.sample(checked)}")
            continue
        _walk(sub, where, None if values is None else values.get(sub.name, {}), lines, masked)


def _key_lines(key: Key, values: dict[str, Any] | None, masked: bool) -> list[str]:
    if values is not None:
        value = values.get(key.name)
        if value is None or (value == "" and key.secret):
            return [f"# {key.name} is not set"]
        if key.secret and masked:
            return [f'{key.name} = "********"']
        return [f"{key.name} = {key.type.sample(value)}"]
    doc = key.doc
    default = None if key.required else key.default
    if default not in (None, [], {}) and key.example is not None and key.example != default:
        doc += f" Example: {key.name} = {key.type.sample(key.type.check(key.example))}"
    out = _comment(doc)
    if key.required:
        out.append(f"{key.name} = {key.type.sample(key.type.check(key.example))}")
    elif default is not None and default != [] and default != {}:
        out.append(f"{key.name} = {key.type.sample(key.type.check(default))}")
    elif key.example is not None:
        out.append(f"# {key.name} = {key.type.sample(key.type.check(key.example))}")
    elif default in ([], {}):
        out.append(f"{key.name} = {'[]' if default == [] else '{}'}")
    else:
        out.append(f"# {key.name} =")
    return out
