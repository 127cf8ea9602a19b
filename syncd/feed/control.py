"""Controllers for the feed's CLI: its URLs for `syncd status`, `syncd feed rotate-token`."""

from __future__ import annotations

from pathlib import Path

from syncd.config.loader import Config, FeedSettings
from syncd.errors import ConfigError
from syncd.feed.files import feed_urls, local_base, new_token, page_url, read_token


def subscription_urls(settings: FeedSettings, token: str) -> dict[str, str]:
    """The URLs to give a calendar app: the public ones if set, else the listen address."""
    return feed_urls(settings.public_url or local_base(settings.host, settings.port), token)


def status_lines(config: Config, state_dir: Path) -> list[str]:
    if config.feed is None:
        return []
    token = read_token(state_dir)
    if token is None:
        return ["feed: no token yet; it is made when `syncd run` first starts "
                "(or now with `syncd feed rotate-token`)"]
    urls = subscription_urls(config.feed, token)
    base = config.feed.public_url or local_base(config.feed.host, config.feed.port)
    lines = [f"feed: {urls['strength.ics']}", f"  busy-only feed: {urls['busy.ics']}"]
    if config.feed.public_url:
        local = feed_urls(local_base(config.feed.host, config.feed.port), token)
        lines.append(f"  served locally at {local['strength.ics']}")
    lines.append(f"page: {page_url(base, token)} (the plan, the season and this status)")
    return lines


def rotate_token(config: Config, state_dir: Path) -> list[str]:
    if config.feed is None:
        raise ConfigError("there is no feed to rotate the token of: set [feed] listen "
                          "(e.g. \"127.0.0.1:8787\")", source=config.origin, key="feed.listen")
    urls = subscription_urls(config.feed, new_token(state_dir))
    return ["New feed token made; the old URLs stop working now (a running daemon uses the "
            "new one at once). Subscribe again with:",
            f"  {urls['strength.ics']}", f"  busy-only: {urls['busy.ics']}"]
