"""A config file too large to be a config: refused before the TOML parser spends seconds on it.

Parsing costs up to ~2 µs a byte (a long list of numbers), so a file over ``CONFIG_MAX``
is refused up front, yet still with the key to fix where one can be found cheaply: the
line holding a huge value (a pasted title), or the table repeated thousands of times
(``[[plan.week]]``).
"""

from __future__ import annotations

import re
from collections import Counter

from syncd.errors import ConfigError

CONFIG_MAX = 512 * 1024  # characters; the documented sample with every key is ~15 KiB
READ_MAX = 16 * 2**20  # bytes read of an oversized file to name the key in the error
_HEADER = re.compile(r"^[ \t]*(\[\[?)[ \t]*([^\]\n]+?)[ \t]*\]\]?[ \t]*(?:#.*)?$", re.M)


def check_size(text: str, origin: str, size: int | None = None) -> None:
    """ConfigError if ``text`` (of ``size`` bytes on disk, if known) is over ``CONFIG_MAX``."""
    if len(text) <= CONFIG_MAX and (size is None or size <= CONFIG_MAX):
        return
    total = max(len(text), size or 0)
    limit = f"expected a config file of at most {CONFIG_MAX // 1024} KiB, got {_size(total)}"
    lines = text.split("\n")
    longest = max(range(len(lines)), key=lambda i: len(lines[i]))
    if len(lines[longest]) > CONFIG_MAX // 2 and "=" in lines[longest]:
        raise ConfigError(f"{limit} with a value of {len(lines[longest]):,} characters on "
                          f"line {longest + 1}", source=origin,
                          key=_key_at(text, lines, longest))
    arrays = Counter(m.group(2) for m in _HEADER.finditer(text) if m.group(1) == "[[")
    if arrays:
        name, count = arrays.most_common(1)[0]
        if count > 100:
            raise ConfigError(f"{limit} with {count:,} [[{name}]] tables", source=origin,
                              key=name)
    raise ConfigError(limit, source=origin)


def _key_at(text: str, lines: list[str], index: int) -> str:
    """The dotted key of ``lines[index]`` ("plan.week[0].title"), from the table above it."""
    key = lines[index].split("=", 1)[0].strip().strip('"')
    offset = sum(len(line) + 1 for line in lines[:index])
    table = ""
    for m in _HEADER.finditer(text, 0, offset):
        name = m.group(2).replace(" ", "")
        if m.group(1) == "[[":
            count = sum(1 for h in _HEADER.finditer(text, 0, m.end())
                        if h.group(1) == "[[" and h.group(2).replace(" ", "") == name)
            table = f"{name}[{count - 1}]"
        else:
            table = name
    return f"{table}.{key}" if table else key


def _size(n: int) -> str:
    return f"{n / 2**20:.1f} MiB" if n >= 2**20 else f"{n / 1024:.0f} KiB"
