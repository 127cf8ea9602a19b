"""The test command ends with one line per missing server, not one per skipped test
(issue 23: 56 skip lines filled the last screen)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.integration.servers import MISSING_SERVER

ROOT = Path(__file__).resolve().parents[2]


def test_skips_for_a_missing_server_fold_into_one_line(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(
        "import pytest\n"
        "@pytest.fixture(params=['here', 'sabre', 'cyrus'])\n"
        "def server(request):\n"
        "    if request.param != 'here':\n"
        f"        pytest.skip({MISSING_SERVER!r} + request.param + ': not installed')\n"
        "    return request.param\n")
    (tmp_path / "test_many.py").write_text(
        "".join(f"def test_{i}(server):\n    pass\n" for i in range(10))
        + "import pytest\n@pytest.mark.skip(reason='other')\ndef test_other():\n    pass\n")
    res = subprocess.run([sys.executable, "-m", "pytest", "-ra", "-p", "tests.conftest",
                          "-p", "no:cacheprovider", "-q", str(tmp_path)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    skipped = [line for line in res.stdout.splitlines() if line.startswith("SKIPPED")]
    assert sorted(skipped) == [
        "SKIPPED [10] tests/integration/servers.py: server not here: cyrus: not installed",
        "SKIPPED [10] tests/integration/servers.py: server not here: sabre: not installed",
        "SKIPPED [1] " + next(s for s in skipped if "other" in s).split(" ", 2)[2],
    ], res.stdout
    assert "10 passed, 21 skipped" in res.stdout
