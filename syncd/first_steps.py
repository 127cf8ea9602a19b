"""What the built-in demo tells a newcomer: which config it ignores, and the exact command
to paste next (issue 23: "`syncd` is not on PATH after ./scripts/demo").

The command names syncd the way it was started (``.venv/bin/syncd`` by ./scripts/demo, made
absolute so it works from any folder), or plain ``syncd`` when that is what PATH finds.
"""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from syncd.errors import ConfigError

if TYPE_CHECKING:
    from syncd.context import Context


def use_demo(obj: Context, *, once: bool) -> None:
    """`run --once --demo`: the embedded demo config, whatever config file exists."""
    if not once:
        raise ConfigError("--demo runs the built-in demo once: use `syncd run --once --demo`")
    from syncd.config.loader import EMBEDDED, EMBEDDED_DEFAULT, parse_config

    obj._config = parse_config(EMBEDDED_DEFAULT, EMBEDDED, base_dir=Path.cwd(),
                               env=dict(os.environ))


def own_command() -> str:
    """How to type this syncd again from any folder."""
    argv0 = sys.argv[0] if sys.argv else ""
    if Path(argv0).name != "syncd":
        return f"{shlex.quote(sys.executable)} -m syncd"
    here = os.path.abspath(argv0)
    found = shutil.which("syncd")
    if found and os.path.realpath(found) == os.path.realpath(here):
        return "syncd"
    return shlex.quote(here)


def _shown(path: Path) -> str:
    """A path to paste: under HOME as ~/..., quoted when it needs it."""
    home = Path.home()
    if path.is_relative_to(home):
        rest = path.relative_to(home).as_posix()
        return "~/" + (rest if shlex.quote(rest) == rest else shlex.quote(rest))
    return shlex.quote(str(path))


def own_config(explicit: str | None) -> Path | None:
    from syncd.config.loader import find_config

    try:
        return find_config(explicit, dict(os.environ))
    except ConfigError:
        return None


def demo_intro(explicit: str | None, target: str) -> str:
    mine = own_config(explicit)
    if mine is None:
        return f"No config file found: using the built-in demo runner and writing {target}.\n"
    return (f"The built-in demo runner, writing {target}; your config {_shown(mine)} is not "
            "used (the demo keeps its own state).\n")


def demo_next_step(explicit: str | None) -> list[str]:
    """The demo's last lines: the one command to paste next."""
    exe = own_command()
    mine = own_config(explicit)
    if mine is not None:
        opt = f" --config {_shown(mine)}" if explicit else ""
        return ["Next, your own plan from your config (writes nothing):",
                f"  {exe}{opt} plan"]
    xdg = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    folder = Path(xdg) / "syncd"
    return ["Next, your own data (README.md, \"Your own data\"): start a config from the "
            "sample, then edit it:",
            f"  mkdir -p {_shown(folder)} && {exe} config sample > "
            f"{_shown(folder / 'config.toml')}"]
