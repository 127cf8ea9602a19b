"""syncd reaches into two libraries' private parts; an upgrade that renames them must fail
here, in the suite, rather than at a user's first sync. pyproject pins below the next major
release of each for the same reason."""

from __future__ import annotations

import tomllib
from pathlib import Path

from syncd.sinks.caldav_store import network_errors
from syncd.sources.garmin_client import SEAM, check_seam, make_garmin

ROOT = Path(__file__).resolve().parents[2]


def test_caldav_http_layer_is_where_syncd_looks() -> None:
    errors = network_errors()
    assert any(issubclass(e, OSError) for e in errors)
    assert any(e.__name__ == "ConnectionError" for e in errors)
    assert any(e.__name__ in ("Timeout", "ReadTimeout") for e in errors)


def test_garmin_private_attributes_still_exist() -> None:
    client = make_garmin("http://127.0.0.1:9").client
    check_seam(client)
    for name in SEAM:
        assert hasattr(client, name), name


def test_private_parts_are_pinned_below_the_next_major() -> None:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    caldav = next(d for d in deps if d.startswith("caldav"))
    garmin = next(d for d in deps if d.startswith("garminconnect"))
    assert "<4" in caldav
    assert "<0.4" in garmin
