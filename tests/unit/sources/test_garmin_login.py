"""`syncd login`: MFA is asked for, only tokens are saved (0600), the password never is.

Garmin's SSO cannot be reached from tests (no traffic leaves this machine), so the two
library calls that would talk to it are stubbed; everything else, including the library's
own token dump, is real.
"""

from __future__ import annotations

import stat

import garminconnect

from syncd.sources.garmin_client import interactive_login


def test_login_with_mfa_saves_only_tokens(tmp_path, monkeypatch):
    asked = []

    def fake_login(self, tokenstore=None):
        assert self.password == "hunter2"
        return "needs_mfa", {"state": "opaque"}

    def fake_resume(self, client_state, code):
        assert client_state == {"state": "opaque"} and code == "123456"
        self.client.di_token = "access"
        self.client.di_refresh_token = "refresh"
        self.client.di_client_id = "client"
        return None, None

    monkeypatch.setattr(garminconnect.Garmin, "login", fake_login)
    monkeypatch.setattr(garminconnect.Garmin, "resume_login", fake_resume)
    path = tmp_path / "state" / "garmin_tokens.json"
    who = interactive_login(None, path, "ana@example.org", "hunter2",
                            lambda: asked.append(1) or " 123456 ")
    assert asked == [1]
    assert who
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text()
    assert "refresh" in text and "hunter2" not in text and "ana@example.org" not in text
