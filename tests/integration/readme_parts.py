"""README.md read as a newcomer reads it: its fenced blocks, the shell commands in its
```sh blocks (comments dropped, `&&` chains and pipes taken apart) and its command table.

Kept apart from the walk so the walk's classification table stays short and these
parsing rules (which decide what the walk sees at all) have tests of their own.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"

_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=\S*\s+")


class Block(NamedTuple):
    lang: str    # the word after ```, "" for a bare fence
    line: int    # 1-based line of the opening fence
    text: str


class Command(NamedTuple):
    """One simple command (a pipeline) as a user types it; `line` is where it is in README."""

    block: int   # the index of its ```sh block among the sh blocks
    line: int
    text: str    # the whole pipeline, e.g. "syncd config sample | sudo tee /etc/x"

    def stages(self) -> list[str]:
        """The pipeline's commands, each without leading `VAR=value` assignments."""
        return [without_assignments(s) for s in split_outside_quotes(self.text, ("|",))]


def blocks(text: str) -> list[Block]:
    out: list[Block] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        m = re.match(r"^```\s*([\w+-]*)\s*$", lines[i])
        if not m:
            i += 1
            continue
        start = i
        i += 1
        body: list[str] = []
        while i < len(lines) and not lines[i].startswith("```"):
            body.append(lines[i])
            i += 1
        if i == len(lines):
            raise ValueError(f"README.md:{start + 1}: a ``` fence is never closed")
        out.append(Block(m.group(1), start + 1, "\n".join(body) + "\n"))
        i += 1
    return out


def strip_comment(line: str) -> str:
    """The line up to a `#` that starts a word outside quotes (bash's rule)."""
    quote = ""
    for i, ch in enumerate(line):
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip()
    return line.rstrip()


def split_outside_quotes(text: str, seps: tuple[str, ...]) -> list[str]:
    """`text` cut at each separator that is outside quotes; `|` never cuts a `||`."""
    parts: list[str] = []
    quote = ""
    cur = ""
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            quote = "" if ch == quote else quote
        elif ch in "'\"":
            quote = ch
        elif text.startswith("||", i):
            cur += "||"
            i += 2
            continue
        else:
            sep = next((s for s in seps if text.startswith(s, i)), None)
            if sep is not None:
                parts.append(cur.strip())
                cur = ""
                i += len(sep)
                continue
        cur += ch
        i += 1
    parts.append(cur.strip())
    return [p for p in parts if p]


def without_assignments(cmd: str) -> str:
    while m := _ASSIGNMENT.match(cmd):
        cmd = cmd[m.end():]
    return cmd


def commands(text: str) -> list[Command]:
    """Every command of every ```sh block, in README order."""
    out: list[Command] = []
    sh = [b for b in blocks(text) if b.lang in ("sh", "bash", "shell", "console")]
    for index, block in enumerate(sh):
        pending, first = "", 0
        for offset, raw in enumerate(block.text.splitlines(), start=1):
            line = strip_comment(raw)
            if not pending:
                first = block.line + offset
            if line.endswith("\\"):
                pending += line[:-1].strip() + " "
                continue
            line, pending = pending + line.strip(), ""
            for part in split_outside_quotes(line, ("&&", ";")):
                out.append(Command(index, first, part))
    return out


def table_commands(text: str) -> list[str]:
    """The `syncd ...` in the first column of the README's command table."""
    return re.findall(r"^\| `(syncd [^`]+)` \|", text, flags=re.M)


def section_of(text: str, line: int) -> str:
    """The title of the `## ` section that README line `line` (1-based) sits in."""
    title = ""
    for number, raw in enumerate(text.splitlines(), start=1):
        if number > line:
            break
        if raw.startswith("## "):
            title = raw[3:].strip()
    return title


def section_blocks(text: str, title: str, lang: str) -> list[Block]:
    return [b for b in blocks(text) if b.lang == lang and section_of(text, b.line) == title]
