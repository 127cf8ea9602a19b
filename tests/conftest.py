"""Hypothesis profiles: `default` for every run, `thorough` for a long hunt; and one summary
line per missing server instead of one per skipped test.

HYPOTHESIS_PROFILE=thorough ./scripts/test tests/unit/planner
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("default", deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("thorough", max_examples=5000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

MISSING_SERVER = "server not here: "  # the prefix of tests.integration.servers.need's skips


def fold_missing_server(report: Any) -> None:
    """A skip for a server this machine lacks (SabreDAV, Cyrus) is said at one place, so
    `-ra` folds the dozens of tests it skips into "SKIPPED [28] ...: sabre: ..."."""
    longrepr = report.longrepr
    if report.skipped and isinstance(longrepr, tuple) and len(longrepr) == 3 \
            and str(longrepr[2]).removeprefix("Skipped: ").startswith(MISSING_SERVER):
        report.longrepr = ("tests/integration/servers.py", None,
                           str(longrepr[2]).removeprefix("Skipped: "))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[Any]:
    outcome = yield
    fold_missing_server(outcome.get_result())
