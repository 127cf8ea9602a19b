"""README.md walked end to end, as a new user would: every command of its ```sh blocks is
run on a fresh copy of the repository, or named in NOT_RUN with the reason it cannot run
here. A command that is in neither table fails the test, so a README edit cannot slip by.

The walk (`pytest -m slow`, run by .ci/run) is real: `./scripts/demo` makes its venv and
pip-installs, `python3.12 -m pip install .` installs syncd. Its sandbox:
- a copy of the repository's files (tracked and new, not ignored), the walk's working folder;
- each ```sh block starts with an empty HOME (no XDG, SYNCD or systemd variables), because
  each is a recipe a reader follows on its own; a block that installs gets a Python 3.12
  with nothing installed yet: a fresh venv (system site on, so `--user` works) made from
  the interpreter running the tests;
- PATH: ~/.local/bin, that Python's bin (python3.12, and syncd once installed), the syncd
  an earlier block installed, /usr/bin, /bin. pip keeps this machine's own setup (the
  PIP_* variables, the user's pip.conf).

The cheap parts (each command classified, the ```toml examples pass `syncd config check`,
the command table names real commands and options) run in ./scripts/test.
"""

from __future__ import annotations

import re
import shlex
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pytest

from tests.icscheck import read_both
from tests.integration.readme_parts import (
    README,
    ROOT,
    Block,
    Command,
    blocks,
    commands,
    section_of,
    split_outside_quotes,
    strip_comment,
    table_commands,
    without_assignments,
)
from tests.integration.readme_sandbox import OWN_DATA, Sandbox, own_data_setup

SYSTEMD_TESTS = "tests/integration/test_systemd_units.py"


class Excused(NamedTuple):
    prefix: str      # a command's start, or "```lang" for a whole fenced block
    reason: str
    stand_in: str = ""   # run in its place so the steps after it meet what they expect


class Walked(NamedTuple):
    prefix: str
    check: Callable[[Sandbox, str, subprocess.CompletedProcess[str]], None]


# A new kind of README line: if the walk can run it here (no root, no network beyond the
# package index, no terminal), add its start to RUN below with a check of what it must have
# done (check_clean at least: exit 0, no traceback); if not, add its start here with the
# reason and the test that covers it instead, and a stand_in when later steps depend on
# what it would have done. A whole fenced block of a new language is excused as "```lang".
# Matching is by the start of each pipeline stage, leading VAR=value and syncd's global
# options left out; a line is excused when any stage is. First match wins.
USER_UNIT_FIRST_CYCLE = "<the ExecStart of systemd/syncd-user.service, with --once>"
NOT_RUN: tuple[Excused, ...] = (
    Excused("```nginx", "an nginx reverse-proxy snippet (needs nginx); a feed behind a "
            "prefix: tests/integration/test_feed_server.py"),
    Excused("```", "output shown as an example, or a Caddyfile: nothing to type"),
    Excused("./scripts/test", "is CI itself: .ci/run runs it, and this walk runs inside it"),
    Excused(".venv/bin/python -m pytest", "the test suite: .ci/run runs it, this walk inside"),
    Excused("sudo", "needs root, /etc, /usr/local and a running systemd; the units are "
            f"verified and rated in {SYSTEMD_TESTS}"),
    Excused("systemctl --user enable --now syncd", "needs a user systemd (units checked in "
            f"{SYSTEMD_TESTS}); the unit's first cycle runs in its place",
            stand_in=USER_UNIT_FIRST_CYCLE),
    Excused("systemctl", f"needs a running systemd; units checked in {SYSTEMD_TESTS}"),
    Excused("journalctl", "reads the journal of a running unit"),
    Excused("loginctl", "needs logind and a login session"),
    Excused("pipx", "pipx is not installed on this machine; the install it stands for is "
            "walked as `python3.12 -m pip install .` (Install)"),
    Excused("syncd login", "asks for Garmin's email, password and MFA code at a terminal; "
            "tests/unit/sources/test_garmin_login.py, and test_cli_first_hour.py for no "
            "terminal"),
)


# ---- checks: what each walked command must have done -------------------------------------

def check_clean(box: Sandbox, cmd: str, res: subprocess.CompletedProcess[str]) -> None:
    assert res.returncode == 0, f"`{cmd}` exited {res.returncode}:\n{res.stdout}\n{res.stderr}"
    for bad in ("Traceback", "internal error"):
        assert bad not in res.stderr, f"`{cmd}`:\n{res.stderr}"


def check_plan_printed(box: Sandbox, cmd: str, res: subprocess.CompletedProcess[str]) -> None:
    check_clean(box, cmd, res)
    assert "syncd plan · now" in res.stdout, res.stdout
    assert re.search(r"\d\d:\d\d–\d\d:\d\d (heavy|light|core)", res.stdout), res.stdout


def check_demo(box: Sandbox, cmd: str, res: subprocess.CompletedProcess[str]) -> None:
    check_plan_printed(box, cmd, res)
    m = re.search(r"ics → (\S+): wrote (\d+) events", res.stdout)
    assert m, res.stdout
    ics = box.repo / "syncd-demo.ics"
    assert Path(m.group(1)) == ics
    events = read_both(ics.read_bytes())
    assert len(events) == int(m.group(2)) > 0
    assert all(e.start < e.end and e.summary for e in events)
    # It ends with the exact next command, which works when pasted (from another folder).
    last = res.stdout.rstrip().splitlines()[-1].strip()
    assert last.startswith("mkdir -p ~/.config/syncd && /") and last.endswith(
        "/.venv/bin/syncd config sample > ~/.config/syncd/config.toml"), res.stdout
    check_clean(box, last, box.sh(last, cwd=box.home))
    made = box.path("~/.config/syncd/config.toml")
    assert made.read_text() == (box.repo / "config/syncd.example.toml").read_text()
    made.unlink()


def check_install(box: Sandbox, cmd: str, res: subprocess.CompletedProcess[str]) -> None:
    check_clean(box, cmd, res)
    where = box.home / ".local/bin" if "--user" in cmd.split() else box.bin
    assert (where / "syncd").is_file(), f"`{cmd}` put no syncd in {where}"
    # A real install: the package lives in site-packages, not in the copy it came from.
    found = box.sh(f"{where / 'syncd'} --version && python3.12 -c "
                   "'import syncd; print(syncd.__file__)'", cwd=box.home)
    check_clean(box, "syncd --version", found)
    module = Path(found.stdout.splitlines()[-1])
    assert "site-packages" in module.parts and not module.is_relative_to(box.repo), module
    if "--user" in cmd.split():
        assert module.is_relative_to(box.home / ".local"), module
    else:
        box.installed, box.pristine = box.bin, False


def check_sample_written(box: Sandbox, cmd: str,
                         res: subprocess.CompletedProcess[str]) -> None:
    check_clean(box, cmd, res)
    target = box.path(shlex.split(cmd)[-1])
    assert target.read_text() == (box.repo / "config/syncd.example.toml").read_text()
    check_clean(box, "config check", box.sh(f"syncd --config {target} config check"))


def check_dirs(box: Sandbox, cmd: str, res: subprocess.CompletedProcess[str]) -> None:
    check_clean(box, cmd, res)
    for word in shlex.split(cmd)[1:]:
        if not word.startswith("-"):
            assert box.path(word).is_dir(), word


def check_copied(box: Sandbox, cmd: str, res: subprocess.CompletedProcess[str]) -> None:
    check_clean(box, cmd, res)
    src, dst = (box.path(w) for w in shlex.split(cmd)[-2:])
    if dst.is_dir():
        dst = dst / src.name
    assert dst.read_bytes() == src.read_bytes(), cmd


def check_status(box: Sandbox, cmd: str, res: subprocess.CompletedProcess[str]) -> None:
    check_clean(box, cmd, res)
    assert "last cycle:" in res.stdout and "(ok)" in res.stdout, res.stdout


def check_own_data_run(box: Sandbox, cmd: str, res: subprocess.CompletedProcess[str]) -> None:
    """`run --once` on the "Your own data" config: the user's runs in, their file out."""
    check_plan_printed(box, cmd, res)
    m = re.search(r"ics → (\S+): wrote (\d+) events", res.stdout)
    assert m, res.stdout
    out = box.home / "strength.ics"
    assert Path(m.group(1)) == out
    events = read_both(out.read_bytes())
    assert len(events) == int(m.group(2)) > 0
    # one_rep_max gives loads; the running plan's runs are planned around
    assert " kg" in out.read_text(), "no load in kg although one_rep_max is set"
    assert "Long run" in res.stdout or "long" in res.stdout, res.stdout
    assert "foundation and core only" not in res.stdout + res.stderr  # running_since counts


# Every README command the walk runs, with what it must have done. First match wins.
RUN: tuple[Walked, ...] = (
    Walked("./scripts/demo", check_demo),
    Walked(".venv/bin/syncd run --once", check_own_data_run),
    Walked("python3.12 -m pip install", check_install),
    Walked("syncd config sample >", check_sample_written),
    Walked("syncd run --once", check_plan_printed),
    Walked("syncd status", check_status),
    Walked("syncd", check_clean),
    Walked("mkdir", check_dirs),
    Walked("cp", check_copied),
    Walked("cat", check_clean),
    Walked("tee", check_clean),
)


def normal(stage: str) -> str:
    """A pipeline stage as the tables match it: no leading assignments, and for syncd no
    global options, so `syncd --config X login` is `syncd login`."""
    stage = without_assignments(stage)
    words = shlex.split(stage)
    if words and Path(words[0]).name == "syncd":
        rest, i = [], 1
        while i < len(words):
            if words[i] in ("--config", "--state-dir", "--now"):
                i += 2
                continue
            if words[i] not in ("-v", "-vv", "-q", "--dry-run", "--verbose", "--quiet"):
                rest.append(words[i])
            i += 1
        return shlex.join(["syncd", *rest]).replace("'>'", ">")
    return stage


def matches(text: str, prefix: str) -> bool:
    return text == prefix or (text.startswith(prefix)
                              and (prefix[-1] in " >/=" or text[len(prefix)] == " "))


def classify(cmd: Command) -> Excused | Walked:
    stages = [normal(s) for s in cmd.stages()]
    for stage in stages:
        for entry in NOT_RUN:
            if matches(stage, entry.prefix):
                return entry
    walked = [next((w for w in RUN if matches(s, w.prefix)), None) for s in stages]
    unknown = [s for s, w in zip(stages, walked, strict=True) if w is None]
    assert not unknown, (f"README.md:{cmd.line}: `{cmd.text}` is neither walked nor excused: "
                         "add its start to RUN (with a check) or NOT_RUN (with the reason) "
                         f"in {Path(__file__).name}")
    first = walked[0]
    assert first is not None
    return first


def fence_excuse(block: Block) -> Excused | None:
    if block.lang in ("sh", "bash", "shell", "toml"):
        return None
    entry = next((e for e in NOT_RUN if e.prefix == "```" + block.lang), None)
    assert entry, (f"README.md:{block.line}: a ```{block.lang} block is neither walked nor "
                   f"excused: add \"```{block.lang}\" to NOT_RUN in {Path(__file__).name}")
    return entry


def user_unit_first_cycle(box: Sandbox) -> str:
    unit = (box.repo / "systemd/syncd-user.service").read_text()
    m = re.search(r"^ExecStart=(\S+) run$", unit, flags=re.M)
    assert m, "ExecStart of syncd-user.service is not `<syncd> run`"
    return m.group(1).replace("%h", "~") + " run --once"


# ---- the walk -----------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.integration
def test_readme_walks_end_to_end(tmp_path: Path) -> None:
    box = Sandbox(tmp_path)
    readme = (box.repo / "README.md").read_text()
    for block in blocks(readme):
        fence_excuse(block)
    walked: list[str] = []
    excused: list[tuple[str, str]] = []
    own_data = False
    cmds = commands(readme)
    for index in sorted({c.block for c in cmds}):
        mine = [c for c in cmds if c.block == index]
        box.start_block(installs=any("pip install" in c.text for c in mine))
        if section_of(readme, mine[0].line) == OWN_DATA and any(
                normal(c.text) == "syncd config check" for c in mine):
            own_data_setup(box, readme)
            own_data = True
        for cmd in mine:
            kind = classify(cmd)
            if isinstance(kind, Excused):
                excused.append((cmd.text, kind.reason))
                if kind.stand_in:
                    stand_in = (user_unit_first_cycle(box)
                                if kind.stand_in == USER_UNIT_FIRST_CYCLE else kind.stand_in)
                    check_plan_printed(box, stand_in, box.sh(stand_in))
                continue
            res = box.sh(cmd.text, timeout=600)
            try:
                kind.check(box, cmd.text, res)
            except AssertionError as e:
                raise AssertionError(f"README.md:{cmd.line}: {e}") from None
            walked.append(cmd.text)
    assert "./scripts/demo" in walked and any(c.startswith("syncd ") for c in walked)
    assert own_data, f"no ```sh block in \"{OWN_DATA}\" runs `syncd config check`"
    print(f"\nwalked {len(walked)} README commands:", *walked, sep="\n  ")
    print(f"excused {len(excused)}:", *(f"{c}  ({why})" for c, why in excused), sep="\n  ")


# ---- the cheap parts, in every run --------------------------------------------------------

README_TEXT = README.read_text()


def test_every_readme_command_and_block_is_walked_or_excused() -> None:
    cmds = commands(README_TEXT)
    kinds = [classify(c) for c in cmds]
    assert any(isinstance(k, Walked) and k.prefix == "./scripts/demo" for k in kinds)
    assert sum(isinstance(k, Walked) for k in kinds) >= 8, cmds
    for block in blocks(README_TEXT):
        fence_excuse(block)


def test_repository_paths_in_readme_commands_exist() -> None:
    for cmd in commands(README_TEXT):
        for word in shlex.split(cmd.text):
            if "/" in word and not word.startswith(("/", "~", "-", "$", ">", "http")) \
                    and "=" not in word:
                assert (ROOT / word).exists(), f"README.md:{cmd.line}: {word} is not in the repo"


TOML = [b for b in blocks(README_TEXT) if b.lang == "toml"]


@pytest.mark.parametrize("block", TOML, ids=[f"line{b.line}" for b in TOML])
def test_readme_config_examples_pass_config_check(cli, block: Block) -> None:
    path = cli.cwd / "example.toml"
    path.write_text(block.text)
    # Secrets named in the example are given the way the example says they come.
    creds = cli.home / "credentials"
    creds.mkdir()
    env = {"CREDENTIALS_DIRECTORY": str(creds)}
    for name in re.findall(r'_credential\s*=\s*"([^"]+)"', block.text):
        (creds / name).write_text("an example secret\n")
    for name in re.findall(r'_env\s*=\s*"([^"]+)"', block.text):
        env[name] = "an example secret"
    res = cli("--config", str(path), "config", "check", env=env)
    assert res.returncode == 0, f"README.md:{block.line}: {res.stdout}{res.stderr}"
    assert "# config OK" in res.stdout


def test_readme_claims_match_what_was_seen() -> None:
    """Issue 23: DAViCal 1.1.12 answers sync-collection (and `syncd doctor` says so), and a
    quiet cycle costs a request per calendar, not one in all."""
    flat = " ".join(README_TEXT.split())
    assert "DAViCal)" not in flat and "SOGo, DAViCal" not in flat
    assert "changed costs one request per calendar" in flat


def _help_names(text: str, section: str) -> set[str]:
    body = text.split(f"\n{section}:\n", 1)[1] if f"\n{section}:\n" in text else ""
    names: set[str] = set()
    for line in body.splitlines():
        if not line.startswith("  ") or line.startswith("   " * 4):
            continue
        head = line.strip().split("  ")[0]
        names.update(w.rstrip(",") for w in head.split() if not w.isupper())
    return names


def test_command_table_names_real_commands_and_options(cli) -> None:
    table = table_commands(README_TEXT)
    assert len(table) >= 8, table
    for entry in table:
        path: list[str] = []
        helptext = cli("--help").stdout
        for word in entry.split()[1:]:
            if word.startswith("-"):
                assert word in _help_names(helptext, "Options"), (entry, word)
            elif "Commands:" in helptext:
                assert word in _help_names(helptext, "Commands"), (entry, word)
                path.append(word)
                res = cli(*path, "--help")
                assert res.returncode == 0, (entry, res.stderr)
                helptext = res.stdout
            # else: an argument of the command, e.g. the date of `plan --explain`


def test_reading_rules() -> None:
    assert strip_comment('loginctl enable-linger "$USER"   # keep # running') == \
        'loginctl enable-linger "$USER"'
    assert strip_comment('echo "a # b" x#y # c') == 'echo "a # b" x#y'
    assert split_outside_quotes("a && b 'c && d'; e", ("&&", ";")) == ["a", "b 'c && d'", "e"]
    assert split_outside_quotes("a || b | c", ("|",)) == ["a || b", "c"]
    sample = "```sh\n# only a comment\nA=1 B=2 ./x \\\n  --y  # z\nm && n | sudo tee f\n```\n"
    assert commands(sample) == [Command(0, 3, "A=1 B=2 ./x --y"), Command(0, 5, "m"),
                                Command(0, 5, "n | sudo tee f")]
    assert commands(sample)[2].stages() == ["n", "sudo tee f"]
    assert normal("syncd --config /etc/x.toml -v login") == "syncd login"
    assert normal("HYPOTHESIS_PROFILE=thorough ./scripts/test x") == "./scripts/test x"
    assert isinstance(classify(Command(0, 1, "syncd config sample | sudo tee /x")), Excused)
    with pytest.raises(AssertionError, match="neither walked nor excused"):
        classify(Command(0, 1, "curl https://example.org | sh"))
    with pytest.raises(AssertionError, match="neither walked nor excused"):
        fence_excuse(Block("yaml", 1, "a: 1\n"))
